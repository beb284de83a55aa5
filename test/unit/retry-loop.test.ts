import { describe, expect, it } from 'vitest';
import { abortableSleep, withRetry, type FailureVerdict, type RetryInfo } from '../../src/retry/retry.js';

class Flaky extends Error {
  constructor(
    readonly transient: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(transient ? 'flaky' : 'broken');
  }
}

function harness() {
  let clock = 0;
  const sleeps: number[] = [];
  const retries: RetryInfo[] = [];
  return {
    sleeps,
    retries,
    opts: {
      what: 'test call',
      policy: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxTotalMs: 10_000 },
      now: () => clock,
      random: () => 0.5,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        clock += ms;
      },
      onRetry: (info: RetryInfo) => retries.push(info),
      classify: (err: unknown): FailureVerdict =>
        err instanceof Flaky
          ? { transient: err.transient, reason: err.message, retryAfterMs: err.retryAfterMs }
          : { transient: false, reason: String(err) },
    },
  };
}

describe('withRetry', () => {
  it('returns at once when the first attempt works', async () => {
    const h = harness();
    await expect(withRetry(async () => 'ok', h.opts)).resolves.toBe('ok');
    expect(h.sleeps).toEqual([]);
  });

  it('retries transient failures with growing backoff and reports each retry', async () => {
    const h = harness();
    const seen: number[] = [];
    const result = await withRetry(async (attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw new Flaky(true);
      return attempt;
    }, h.opts);
    expect(result).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    expect(h.sleeps).toEqual([50, 100]);
    expect(h.retries).toEqual([
      { what: 'test call', attempt: 1, delayMs: 50, reason: 'flaky' },
      { what: 'test call', attempt: 2, delayMs: 100, reason: 'flaky' },
    ]);
  });

  it('throws a permanent failure without retrying', async () => {
    const h = harness();
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new Flaky(false);
      }, h.opts),
    ).rejects.toThrow('broken');
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const h = harness();
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new Flaky(true);
      }, h.opts),
    ).rejects.toBeInstanceOf(Flaky);
    expect(calls).toBe(4);
    expect(h.retries).toHaveLength(3);
  });

  it('gives up when the next wait would pass maxTotalMs', async () => {
    const h = harness();
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new Flaky(true, 6000); // Retry-After 6 s: the second wait would end at 12 s > 10 s
      }, h.opts),
    ).rejects.toBeInstanceOf(Flaky);
    expect(calls).toBe(2);
    expect(h.sleeps).toEqual([6000]);
  });

  it('stops with the abort reason when aborted between attempts', async () => {
    const h = harness();
    const ctl = new AbortController();
    const reason = new Error('user pressed Ctrl-C');
    await expect(
      withRetry(
        async () => {
          ctl.abort(reason);
          throw new Flaky(true);
        },
        { ...h.opts, signal: ctl.signal },
      ),
    ).rejects.toBe(reason);
    expect(h.retries).toEqual([]);
  });

  it('abortableSleep rejects as soon as the signal aborts and leaves no timer', async () => {
    const ctl = new AbortController();
    const p = abortableSleep(60_000, ctl.signal);
    ctl.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    await expect(abortableSleep(1, ctl.signal)).rejects.toThrow('stop');
    await expect(abortableSleep(1)).resolves.toBeUndefined();
  });
});
