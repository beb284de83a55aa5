/** When and how long to wait before trying again (pure: no timers, no I/O). */
import { certificateReason, CERTIFICATE_FIX, isCertificateError } from '../net/net-errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included (1 = never retry). */
  maxAttempts: number;
  /** Backoff cap of the first retry; doubles on each further one. */
  baseDelayMs: number;
  /** Upper bound of one backoff (a server's Retry-After may ask for longer). */
  maxDelayMs: number;
  /** Give up once the next wait would end later than this after the first attempt began. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxTotalMs: 300_000,
});

/** Why a policy cannot be used, or undefined when it can. */
export function retryPolicyProblem(p: RetryPolicy): string | undefined {
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1)
    return `maxAttempts ${p.maxAttempts} must be a whole number ≥ 1`;
  for (const key of ['baseDelayMs', 'maxDelayMs', 'maxTotalMs'] as const) {
    if (!Number.isFinite(p[key]) || p[key] < 0) return `${key} ${p[key]} must be a number of milliseconds ≥ 0`;
  }
  return undefined;
}

/**
 * The wait before the retry that follows failed attempt number `attempt` (1-based): exponential
 * backoff with full jitter, `random() * min(maxDelayMs, baseDelayMs * 2^(attempt-1))`, so that
 * many parts failing at once do not come back in lockstep. A server's Retry-After is a floor.
 */
export function nextDelay(
  attempt: number,
  random: () => number,
  retryAfterMs?: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  const jittered = Math.floor(Math.min(Math.max(random(), 0), 1) * cap);
  return retryAfterMs !== undefined && retryAfterMs > jittered ? Math.ceil(retryAfterMs) : jittered;
}

/** Whether to try again after `attempt` failed, given the time spent so far and the planned wait. */
export function shouldRetry(
  attempt: number,
  elapsedMs: number,
  delayMs: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): boolean {
  return attempt < policy.maxAttempts && elapsedMs + delayMs <= policy.maxTotalMs;
}

/** HTTP statuses that may succeed when repeated: 408, 429 and server errors other than 501/505. */
export function isTransientHttp(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

/** Retry-After as milliseconds from `nowMs` (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** What a failed connection means for retrying. */
export interface NetworkErrorClass {
  transient: boolean;
  /** Short reason for logs, e.g. "ECONNRESET" or "socket hang up". */
  reason: string;
  /** The operation was cancelled by us (AbortSignal): never retry, never report as a failure. */
  aborted: boolean;
}

// Errors where the server or the path may well be fine a moment later.
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENOTCONN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP2_STREAM_ERROR',
]);

/**
 * True for the error of a cancelled operation. DOMException has no class of its own per kind, so
 * its name is its kind (rclone's "Check error strings (yuch!)"); Node's own errors carry a code.
 */
export function isAbortError(err: unknown): boolean {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; name?: unknown };
  return e.name === 'AbortError' || e.code === 'ABORT_ERR' || e.code === 'ERR_ABORTED';
}

/** Sorts an error thrown while talking to a server into transient / aborted / permanent. */
export function classifyNetworkError(err: unknown): NetworkErrorClass {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
  };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (isAbortError(err)) return { transient: false, reason: 'aborted', aborted: true };
  // A certificate that did not verify fails the same way on every retry; the reason says how to fix it.
  if (isCertificateError(err))
    return { transient: false, reason: `${certificateReason(err)}; ${CERTIFICATE_FIX}`, aborted: false };
  // Through a proxy: the message names the proxy (credentials hidden), keep it as the reason.
  if (code === 'EPROXY_REFUSED' || code === 'EPROXY_UNAVAILABLE')
    return { transient: code === 'EPROXY_UNAVAILABLE', reason: message, aborted: false };
  if (message.startsWith('via the proxy '))
    return {
      transient: !!code && (TRANSIENT_NETWORK_CODES.has(code) || code === 'ETIMEDOUT'),
      reason: message,
      aborted: false,
    };
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') return { transient: true, reason: 'ETIMEDOUT', aborted: false };
  if (code && TRANSIENT_NETWORK_CODES.has(code)) return { transient: true, reason: code, aborted: false };
  if (/socket hang up/i.test(message)) return { transient: true, reason: 'socket hang up', aborted: false };
  return { transient: false, reason: code ?? message, aborted: false };
}
