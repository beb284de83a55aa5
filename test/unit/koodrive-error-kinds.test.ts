/**
 * How a KooDrive answer is classed (src/koodrive/koodrive-error.ts), pinned with literal codes and
 * statuses (reference §2.3–§2.4 and docs/emulator.md's own range): the class decides retry or stop
 * and which advice the user reads, so each status and code range has its own line here.
 */
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/util/secret.js';
import {
  errorFromNetwork,
  errorFromResponse,
  gatewayKindOf,
  isSuccessCode,
  kindOf,
  numericCode,
} from '../../src/koodrive/koodrive-error.js';
import { concatRegex } from '../support/concat-regex.js';

describe('kindOf: by HTTP status when the code says nothing', () => {
  it.each([
    [400, 'validation'],
    [401, 'auth'],
    [403, 'auth'],
    [404, 'not-found'],
    [409, 'conflict'],
    [408, 'transient'],
    [429, 'transient'],
    [500, 'transient'],
    [502, 'transient'],
    [503, 'transient'],
    [599, 'transient'],
    [501, 'other'],
    [505, 'other'],
    [402, 'other'],
    [410, 'other'],
    [200, 'other'],
  ])('HTTP %i → %s', (status, kind) => {
    expect(kindOf(undefined, status)).toBe(kind);
  });

  it('HTTP 400 with an unknown numeric code is other, not validation', () => {
    expect(kindOf(12345, 400)).toBe('other');
    expect(kindOf('12345', 400)).toBe('other');
    expect(kindOf(undefined, 400)).toBe('validation');
    expect(kindOf('not-a-number', 400)).toBe('validation');
  });

  it('no status and no code is other', () => {
    expect(kindOf(undefined, undefined)).toBe('other');
  });
});

describe('kindOf: by code first, whatever the status', () => {
  it.each([
    [13990001, 'auth'],
    [13990002, 'auth'],
    [13990003, 'clock'],
    [13990013, 'lock-busy'],
    [13990010, 'lock-lost'],
    [13990011, 'lock-lost'],
    [13990012, 'lock-lost'],
    [13000405, 'conflict'],
    [13990032, 'conflict'],
    [13990021, 'conflict'],
    [13990022, 'conflict'],
    [13000101, 'validation'],
    [13000102, 'validation'],
    [13000417, 'validation'],
    [13990030, 'validation'],
    [13990031, 'validation'],
    [13000402, 'validation'],
    [13000309, 'not-found'],
    [13990020, 'not-found'],
    [13000401, 'not-found'],
    [13000201, 'transient'],
    [13990040, 'transient'],
    [13990041, 'transient'],
  ])('code %i → %s (even with HTTP 200 or 500)', (code, kind) => {
    expect(kindOf(code, 200)).toBe(kind);
    expect(kindOf(String(code), 500)).toBe(kind);
  });
});

describe('gatewayKindOf: APIGW codes', () => {
  it.each([
    ['APIGW.0301', 'auth'],
    ['APIGW.0307', 'auth'],
    ['apigw0303', 'auth'],
    ['APIGW.0300', 'transient'],
    ['APIGW.0308', 'transient'],
    ['APIGW.0100', 'other'],
    ['APIGW.0199', 'other'],
    ['APIGW.0200', 'transient'],
    ['APIGW.0201', 'other'],
    ['APIGW.0204', 'other'],
    ['APIGW.0205', 'transient'],
    ['APIGW.0099', 'transient'],
    ['APIGW', 'transient'],
    [' APIGW.0302 ', 'auth'],
  ])('%j → %s', (code, kind) => {
    expect(gatewayKindOf(code)).toBe(kind);
    expect(kindOf(code, 200)).toBe(kind);
  });

  it('is undefined for anything else', () => {
    expect(gatewayKindOf(13000102)).toBeUndefined();
    expect(gatewayKindOf('13000102')).toBeUndefined();
    expect(gatewayKindOf('XAPIGW.0301')).toBeUndefined();
    expect(gatewayKindOf(undefined)).toBeUndefined();
  });
});

describe('numericCode and isSuccessCode', () => {
  it('reads numbers and numeric strings (trimmed, signed), nothing else', () => {
    expect(numericCode(0)).toBe(0);
    expect(numericCode('0')).toBe(0);
    expect(numericCode(' 13000102 ')).toBe(13000102);
    expect(numericCode('-1')).toBe(-1);
    expect(numericCode('1.5')).toBeUndefined();
    expect(numericCode('12a')).toBeUndefined();
    expect(numericCode('a12')).toBeUndefined();
    expect(numericCode('')).toBeUndefined();
    expect(numericCode(undefined)).toBeUndefined();
  });

  it('success is 0 or "0" only', () => {
    expect(isSuccessCode(0)).toBe(true);
    expect(isSuccessCode('0')).toBe(true);
    expect(isSuccessCode(' 0 ')).toBe(true);
    expect(isSuccessCode(1)).toBe(false);
    expect(isSuccessCode('success')).toBe(false);
    expect(isSuccessCode(undefined)).toBe(false);
  });
});

describe('errorFromResponse: one line, the call, the code, the status, the advice', () => {
  const base = { call: 'create backup file', credentialsHint: 'check KOODRIVE_TOKEN', secrets: [] };

  it('auth (HTTP 403 without code): the credentials hint', () => {
    const e = errorFromResponse({ ...base, httpStatus: 403, code: undefined, msg: 'Forbidden' });
    expect(e.kind).toBe('auth');
    expect(e.transient).toBe(false);
    expect(e.message).toBe(
      'create backup file failed: Forbidden (HTTP 403). KooDrive refused the credentials; check KOODRIVE_TOKEN',
    );
  });

  it('validation by code: the code is shown, the bug advice given', () => {
    const e = errorFromResponse({ ...base, httpStatus: 400, code: 13000102, msg: '  bad\n  field ' });
    expect(e).toMatchObject({
      kind: 'validation',
      transient: false,
      code: 13000102,
      msg: 'bad field',
      httpStatus: 400,
      call: 'create backup file',
    });
    expect(e.message).toBe(
      'create backup file failed: bad field (code 13000102, HTTP 400). the server refused the request as ' +
        'invalid; this is probably a bug in koodrive-backup — please report it',
    );
  });

  it('transient: flagged for retry, Retry-After kept', () => {
    const e = errorFromResponse({ ...base, httpStatus: 503, code: undefined, msg: '', retryAfterMs: 1000 });
    expect(e).toMatchObject({ kind: 'transient', transient: true, retryAfterMs: 1000 });
    expect(e.message).toBe(
      'create backup file failed: no message (HTTP 503). KooDrive is busy or unreachable; it was retried — ' +
        'try again later',
    );
  });

  it('advice by code beats advice by kind; advice by message beats both', () => {
    expect(errorFromResponse({ ...base, httpStatus: 400, code: 13000402, msg: 'x' }).message).toMatch(
      /do not add up to the planned SHA-256/,
    );
    expect(
      errorFromResponse({ ...base, httpStatus: 400, code: 13000102, msg: 'fileName "a b" contains a space' }).message,
    ).toMatch(/refuses spaces in file names/);
  });

  it('clock: advice from the measured offset', () => {
    const off = errorFromResponse({
      ...base,
      httpStatus: 401,
      code: 13990003,
      msg: 'old',
      serverOffsetMs: 17 * 60_000,
    });
    expect(off.kind).toBe('clock');
    expect(off.message).toMatch(
      /the clock of this machine is 17 min behind the server's; fix the clock or set --clock-skew=1020s$/,
    );
    const small = errorFromResponse({ ...base, httpStatus: 401, code: 13990003, msg: 'old', serverOffsetMs: 30_000 });
    expect(small.message).toMatch(/must be within 15 min of UTC/);
    const skewed = errorFromResponse({
      ...base,
      httpStatus: 401,
      code: 13990003,
      msg: 'old',
      serverOffsetMs: -20 * 60_000,
      clockSkewMs: 20 * 60_000,
    });
    expect(skewed.message).toMatch(
      concatRegex(
        /X-Date \(with --clock-skew=1200s applied\) was 20 min ahead of the server's clock; this /,
        /machine's clock is right: leave out --clock-skew/,
      ),
    );
  });

  it('an HTML page: transient behind a gateway error, final otherwise', () => {
    const gw = errorFromResponse({
      ...base,
      httpStatus: 502,
      code: undefined,
      msg: 'unexpected answer: <html><body>Bad gateway',
    });
    expect(gw).toMatchObject({ kind: 'transient', transient: true, msg: 'an HTML page' });
    const site = errorFromResponse({
      ...base,
      httpStatus: 200,
      code: undefined,
      msg: 'unexpected answer: <!DOCTYPE html><html>',
    });
    expect(site).toMatchObject({ kind: 'other', transient: false });
    expect(site.message).toMatch(/this is not the KooDrive API; check --endpoint/);
  });

  it('a secret in the server message is redacted', () => {
    const e = errorFromResponse({
      ...base,
      secrets: [new Secret('tok-XYZ-123456')],
      httpStatus: 401,
      code: 13990001,
      msg: 'bad token tok-XYZ-123456',
    });
    expect(e.message).toBe(
      'create backup file failed: bad token *** (code 13990001, HTTP 401). KooDrive refused the ' +
        'credentials; check KOODRIVE_TOKEN',
    );
    expect(e.msg).toBe('bad token ***');
  });
});

describe('errorFromNetwork', () => {
  it('names the host and gives the specific advice', () => {
    const e = errorFromNetwork('create lock', 'example.test:443', 'connect ECONNREFUSED 127.0.0.1:443', true, []);
    expect(e).toMatchObject({ kind: 'transient', transient: true, httpStatus: undefined, code: undefined });
    expect(e.message).toBe(
      'create lock failed: no answer from example.test:443 (connect ECONNREFUSED 127.0.0.1:443). nothing ' +
        'is listening there: check the endpoint URL and port (--endpoint or KOODRIVE_ENDPOINT) and that the ' +
        'server is running; it was retried — run again later',
    );
    const final = errorFromNetwork('create lock', 'h', 'weird', false, []);
    expect(final).toMatchObject({ kind: 'other', transient: false });
    expect(final.message).toBe('create lock failed: no answer from h (weird). check the endpoint URL and the network');
  });
});

// Survivors of the errors group's mutation run, one by one (docs/testing.md): what a user reads.
describe('errors group survivors pinned', () => {
  const base = { call: 'create backup file', credentialsHint: 'check KOODRIVE_TOKEN', secrets: [] };
  const clock = (serverOffsetMs?: number, clockSkewMs?: number) =>
    errorFromResponse({
      ...base,
      httpStatus: 401,
      code: 13990003,
      msg: 'old',
      ...(serverOffsetMs !== undefined ? { serverOffsetMs } : {}),
      ...(clockSkewMs !== undefined ? { clockSkewMs } : {}),
    }).message;

  it('clock: no measured offset and no skew: the general advice, naming no skew', () => {
    expect(clock()).toBe(
      "create backup file failed: old (code 13990003, HTTP 401). X-Date was refused: this machine's clock must " +
        'be within 15 min of UTC; fix the clock or set --clock-skew',
    );
    expect(clock(undefined, 0)).toBe(clock());
  });

  it('clock: a skew given and the machine off as well: the skew that fixes it is their sum', () => {
    // X-Date (our clock + 5 min) was 20 min behind the server: our clock is 25 min behind it.
    expect(clock(20 * 60_000, 5 * 60_000)).toBe(
      'create backup file failed: old (code 13990003, HTTP 401). X-Date (with --clock-skew=300s applied) was ' +
        "20 min behind the server's clock; the clock of this machine is 25 min behind the server's: " +
        'fix the clock or set --clock-skew=1500s',
    );
  });

  it('a long server message is cut at 300 characters (docs/api-client.md), a message of 300 is not', () => {
    const at = (n: number) => errorFromResponse({ ...base, httpStatus: 400, code: 13000102, msg: 'm'.repeat(n) }).msg;
    expect(at(300)).toBe('m'.repeat(300));
    expect(at(301)).toBe(`${'m'.repeat(300)}…`);
  });

  it('an HTML error page behind a gateway: retried, with the Retry-After it came with', () => {
    const e = errorFromResponse({
      ...base,
      httpStatus: 503,
      code: undefined,
      msg: 'unexpected answer: <html><body>Service Unavailable',
      retryAfterMs: 2000,
    });
    expect(e).toMatchObject({ kind: 'transient', transient: true, retryAfterMs: 2000 });
    expect(e.message).toBe(
      'create backup file failed: the endpoint answered with an HTML page, not KooDrive JSON (HTTP 503); ' +
        'a proxy or gateway answered with an error page; it was retried — if this persists, ' +
        'check --endpoint (KOODRIVE_ENDPOINT) and any proxy in between',
    );
  });

  it('a transient network failure with no specific advice: the general one, and that it was retried', () => {
    expect(errorFromNetwork('create lock', 'h', 'ECONNRESET', true, []).message).toBe(
      'create lock failed: no answer from h (ECONNRESET). check the network and the endpoint URL; ' +
        'it was retried — run again later',
    );
  });

  it('the error is named KooDriveError', () => {
    expect(errorFromNetwork('c', 'h', 'x', false, []).name).toBe('KooDriveError');
  });
});
