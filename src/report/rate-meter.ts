/**
 * A sliding-window transfer rate: bytes are added into fixed time buckets so memory stays bounded
 * however many progress events arrive, and the rate follows changes within `windowMs`.
 */
export class RateMeter {
  private readonly buckets: Array<{ start: number; bytes: number }> = [];
  private firstAt: number | undefined;

  constructor(
    private readonly windowMs = 10_000,
    private readonly bucketMs = 250,
  ) {}

  /** Records `bytes` transferred at time `now` (epoch ms). */
  add(now: number, bytes: number): void {
    if (bytes <= 0) return;
    if (this.firstAt === undefined) this.firstAt = now;
    const start = now - (now % this.bucketMs);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.start === start) last.bytes += bytes;
    else this.buckets.push({ start, bytes });
    this.prune(now);
  }

  /** Bytes per second over the window ending at `now` (0 before any bytes). */
  rate(now: number): number {
    if (this.firstAt === undefined) return 0;
    this.prune(now);
    const windowStart = Math.max(this.firstAt, now - this.windowMs);
    // At least one second of span, so the first burst does not read as an absurd rate.
    const span = Math.max(1000, now - windowStart);
    let bytes = 0;
    for (const bucket of this.buckets) bytes += bucket.bytes;
    return (bytes * 1000) / span;
  }

  private prune(now: number): void {
    while (this.buckets.length > 0 && this.buckets[0]!.start + this.bucketMs <= now - this.windowMs) {
      this.buckets.shift();
    }
  }
}
