import { describe, expect, it } from 'vitest';
import { expiresAt, isExpiredResponse, isUrlFresh, needsRefresh, redactUrl } from '../../src/transfer/presigned-url.js';

// Shape of the documented example (B9): SigV4 query auth, 1 h validity.
const url = (date: string, expires: string, extra = ''): string =>
  `https://obs-koodrive-test-2.obs.cn-north-4.myhuaweicloud.com/obj/key?partNumber=1&uploadId=0000019B&` +
  `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${date}&X-Amz-SignedHeaders=content-length%3Bhost&` +
  `X-Amz-Expires=${expires}&X-Amz-Credential=AK%2F20251218%2Fnorth-4%2Fs3%2Faws4_request&` +
  `X-Amz-Signature=abcdef${extra}`;
const SIGNED = '20251218T013236Z';
const SIGNED_MS = Date.UTC(2025, 11, 18, 1, 32, 36);

describe('expiresAt', () => {
  it.each([
    [url(SIGNED, '3600'), SIGNED_MS + 3_600_000],
    [url(SIGNED, '0'), SIGNED_MS],
    [url('20251231T235959Z', '60'), Date.UTC(2026, 0, 1, 0, 0, 59)],
    [
      url(SIGNED, '3600').replace('X-Amz-Date', 'x-amz-date').replace('X-Amz-Expires', 'x-amz-expires'),
      SIGNED_MS + 3_600_000,
    ],
  ])('%s', (u, expected) => {
    expect(expiresAt(u)?.getTime()).toBe(expected);
  });

  it.each([
    ['no expiry', 'https://h/o?X-Amz-Date=20251218T013236Z'],
    ['no date', 'https://h/o?X-Amz-Expires=3600'],
    ['bad date', url('2025-12-18T01:32:36Z', '3600')],
    ['bad expires', url(SIGNED, '1h')],
    ['negative expires', url(SIGNED, '-5')],
    ['not a URL', 'not a url'],
  ])('undefined when %s', (_what, u) => {
    expect(expiresAt(u)).toBeUndefined();
  });
});

describe('needsRefresh', () => {
  const u = url(SIGNED, '3600');
  const expiry = SIGNED_MS + 3_600_000;
  it.each([
    ['no URL', undefined, SIGNED_MS, undefined, true],
    ['empty URL', '', SIGNED_MS, undefined, true],
    ['fresh', u, SIGNED_MS, undefined, false],
    ['6 min left', u, expiry - 6 * 60_000, undefined, false],
    ['exactly 5 min left', u, expiry - 5 * 60_000, undefined, true],
    ['4 min left', u, expiry - 4 * 60_000, undefined, true],
    ['expired', u, expiry + 1, undefined, true],
    ['custom margin 0: 1 ms left', u, expiry - 1, 0, false],
    ['custom margin 10 min: 9 min left', u, expiry - 9 * 60_000, 10 * 60_000, true],
    ['no expiry info: used as is', 'http://127.0.0.1:9/part?partNumber=1', SIGNED_MS, undefined, false],
  ])('%s', (_what, uploadUrl, now, margin, expected) => {
    expect(needsRefresh(uploadUrl, now, margin)).toBe(expected);
    expect(needsRefresh(uploadUrl, new Date(now), margin)).toBe(expected);
  });
});

describe('isExpiredResponse', () => {
  const s3Expired =
    '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';
  it.each([
    [403, s3Expired, true],
    [403, '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>', true],
    [403, '{"code":"AccessDenied","message":"denied"}', true],
    [403, 'Request has EXPIRED', true],
    [403, '<Error><Code>SignatureDoesNotMatch</Code></Error>', false],
    [403, '', false],
    [400, s3Expired, false],
    [200, s3Expired, false],
    [500, 'expired', false],
  ])('%i %s → %s', (status, body, expected) => {
    expect(isExpiredResponse(status, body)).toBe(expected);
  });
});

describe('redactUrl', () => {
  it('drops the signature and credential', () => {
    expect(redactUrl(url(SIGNED, '3600'))).toBe('https://obs-koodrive-test-2.obs.cn-north-4.myhuaweicloud.com/obj/key');
    expect(redactUrl('::')).toBe('(invalid URL)');
  });
});

describe('isUrlFresh', () => {
  // Fresh until a quarter of the URL's life, at most 5 minutes, before it expires.
  it.each([
    ['1 h URL, 5 min 1 s before expiry', url(SIGNED, '3600'), SIGNED_MS + 3_600_000 - 301_000, true],
    ['1 h URL, exactly 5 min before expiry', url(SIGNED, '3600'), SIGNED_MS + 3_600_000 - 300_000, false],
    ['60 s URL, 16 s before expiry', url(SIGNED, '60'), SIGNED_MS + 44_000, true],
    ['60 s URL, 15 s before expiry', url(SIGNED, '60'), SIGNED_MS + 45_000, false],
    [
      'lower-case 60 s URL, 15 s before expiry',
      url(SIGNED, '60').replace('X-Amz-Date', 'x-amz-date').replace('X-Amz-Expires', 'x-amz-expires'),
      SIGNED_MS + 45_000,
      false,
    ],
    ['URL without expiry', 'https://h/o?partNumber=1', SIGNED_MS, true],
    ['URL with a fragment after the query', `${url(SIGNED, '60')}#x`, SIGNED_MS + 45_000, false],
  ])('%s', (_what, u, now, fresh) => {
    expect(isUrlFresh(u, now)).toBe(fresh);
  });
});
