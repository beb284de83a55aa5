import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CODES } from '../../src/koodrive/error-codes.js';
import { appAuthorization } from '../../src/auth/app-signature.js';
import { formatXDate, PATHS } from '../../src/koodrive/wire-types.js';
import { Harness, TOKEN, USER } from './emulator-harness.js';

describe('emulator: headers and auth', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => h.dispose());
  const lockList = (headers: Record<string, string | undefined>) =>
    h.call('GET', `${PATHS.record}?moduleCode=100&pageSize=1`, { headers });

  it.each([
    ['stale', () => formatXDate(new Date(h.nowMs - 901_000)), /s old/],
    ['future', () => formatXDate(new Date(h.nowMs + 120_000)), /in the future/],
    ['malformed', () => '2025-11-03T07:01:40Z', /not in the format/],
    ['missing', () => undefined, /missing/],
  ])('refuses a %s X-Date with 401 X_DATE_INVALID', async (_name, xDate, msg) => {
    const r = await lockList({ 'x-date': xDate() });
    expect(r.status).toBe(401);
    expect(r.json.code).toBe(CODES.X_DATE_INVALID);
    expect(r.json.msg).toMatch(msg);
  });

  it('accepts an X-Date at the edges of the window', async () => {
    expect((await lockList({ 'x-date': formatXDate(new Date(h.nowMs - 899_000)) })).json.code).toBe(0);
    expect((await lockList({ 'x-date': formatXDate(new Date(h.nowMs + 59_000)) })).json.code).toBe(0);
  });

  it('refuses a wrong or missing token without echoing it', async () => {
    for (const authorization of ['Bearer nope-secret-value', undefined, '']) {
      const r = await lockList({ authorization });
      expect(r.status).toBe(401);
      expect(r.json.code).toBe(CODES.AUTH_FAILED);
      expect(r.json.msg).not.toContain('nope-secret-value');
    }
  });

  it.each([`Bearer ${TOKEN}`, `Bearer+${TOKEN}`, `bearer ${TOKEN}`, TOKEN])(
    'accepts the token form %s',
    async (authorization) => {
      expect((await lockList({ authorization })).json.code).toBe(0);
    },
  );

  it('checks X-Traceid when one is sent', async () => {
    expect((await lockList({ 'x-traceid': 'a'.repeat(58) })).json.code).toBe(0);
    expect((await lockList({ 'x-traceid': 'short' })).json.code).toBe(CODES.PARAMETER_INVALID);
  });

  it('refuses a wrong or missing X-User-Id with USER_ID_MISMATCH', async () => {
    for (const userId of ['42', undefined]) {
      const r = await lockList({ 'x-user-id': userId });
      expect(r.status).toBe(401);
      expect(r.json.code).toBe(CODES.USER_ID_MISMATCH);
    }
  });

  it('answers unknown paths 404 and wrong methods 405, and bad bodies 400', async () => {
    expect((await h.call('GET', '/koodrive/ose/v1/nothing')).status).toBe(404);
    const wrong = await h.call('PUT', PATHS.lock);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, PATCH, DELETE');
    const bad = await h.call('POST', PATHS.lock, { body: '{not json' });
    expect(bad.json.code).toBe(CODES.BAD_REQUEST);
    expect((await h.call('POST', PATHS.lock, { body: { moduleCode: '7' } })).json.code).toBe(CODES.PARAMETER_INVALID);
  });

  it('checks pageSize, cursor and moduleCode of the record list', async () => {
    for (const q of [
      'moduleCode=100&pageSize=0',
      'moduleCode=100&pageSize=101',
      'moduleCode=100',
      'pageSize=5',
      'moduleCode=100&pageSize=5&cursor=zz',
    ]) {
      const r = await h.call('GET', `${PATHS.record}?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json.code, q).toBe(CODES.PARAMETER_INVALID);
    }
  });
});

describe('emulator: locks and records', () => {
  let h: Harness;
  afterEach(async () => h?.dispose());

  it('needs a valid lock of the right module on record create and complete', async () => {
    h = await Harness.start();
    const body = { moduleCode: '100', deviceId: 'd' };
    expect((await h.call('POST', PATHS.record, { body })).json.code).toBe(CODES.LOCK_REQUIRED);
    expect((await h.call('POST', PATHS.record, { body, lock: 'nope@100' })).json.code).toBe(CODES.LOCK_NOT_FOUND);
    const albumLock = await h.lock('101');
    expect((await h.call('POST', PATHS.record, { body, lock: albumLock })).json.code).toBe(CODES.LOCK_NOT_FOUND);
    const lock = await h.lock('100');
    expect((await h.call('POST', PATHS.record, { lock, body: { moduleCode: '100' } })).json.code).toBe(
      CODES.PARAMETER_INVALID,
    );
    expect((await h.call('POST', PATHS.record, { lock, body: { ...body, properties: '{oops' } })).json.code).toBe(
      CODES.PARAMETER_INVALID,
    );
    const recordId = await h.record(lock);
    expect((await h.call('PATCH', PATHS.recordById(recordId))).json.code).toBe(CODES.LOCK_REQUIRED);
    expect((await h.call('GET', PATHS.recordById('1234567890123456789'))).json.code).toBe(CODES.RECORD_NOT_FOUND);
    // GETs accept the lock header without needing it.
    expect((await h.call('GET', PATHS.recordById(recordId), { lock })).json.code).toBe(0);
    expect(
      (await h.call('PATCH', PATHS.recordById(recordId), { lock, body: { properties: '{"done":true}' } })).json.code,
    ).toBe(0);
    expect((await h.call('PATCH', PATHS.recordById(recordId), { lock })).json.code).toBe(CODES.RECORD_COMPLETED);
    expect((await h.call('GET', PATHS.recordById(recordId))).json.data.properties).toBe('{"done":true}');
  });

  it('refuses a second lock for the same module until released or expired', async () => {
    h = await Harness.start();
    const lock = await h.lock();
    const busy = await h.call('POST', PATHS.lock, { body: { moduleCode: '100' } });
    expect(busy.json.code).toBe(CODES.LOCK_BUSY);
    expect(busy.json.msg).not.toContain(lock);
    expect((await h.call('DELETE', PATHS.lock, { lock })).json.code).toBe(0);
    expect((await h.call('DELETE', PATHS.lock, { lock })).json.code).toBe(CODES.LOCK_NOT_FOUND);
    const again = await h.lock();
    h.nowMs += 601_000;
    expect(await h.lock()).not.toBe(again); // the expired one is replaced
  });

  it('expires locks after lockTtlSeconds and on expireLockNow(); renewal restarts the clock', async () => {
    h = await Harness.start({ lockTtlSeconds: 60 });
    const lock = await h.lock();
    h.nowMs += 50_000;
    expect((await h.call('PATCH', PATHS.lock, { lock })).json.code).toBe(0);
    h.nowMs += 50_000;
    const recordId = await h.record(lock); // 100 s after creation, 50 s after renewal
    h.nowMs += 61_000;
    expect((await h.call('PATCH', PATHS.recordById(recordId), { lock })).json.code).toBe(CODES.LOCK_EXPIRED);
    expect((await h.call('PATCH', PATHS.lock, { lock })).json.code).toBe(CODES.LOCK_EXPIRED);
    const fresh = await h.lock();
    h.emu.faults.expireLockNow();
    const r = await h.call('POST', PATHS.record, { lock: fresh, body: { moduleCode: '100', deviceId: 'd' } });
    expect(r.json.code).toBe(CODES.LOCK_EXPIRED);
    expect(r.json.msg).toMatch(/renew/);
  });

  it('renews an expired lock when allowRenewExpired is set', async () => {
    h = await Harness.start({ lockTtlSeconds: 1, allowRenewExpired: true });
    const lock = await h.lock();
    h.nowMs += 5_000;
    expect((await h.call('PATCH', PATHS.lock, { lock })).json.code).toBe(0);
    expect(await h.record(lock)).toMatch(/^\d{19}$/);
  });
});

describe('emulator: app signature mode', () => {
  let h: Harness;
  afterEach(async () => h?.dispose());
  const APP_ID = 'app-123';
  const SECRET = 'app-secret-xyz';

  interface SignOptions {
    secret?: string;
    xDate?: string;
    /** What is actually sent, when it differs from what was signed. */
    sendPath?: string;
    sendBody?: string;
    tamper?: (headers: Record<string, string>) => void;
  }

  async function signedCall(h: Harness, method: string, path: string, body: string, o: SignOptions = {}) {
    const url = new URL(h.emu.url + path);
    const headers: Record<string, string> = {
      host: url.host,
      'x-date': o.xDate ?? formatXDate(new Date(h.nowMs)),
      'x-user-id': USER,
    };
    const query = [...url.searchParams.entries()];
    const authorization = appAuthorization(APP_ID, o.secret ?? SECRET, {
      method,
      path: url.pathname,
      query,
      headers,
      body,
    });
    const sent = { ...headers, authorization, 'content-type': 'application/json' };
    o.tamper?.(sent);
    const sendBody = o.sendBody ?? body;
    return h.call(method, o.sendPath ?? path, { headers: sent, ...(sendBody ? { body: sendBody } : {}) });
  }

  it('accepts a good signature; refuses a wrong secret, tampered header, query or body, a stale X-Date', async () => {
    h = await Harness.start({ auth: 'app', appId: APP_ID, appSecret: SECRET, token: undefined });
    const list = `${PATHS.record}?moduleCode=100&pageSize=5`;
    const body = JSON.stringify({ moduleCode: '100' });
    const good = await signedCall(h, 'POST', PATHS.lock, body);
    expect(good.json.code, JSON.stringify(good.json)).toBe(0);
    expect((await signedCall(h, 'GET', list, '')).json.code).toBe(0);

    const wrong = await signedCall(h, 'GET', list, '', { secret: 'other-secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.code).toBe(CODES.AUTH_FAILED);
    expect(wrong.json.msg).not.toContain(SECRET);

    const refusals: SignOptions[] = [
      { tamper: (hd) => (hd['x-user-id'] = '999') },
      { tamper: (hd) => (hd['x-date'] = formatXDate(new Date(h.nowMs + 1000))) },
      { tamper: (hd) => (hd.authorization = hd.authorization!.replace('AppId=app-123', 'AppId=app-999')) },
      {
        tamper: (hd) =>
          (hd.authorization = hd.authorization!.replace(
            'SignedHeaders=host;x-date;x-user-id',
            'SignedHeaders=host;x-date',
          )),
      },
      { sendPath: `${PATHS.record}?moduleCode=100&pageSize=6` },
    ];
    for (const o of refusals) expect((await signedCall(h, 'GET', list, '', o)).json.code).toBe(CODES.AUTH_FAILED);
    const tamperedBody = await signedCall(h, 'POST', PATHS.lock, body, {
      sendBody: JSON.stringify({ moduleCode: '101' }),
    });
    expect(tamperedBody.json.code).toBe(CODES.AUTH_FAILED);

    const stale = await signedCall(h, 'GET', list, '', { xDate: formatXDate(new Date(h.nowMs - 20 * 60_000)) });
    expect(stale.status).toBe(401);
    expect(stale.json.code).toBe(CODES.X_DATE_INVALID);
    // A token is no good in app mode.
    expect((await h.call('GET', list)).json.code).toBe(CODES.AUTH_FAILED);
  });
});
