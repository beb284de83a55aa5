/** One token bucket shared by every PUT (--bwlimit, bytes per second). */
import { Transform, type TransformCallback } from 'node:stream';
import { abortableSleep } from '../retry/retry.js';

export const MIN_BURST_BYTES = 256 * 1024;
/** Chunks are cut to this size before they take tokens, so that parallel PUTs interleave finely. */
export const THROTTLE_SLICE_BYTES = 64 * 1024;

/** The time one part should take at most under --bwlimit, to size the part window (partWindow). */
export const PART_SECONDS_TARGET = 5;

/**
 * Parts in flight under a bandwidth limit: few enough that each finishes within about
 * PART_SECONDS_TARGET seconds, max(1, ⌊rate × 5 s / partSize⌋), and never more than `concurrency`.
 * All parts in flight share the limit, so 8 parts of 5 MiB at 1 MiB/s would each need 40 s and a
 * run stopped within that time would keep nothing; one part at a time keeps a part every 5 s.
 */
export function partWindow(bytesPerSecond: number | undefined, partSize: number, concurrency: number): number {
  if (!bytesPerSecond || bytesPerSecond <= 0 || !(partSize > 0)) return concurrency;
  return Math.max(1, Math.min(concurrency, Math.floor((bytesPerSecond * PART_SECONDS_TARGET) / partSize)));
}

/**
 * The bucket's arithmetic, free of timers. Tokens refill at `rate` per second up to `burst`; a
 * reservation may drive them below zero (a debt), and its wait is how long until the debt is paid.
 * Later reservations queue behind earlier ones, so over any span T at most burst + rate·T bytes
 * are released.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly bytesPerSecond: number,
    readonly burstBytes: number,
    nowMs: number,
  ) {
    if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0)
      throw new Error(`bandwidth limit ${bytesPerSecond} B/s must be a positive number (e.g. --bwlimit 20MiB/s)`);
    if (!Number.isFinite(burstBytes) || burstBytes <= 0)
      throw new Error(`burst ${burstBytes} must be a positive number of bytes`);
    this.tokens = burstBytes;
    this.last = nowMs;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.last) {
      this.tokens = Math.min(this.burstBytes, this.tokens + ((nowMs - this.last) * this.bytesPerSecond) / 1000);
      this.last = nowMs;
    }
  }

  /** Reserves n bytes at nowMs; returns how many ms the caller must wait before sending them. */
  reserve(n: number, nowMs: number): number {
    this.refill(nowMs);
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.bytesPerSecond);
  }

  /** Gives back a reservation that will not be used (its sender was aborted). */
  refund(n: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens = Math.min(this.burstBytes, this.tokens + n);
  }

  /** Tokens available at nowMs (negative while in debt). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }
}

export interface RateLimiterOptions {
  bytesPerSecond: number;
  /** Default: one second's worth, at least 256 KiB. */
  burstBytes?: number;
  /** Injected for tests. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The shared limiter: `take(n)` waits until n bytes may go; `throttle()` makes a Transform that does so. */
export class RateLimiter {
  readonly bucket: TokenBucket;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(opts: RateLimiterOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? abortableSleep;
    // A tenth of a second of burst: enough to keep 64 KiB slices flowing, small enough that even a
    // short upload keeps to the limit (a full second of burst overshoots a 3-second upload by a third).
    const burst = opts.burstBytes ?? Math.max(MIN_BURST_BYTES, Math.ceil(opts.bytesPerSecond / 10));
    this.bucket = new TokenBucket(opts.bytesPerSecond, burst, this.now());
  }

  /** Resolves when n more bytes may be sent; rejects (and refunds) if the signal aborts first. */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    if (n <= 0) return;
    const waitMs = this.bucket.reserve(n, this.now());
    if (waitMs === 0) return;
    try {
      await this.sleep(waitMs, signal);
    } catch (err) {
      this.bucket.refund(n, this.now());
      throw err;
    }
  }

  /** A pass-through stream that releases bytes at the shared rate; destroying it cancels its wait. */
  throttle(signal?: AbortSignal): Transform {
    const cancel = new AbortController();
    const onAbort = (): void => cancel.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const take = (n: number): Promise<void> => this.take(n, cancel.signal);
    // Never hand the bucket more than its burst at once: that would overshoot the rate.
    const sliceBytes = Math.max(1, Math.min(THROTTLE_SLICE_BYTES, Math.floor(this.bucket.burstBytes)));
    return new Transform({
      async transform(chunk: Buffer, _enc, done: TransformCallback) {
        try {
          for (let at = 0; at < chunk.length; at += sliceBytes) {
            const slice = chunk.subarray(at, at + sliceBytes);
            await take(slice.length);
            this.push(slice);
          }
          done();
        } catch (err) {
          done(err as Error);
        }
      },
      destroy(err, done) {
        signal?.removeEventListener('abort', onAbort);
        cancel.abort(err ?? new Error('throttled stream closed'));
        done(err);
      },
    });
  }
}
