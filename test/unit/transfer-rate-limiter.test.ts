import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { MIN_BURST_BYTES, partWindow, RateLimiter, TokenBucket } from '../../src/transfer/rate-limiter.js';

/** A clock that only moves when someone sleeps on it: no wall-clock time in these tests. */
function fakeClock() {
  let t = 0;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  return {
    now: () => t,
    // Sleepers wake in time order; advancing is driven by the test via run().
    sleep: (ms: number) => new Promise<void>((resolve) => timers.push({ at: t + ms, resolve })),
    /** Wakes sleepers in order until none are left. */
    async run(): Promise<void> {
      for (;;) {
        await new Promise((r) => setImmediate(r));
        if (timers.length === 0) return;
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift()!;
        t = Math.max(t, next.at);
        next.resolve();
      }
    },
  };
}

describe('TokenBucket arithmetic', () => {
  it('starts full, then makes callers wait for the debt to be paid', () => {
    const b = new TokenBucket(1000, 500, 0);
    expect(b.reserve(500, 0)).toBe(0);
    expect(b.reserve(100, 0)).toBe(100); // 100 bytes at 1000 B/s
    expect(b.reserve(100, 0)).toBe(200); // queued behind the first
    expect(b.available(200)).toBe(0);
  });

  it('refills at the rate, never above the burst', () => {
    const b = new TokenBucket(1000, 500, 0);
    b.reserve(500, 0);
    expect(b.available(250)).toBe(250);
    expect(b.available(10_000)).toBe(500);
  });

  it('a reservation larger than the burst waits for it instead of deadlocking', () => {
    const b = new TokenBucket(1000, 100, 0);
    expect(b.reserve(1100, 0)).toBe(1000);
  });

  it('refund gives unused tokens back (capped at the burst)', () => {
    const b = new TokenBucket(1000, 500, 0);
    b.reserve(800, 0);
    b.refund(800, 0);
    expect(b.available(0)).toBe(500);
  });

  it('time going backwards does not mint tokens', () => {
    const b = new TokenBucket(1000, 500, 1000);
    b.reserve(500, 1000);
    expect(b.available(0)).toBe(0);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses rate %d', (rate) => {
    expect(() => new TokenBucket(rate, 1, 0)).toThrow(/bwlimit/);
  });

  it('over any span T at most burst + rate·T bytes are released', () => {
    const rate = 10_000;
    const burst = 4096;
    const b = new TokenBucket(rate, burst, 0);
    // Requests arrive every 7 ms in sizes 1..burst (throttle() slices chunks far below the burst);
    // each is released at arrival + wait.
    const released: Array<{ at: number; n: number }> = [];
    let seed = 7;
    for (let t = 0; t < 30_000; t += 7) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const n = 1 + (seed % burst);
      released.push({ at: t + b.reserve(n, t), n });
    }
    released.sort((x, y) => x.at - y.at);
    for (const span of [100, 1000, 5000, 30_000]) {
      let j = 0;
      let inWindow = 0;
      for (let i = 0; i < released.length; i++) {
        inWindow += released[i]!.n;
        while (released[i]!.at - released[j]!.at > span) inWindow -= released[j++]!.n;
        // +10: waits are rounded up to whole ms
        expect(inWindow).toBeLessThanOrEqual(burst + (rate * span) / 1000 + 10);
      }
    }
  });
});

describe('RateLimiter with an injected clock', () => {
  it('burst defaults to one second of bandwidth, at least 256 KiB', () => {
    expect(new RateLimiter({ bytesPerSecond: 1000 }).bucket.burstBytes).toBe(MIN_BURST_BYTES);
    // a tenth of a second
    expect(new RateLimiter({ bytesPerSecond: 10 * 1024 * 1024 }).bucket.burstBytes).toBe(1024 * 1024);
    expect(new RateLimiter({ bytesPerSecond: 1000, burstBytes: 10 }).bucket.burstBytes).toBe(10);
  });

  it('four concurrent senders share 1 MiB/s: 30 s of data takes 30 s (±1%)', async () => {
    const clock = fakeClock();
    const rate = 1024 * 1024;
    const limiter = new RateLimiter({
      bytesPerSecond: rate,
      burstBytes: 256 * 1024,
      now: clock.now,
      sleep: clock.sleep,
    });
    const total = 30 * rate + 256 * 1024; // 30 s worth after the initial burst
    const perSender = total / 4;
    const sender = async (): Promise<void> => {
      for (let sent = 0; sent < perSender; sent += 64 * 1024) await limiter.take(Math.min(64 * 1024, perSender - sent));
    };
    const all = Promise.all([sender(), sender(), sender(), sender()]);
    await clock.run();
    await all;
    expect(clock.now()).toBeGreaterThanOrEqual(29_700);
    expect(clock.now()).toBeLessThanOrEqual(30_300);
  });

  it('take() refunds its reservation when aborted', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({
      bytesPerSecond: 1000,
      burstBytes: 1000,
      now: clock.now,
      sleep: (ms, signal) =>
        new Promise((resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          void clock.sleep(ms).then(resolve);
        }),
    });
    await limiter.take(1000);
    const ctl = new AbortController();
    const pending = limiter.take(500, ctl.signal);
    ctl.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(limiter.bucket.available(clock.now())).toBe(0);
  });

  it('throttle() passes every byte through, in order, at the rate', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({
      bytesPerSecond: 100_000,
      burstBytes: 256 * 1024,
      now: clock.now,
      sleep: clock.sleep,
    });
    const input = Buffer.alloc(1_256_144);
    for (let i = 0; i < input.length; i++) input[i] = i % 251;
    const out: Buffer[] = [];
    const done = pipeline(
      Readable.from([input.subarray(0, 500_000), input.subarray(500_000)]),
      limiter.throttle(),
      new Writable({
        write(chunk: Buffer, _e, cb) {
          out.push(chunk);
          cb();
        },
      }),
    );
    await clock.run();
    await done;
    expect(Buffer.concat(out).equals(input)).toBe(true);
    expect(Math.max(...out.map((c) => c.length))).toBeLessThanOrEqual(64 * 1024);
    // (1_256_144 − 262_144 burst) / 100_000 B/s = 9.94 s
    expect(clock.now()).toBeGreaterThanOrEqual(9_900);
    expect(clock.now()).toBeLessThanOrEqual(10_000);
  });
});

describe('partWindow: parts in flight under a bandwidth limit', () => {
  const MiB = 1024 * 1024;
  it(
    'keeps each part within about 5 s: one 5 MiB part at 1 MiB/s, more as the rate grows, never above ' +
      '--concurrency',
    () => {
      expect(partWindow(1 * MiB, 5 * MiB, 8)).toBe(1);
      expect(partWindow(256 * 1024, 5 * MiB, 8)).toBe(1); // slower still: one part, never none
      expect(partWindow(4 * MiB, 5 * MiB, 8)).toBe(4);
      expect(partWindow(10 * MiB, 16 * MiB, 8)).toBe(3);
      expect(partWindow(100 * MiB, 5 * MiB, 8)).toBe(8);
      expect(partWindow(undefined, 5 * MiB, 8)).toBe(8);
      expect(partWindow(0, 5 * MiB, 3)).toBe(3);
    },
  );
});
