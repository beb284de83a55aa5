/** The one retry loop: used by the API client and by the part sender. */
import { DEFAULT_RETRY_POLICY, nextDelay, shouldRetry, type RetryPolicy } from './retry-policy.js';

/** Reported before each wait; the same shape as the `retry` run event. */
export interface RetryInfo {
  /** What is being retried, e.g. "create backup file" or "PUT part 3 of a.bin". */
  what: string;
  /** The number of the attempt that just failed (1-based). */
  attempt: number;
  delayMs: number;
  reason: string;
}

/** How the caller judges one failure. */
export interface FailureVerdict {
  transient: boolean;
  reason: string;
  /** A server-requested minimum wait (Retry-After). */
  retryAfterMs?: number;
}

export interface RetryOptions {
  what: string;
  policy?: RetryPolicy;
  classify: (err: unknown) => FailureVerdict;
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  /** Injected for tests; default Math.random, Date.now and an abortable timer. */
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Resolves after ms, or rejects with the signal's reason as soon as it aborts; never leaves a timer behind. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error to throw for an aborted signal (its reason, or a standard AbortError). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * Runs op until it succeeds, a failure is judged permanent, or the policy's attempts or total time
 * run out; then the last error is thrown as it was. Each attempt is a fresh call of op, so anything
 * time-dependent (X-Date, signatures) is recomputed.
 */
export async function withRetry<T>(op: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const policy = opts.policy ?? DEFAULT_RETRY_POLICY;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const random = opts.random ?? Math.random;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    try {
      return await op(attempt);
    } catch (err) {
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      const verdict = opts.classify(err);
      if (!verdict.transient) throw err;
      const delayMs = nextDelay(attempt, random, verdict.retryAfterMs, policy);
      if (!shouldRetry(attempt, now() - started, delayMs, policy)) throw err;
      opts.onRetry?.({ what: opts.what, attempt, delayMs, reason: verdict.reason });
      await sleep(delayMs, opts.signal);
    }
  }
}
