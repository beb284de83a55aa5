/**
 * Edges of src/retry/retry-policy.ts with literal inputs (issue 15 survivors): the policy's
 * bounds, Retry-After as a floor, reading Retry-After, and network errors through a proxy.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyNetworkError,
  isAbortError,
  isTransientHttp,
  nextDelay,
  parseRetryAfter,
  retryPolicyProblem,
} from '../../src/retry/retry-policy.js';

const policy = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, maxTotalMs: 0 };

describe('retryPolicyProblem', () => {
  it('1 attempt and 0 ms are allowed; 0 attempts and negative waits are not', () => {
    expect(retryPolicyProblem(policy)).toBeUndefined();
    expect(retryPolicyProblem({ ...policy, maxAttempts: 0 })).toBe('maxAttempts 0 must be a whole number ≥ 1');
    expect(retryPolicyProblem({ ...policy, maxDelayMs: -1 })).toBe(
      'maxDelayMs -1 must be a number of milliseconds ≥ 0',
    );
  });
});

describe('nextDelay', () => {
  it('a Retry-After equal to the jittered wait gives that wait; a longer one is rounded up', () => {
    const p = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 10_000, maxTotalMs: 60_000 };
    expect(nextDelay(1, () => 0.5, 500, p)).toBe(500);
    expect(nextDelay(1, () => 0.5, 500.4, p)).toBe(501);
    expect(nextDelay(1, () => 0.5, 100, p)).toBe(500);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-12-18T01:00:00Z');
  it('seconds (whole or decimal), an HTTP date, the first of several values; nothing else', () => {
    expect(parseRetryAfter('12', now)).toBe(12_000);
    expect(parseRetryAfter(' 1.25 ', now)).toBe(1250);
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
    expect(parseRetryAfter('Thu, 18 Dec 2025 01:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 18 Dec 2025 00:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('   ', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('12x', now)).toBeUndefined();
    expect(parseRetryAfter('x12', now)).toBeUndefined();
  });
});

describe('classifyNetworkError', () => {
  it('cancelled operations, by name or code', () => {
    for (const e of [{ name: 'AbortError' }, { code: 'ABORT_ERR' }, { code: 'ERR_ABORTED' }]) {
      expect(isAbortError(e)).toBe(true);
      expect(classifyNetworkError(e)).toEqual({ transient: false, reason: 'aborted', aborted: true });
    }
    expect(isAbortError(null)).toBe(false);
    expect(isAbortError({ name: 'Error' })).toBe(false);
  });

  it('through a proxy: refused is final, unavailable is retried; the message is the reason', () => {
    expect(classifyNetworkError({ code: 'EPROXY_REFUSED', message: 'the proxy p refused the tunnel' })).toEqual({
      transient: false,
      reason: 'the proxy p refused the tunnel',
      aborted: false,
    });
    expect(classifyNetworkError({ code: 'EPROXY_UNAVAILABLE', message: 'proxy down' })).toEqual({
      transient: true,
      reason: 'proxy down',
      aborted: false,
    });
    expect(classifyNetworkError({ code: 'ECONNRESET', message: 'via the proxy p: reset' })).toEqual({
      transient: true,
      reason: 'via the proxy p: reset',
      aborted: false,
    });
    expect(classifyNetworkError({ code: 'ETIMEDOUT', message: 'via the proxy p: timeout' })).toEqual({
      transient: true,
      reason: 'via the proxy p: timeout',
      aborted: false,
    });
    expect(classifyNetworkError({ code: 'EWEIRD', message: 'via the proxy p: ?' })).toEqual({
      transient: false,
      reason: 'via the proxy p: ?',
      aborted: false,
    });
    expect(classifyNetworkError({ message: 'via the proxy p: ?' })).toEqual({
      transient: false,
      reason: 'via the proxy p: ?',
      aborted: false,
    });
    expect(classifyNetworkError({ code: 'EWEIRD', message: 'x via the proxy p' })).toEqual({
      transient: false,
      reason: 'EWEIRD',
      aborted: false,
    });
  });

  it('timeouts by name or code; a thrown string is its own reason', () => {
    expect(classifyNetworkError({ name: 'TimeoutError', message: 't' })).toEqual({
      transient: true,
      reason: 'ETIMEDOUT',
      aborted: false,
    });
    expect(classifyNetworkError('boom')).toEqual({ transient: false, reason: 'boom', aborted: false });
    expect(classifyNetworkError({ code: 42, message: 'm' })).toEqual({ transient: false, reason: 'm', aborted: false });
  });
});

describe('errors group survivors pinned', () => {
  it('a status above 599 is no server error (RFC 9110: 5xx), so not retried', () => {
    expect(isTransientHttp(599)).toBe(true);
    expect(isTransientHttp(600)).toBe(false);
  });

  it('a certificate that did not verify is final and a failure, not a cancellation', () => {
    const c = classifyNetworkError(
      Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    );
    expect(c.transient).toBe(false);
    expect(c.aborted).toBe(false);
    expect(c.reason).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT/);
  });
});
