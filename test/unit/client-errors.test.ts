import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/koodrive/auth.js';
import { KooDriveClient, type KooDriveClientOptions } from '../../src/koodrive/client.js';
import { KooDriveError, kindOf } from '../../src/koodrive/koodrive-error.js';
import type { RetryInfo } from '../../src/retry/retry.js';
import { Secret } from '../../src/util/secret.js';
import { concatRegex } from '../support/concat-regex.js';

type Reply = { status: number; body: string; headers?: Record<string, string> } | 'hang';
let reply: (n: number, req: http.IncomingMessage) => Reply;
let requests = 0;
let server: http.Server;
let endpoint: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const r = reply(++requests, req);
      if (r === 'hang') return;
      res.writeHead(r.status, r.headers ?? {}).end(r.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  requests = 0;
});

const TOKEN = 'tok-very-secret-9f8e7d';
const APP_SECRET = 'app-secret-0a1b2c3d';
const token: Credentials = { mode: 'token', token: new Secret(TOKEN) };
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const FAST = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 1000 };
const client = (extra: Partial<KooDriveClientOptions> = {}): KooDriveClient =>
  new KooDriveClient({
    endpoint,
    userId: 'u1',
    credentials: token,
    retry: FAST,
    now: () => NOW,
    sleep: async () => undefined,
    ...extra,
  });
const envelope = (code: number | string, msg: string): string => JSON.stringify({ code, msg });

async function failure(c: KooDriveClient = client()): Promise<KooDriveError> {
  const err = await c.completeFile('F1', 'x').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KooDriveError);
  return err as KooDriveError;
}

describe('error kinds from server answers', () => {
  it.each([
    // status, body, kind, transient, attempts, message pattern
    [
      400,
      envelope(13990001, 'token invalid'),
      'auth',
      false,
      1,
      concatRegex(
        /complete file failed: token invalid \(code 13990001, HTTP 400\)\. KooDrive refused the /,
        /credentials; check KOODRIVE_TOKEN/,
      ),
    ],
    [400, envelope(13990002, 'user mismatch'), 'auth', false, 1, /check KOODRIVE_TOKEN/],
    [401, 'Unauthorized', 'auth', false, 1, /unexpected answer: Unauthorized \(HTTP 401\)/],
    [400, envelope(13990013, 'lock held'), 'lock-busy', false, 1, /another backup holds the lock/],
    [400, envelope(13990012, 'lock expired'), 'lock-lost', false, 1, /lock is missing or expired/],
    [400, envelope('13990011', 'no such lock'), 'lock-lost', false, 1, /code 13990011/],
    [400, envelope(13000405, 'duplicate'), 'conflict', false, 1, /already exists/],
    [400, envelope(13000102, 'bad param'), 'validation', false, 1, /refused the request as invalid/],
    [400, envelope(13000402, 'check failed'), 'validation', false, 1, /do not add up to the planned SHA-256/],
    [400, envelope(13990030, 'proof'), 'validation', false, 1, /proofSeed/],
    [
      400,
      envelope(13990020, 'no record'),
      'not-found',
      false,
      1,
      /check the record id \(koodrive-backup records list shows them\)/,
    ],
    [400, envelope(13000401, 'no task'), 'not-found', false, 1, /upload the file again/],
    [200, envelope(13000311, 'full'), 'other', false, 1, /space is full/],
    [200, envelope(13990040, 'slow down'), 'transient', true, 3, /code 13990040, HTTP 200/],
    [500, envelope(13000201, 'inner'), 'transient', true, 3, /try again later/],
    [502, '<html>bad gateway</html>', 'transient', true, 3, /HTTP 502/],
    [200, 'not json', 'other', false, 1, /unexpected answer: not json/],
    [404, '', 'not-found', false, 1, /\(empty body\)/],
    // API gateway codes (issue 10 item 14): throttling is transient whatever the HTTP status.
    [
      400,
      envelope('APIGW.0308', 'The throttling threshold has been reached'),
      'transient',
      true,
      3,
      /code APIGW\.0308, HTTP 400/,
    ],
    [200, envelope('APIGW.0308', 'throttled'), 'transient', true, 3, /code APIGW\.0308, HTTP 200/],
    [
      403,
      JSON.stringify({
        error_code: 'APIGW.0308',
        error_msg: 'The throttling threshold has been reached',
        request_id: 'r1',
      }),
      'transient',
      true,
      3,
      /throttling threshold.*code APIGW\.0308, HTTP 403/,
    ],
    [
      400,
      JSON.stringify({ error_code: 'APIGW.0206', error_msg: 'Backend timeout' }),
      'transient',
      true,
      3,
      /Backend timeout/,
    ],
    [
      401,
      JSON.stringify({ error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information' }),
      'auth',
      false,
      1,
      /KooDrive refused the credentials/,
    ],
    [
      404,
      JSON.stringify({ error_code: 'APIGW.0101', error_msg: 'The API does not exist' }),
      'other',
      false,
      1,
      /API does not exist/,
    ],
  ])('HTTP %i %s → %s', async (status, body, kind, transient, attempts, message) => {
    reply = () => ({ status, body });
    const err = await failure();
    expect(err).toMatchObject({ kind, transient, call: 'complete file', httpStatus: status });
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
    expect(requests).toBe(attempts);
  });

  it('recovers when a transient failure clears', async () => {
    reply = (n) =>
      n === 1 ? { status: 200, body: envelope(13990041, 'injected') } : { status: 200, body: envelope(0, 'ok') };
    const retries: RetryInfo[] = [];
    await client({ onRetry: (i) => retries.push(i) }).completeFile('F', 'x');
    expect(retries).toEqual([{ what: 'complete file', attempt: 1, delayMs: 0, reason: 'code 13990041' }]);
  });

  it('429 honours Retry-After', async () => {
    reply = (n) =>
      n === 1
        ? { status: 429, body: 'slow', headers: { 'retry-after': '7' } }
        : { status: 200, body: envelope(0, 'ok') };
    const waits: number[] = [];
    await client({ retry: { ...FAST, maxTotalMs: 60_000 }, sleep: async (ms) => void waits.push(ms) }).completeFile(
      'F',
      'x',
    );
    expect(waits).toEqual([7000]);
  });

  it('a Retry-After beyond the time budget fails at once instead of waiting', async () => {
    reply = () => ({ status: 429, body: 'slow', headers: { 'retry-after': '7' } });
    const waits: number[] = [];
    const err = await failure(client({ sleep: async (ms) => void waits.push(ms) }));
    expect(err).toMatchObject({ kind: 'transient', retryAfterMs: 7000 });
    expect(waits).toEqual([]);
    expect(requests).toBe(1);
  });

  it('kindOf falls back to the HTTP status for unknown codes', () => {
    expect(kindOf('APIGW.0308', 429)).toBe('transient');
    expect(kindOf('APIGW.0301', 401)).toBe('auth');
    expect(kindOf(99999, 409)).toBe('conflict');
    expect(kindOf(99999, 200)).toBe('other');
  });
});

describe('clock errors', () => {
  it('says how far off this machine is and which skew fixes it', async () => {
    const serverNow = new Date(NOW + 10 * 60_000).toUTCString();
    reply = () => ({ status: 400, body: envelope(13990003, 'X-Date expired'), headers: { date: serverNow } });
    const err = await failure();
    expect(err.kind).toBe('clock');
    expect(err.message).toMatch(
      /the clock of this machine is 10 min behind the server's; fix the clock or set --clock-skew=600s/,
    );
    expect(requests).toBe(1);
  });

  it('an ahead clock, and one already corrected by clockSkewMs', async () => {
    reply = () => ({
      status: 400,
      body: envelope(13990003, 'X-Date in future'),
      headers: { date: new Date(NOW - 20 * 60_000).toUTCString() },
    });
    expect((await failure()).message).toMatch(/20 min ahead of the server's; .* --clock-skew=-1200s/);
    reply = () => ({
      status: 400,
      body: envelope(13990003, 'bad'),
      headers: { date: new Date(NOW + 600_000).toUTCString() },
    });
    // With the skew already applied the offset is gone: the generic advice remains.
    expect((await failure(client({ clockSkewMs: 600_000 }))).message).toMatch(
      /clock \(with --clock-skew=600s applied\) must be within 15 min of UTC/,
    );
  });
});

describe('network failures', () => {
  it('connection refused: retried, then a transient KooDriveError naming the host', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const retries: RetryInfo[] = [];
    const err = await failure(client({ endpoint: `http://127.0.0.1:${port}`, onRetry: (i) => retries.push(i) }));
    expect(err).toMatchObject({ kind: 'transient', transient: true, httpStatus: undefined, code: undefined });
    expect(err.message).toMatch(
      new RegExp(`complete file failed: no answer from 127.0.0.1:${port} \\(ECONNREFUSED\\)`),
    );
    expect(retries.map((r) => r.reason)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
  });

  it('a server that does not answer times out (transient)', async () => {
    reply = () => 'hang';
    const err = await failure(client({ timeoutMs: 150, retry: { ...FAST, maxAttempts: 1 } }));
    expect(err).toMatchObject({ kind: 'transient', msg: 'ETIMEDOUT' });
  });

  it('aborting the client rejects with the abort reason, not a KooDriveError', async () => {
    reply = () => 'hang';
    const ctl = new AbortController();
    const p = client({ signal: ctl.signal }).completeFile('F', 'x');
    setTimeout(() => ctl.abort(new Error('stopped by user')), 30);
    await expect(p).rejects.toThrow('stopped by user');
  });
});

describe('secrets never show', () => {
  it.each([
    ['token', token, TOKEN],
    ['app', { mode: 'app', appId: 'A1', appSecret: new Secret(APP_SECRET) } as Credentials, APP_SECRET],
  ])(
    '%s mode: not in message, JSON or inspect output, even when the server echoes them',
    async (_m, credentials, secret) => {
      reply = (_n, req) => ({
        status: 400,
        body: envelope(13990001, `bad Authorization ${req.headers.authorization} for ${secret}`),
      });
      const c = client({ credentials });
      const err = await failure(c);
      for (const text of [
        err.message,
        err.msg,
        JSON.stringify(err),
        inspect(err, { depth: 5 }),
        String(err.stack),
        inspect(c, { depth: 5 }),
        JSON.stringify(credentials),
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(err.msg).toContain('***');
    },
  );

  it('Secret prints as *** however it is turned into text', () => {
    const s = new Secret('hunter2-long');
    expect(`${s}`).toBe('***');
    expect(String(s)).toBe('***');
    expect(JSON.stringify({ s })).toBe('{"s":"***"}');
    expect(inspect({ s })).toBe('{ s: *** }');
    expect(s.reveal()).toBe('hunter2-long');
    expect(new Secret('').isEmpty).toBe(true);
  });
});
