import { describe, expect, it } from 'vitest';
import {
  classifyNetworkError,
  DEFAULT_RETRY_POLICY,
  isTransientHttp,
  nextDelay,
  parseRetryAfter,
  retryPolicyProblem,
  shouldRetry,
  type RetryPolicy,
} from '../../src/retry/retry-policy.js';

const policy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxTotalMs: 300_000 };

describe('nextDelay: exponential backoff with full jitter', () => {
  it.each([
    // attempt, random, retryAfter, expected
    [1, 0.999999, undefined, 499],
    [1, 0.5, undefined, 250],
    [2, 0.5, undefined, 500],
    [3, 0.5, undefined, 1000],
    [6, 0.5, undefined, 8000],
    [7, 0.999999, undefined, 29_999], // 500·2^6 = 32000 capped at 30000
    [50, 0.5, undefined, 15_000], // cap holds for huge attempts
    [1, 0, undefined, 0],
    [1, 1.5, undefined, 500], // a bad random source is clamped
    [1, 0.5, 2000, 2000], // Retry-After is a floor
    [3, 0.9, 100, 1800], // ... not a ceiling
    [1, 0.1, 60_000, 60_000], // honoured even above maxDelayMs (maxTotalMs bounds it)
  ])('attempt %i, random %f, retryAfter %s → %i ms', (attempt, random, retryAfter, expected) => {
    expect(nextDelay(attempt, () => random, retryAfter, policy)).toBe(expected);
  });

  it('uses the default policy when none is given', () => {
    expect(nextDelay(2, () => 0.5)).toBe(500);
    expect(DEFAULT_RETRY_POLICY).toEqual(policy);
  });

  it('never exceeds the cap over many random draws', () => {
    for (let a = 1; a <= 12; a++) {
      for (let i = 0; i < 50; i++) {
        const d = nextDelay(a, Math.random, undefined, policy);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.min(30_000, 500 * 2 ** (a - 1)));
      }
    }
  });
});

describe('shouldRetry', () => {
  it.each([
    [1, 0, 500, true],
    [5, 0, 500, true],
    [6, 0, 500, false], // 6 attempts used up
    [2, 299_000, 1000, true], // exactly at the budget
    [2, 299_001, 1000, false],
  ])('attempt %i, elapsed %i, delay %i → %s', (attempt, elapsed, delay, expected) => {
    expect(shouldRetry(attempt, elapsed, delay, policy)).toBe(expected);
  });
});

describe('retryPolicyProblem', () => {
  it.each([
    [policy, undefined],
    [{ ...policy, maxAttempts: 0 }, /maxAttempts/],
    [{ ...policy, maxAttempts: 1.5 }, /maxAttempts/],
    [{ ...policy, baseDelayMs: -1 }, /baseDelayMs/],
    [{ ...policy, maxTotalMs: Number.NaN }, /maxTotalMs/],
  ])('%o', (p, expected) => {
    const problem = retryPolicyProblem(p);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});

describe('isTransientHttp', () => {
  it.each([
    [200, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [409, false],
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [599, true],
    [501, false],
    [505, false],
  ])('%i → %s', (status, expected) => {
    expect(isTransientHttp(status)).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 0, 0, 0);
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['3', 3000],
    ['0', 0],
    ['1.5', 1500],
    [['7', '9'], 7000],
    ['Thu, 01 Jan 2026 00:00:10 GMT', 10_000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0], // in the past: no wait
    ['soon', undefined],
  ])('%o → %o', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('classifyNetworkError', () => {
  const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });
  it.each([
    [withCode('ECONNRESET'), true, 'ECONNRESET', false],
    [withCode('ETIMEDOUT'), true, 'ETIMEDOUT', false],
    [withCode('ECONNREFUSED'), true, 'ECONNREFUSED', false],
    [withCode('EPIPE'), true, 'EPIPE', false],
    [withCode('EAI_AGAIN'), true, 'EAI_AGAIN', false],
    [Object.assign(new Error('Timeout awaiting request'), { name: 'TimeoutError' }), true, 'ETIMEDOUT', false],
    [new Error('socket hang up'), true, 'socket hang up', false],
    [withCode('ECONNRESET', 'socket hang up'), true, 'ECONNRESET', false],
    [withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND nowhere'), false, 'ENOTFOUND', false],
    [withCode('ERR_INVALID_URL'), false, 'ERR_INVALID_URL', false],
    [new DOMException('aborted', 'AbortError'), false, 'aborted', true],
    [withCode('ERR_ABORTED'), false, 'aborted', true],
    ['a string', false, 'a string', false],
    [undefined, false, 'undefined', false],
  ])('%o', (err, transient, reason, aborted) => {
    expect(classifyNetworkError(err)).toEqual({ transient, reason, aborted });
  });
});
