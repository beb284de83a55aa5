import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signature } from '../../src/auth/app-signature.js';
import type { Credentials } from '../../src/koodrive/auth.js';
import { KooDriveClient, type KooDriveClientOptions } from '../../src/koodrive/client.js';
import { quoteLongIds } from '../../src/koodrive/transport.js';
import { formatXDate, type CreateFileRequest } from '../../src/koodrive/wire-types.js';
import type { RetryInfo } from '../../src/retry/retry.js';
import { Secret } from '../../src/util/secret.js';

// A tiny stand-in for KooDrive: records every request and answers with `reply`.
interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  rawQuery: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Reply = { status?: number; json?: unknown; text?: string; headers?: Record<string, string> };
let reply: (req: Seen) => Reply;
const seen: Seen[] = [];
let server: http.Server;
let endpoint: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const s: Seen = {
        method: req.method!,
        path: url.pathname,
        query: url.searchParams,
        rawQuery: url.search,
        headers: req.headers,
        body,
      };
      seen.push(s);
      const r = reply(s);
      res
        .writeHead(r.status ?? 200, { 'content-type': 'application/json', ...r.headers })
        .end(r.text ?? JSON.stringify(r.json ?? { code: 0, msg: 'success' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  seen.length = 0;
  reply = () => ({ json: { code: 0, msg: 'success' } });
});

const USER = '1505084218764547200';
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const token: Credentials = { mode: 'token', token: new Secret('tok-123456') };
const client = (extra: Partial<KooDriveClientOptions> = {}): KooDriveClient =>
  new KooDriveClient({
    endpoint,
    userId: USER,
    credentials: token,
    now: () => T0,
    sleep: async () => undefined,
    random: () => 0.5,
    ...extra,
  });

const fileReq: CreateFileRequest = {
  fileName: 'a.txt',
  sha256: 'ab'.repeat(32),
  length: 3,
  proofCode: 'cd'.repeat(32),
  uploadMode: 'multipart',
  uploadType: 1,
  autoRename: 4,
  multiParts: [{ partNumber: 1, partOffset: 0, partSize: 3, hashCtx: [] }],
  description: 'dir/a.txt',
};

describe('headers', () => {
  it('token mode: Bearer token, user id, X-Date (with skew), JSON content type', async () => {
    await client({ clockSkewMs: 90_000 }).completeFile('F1', 'ab'.repeat(32));
    const h = seen[0]!.headers;
    expect(h.authorization).toBe('Bearer tok-123456');
    expect(h['x-user-id']).toBe(USER);
    expect(h['x-date']).toBe(formatXDate(new Date(T0 + 90_000)));
    expect(h['x-date']).toBe('20260301T120130Z');
    expect(h['content-type']).toBe('application/json');
    expect(h['x-backup-lock-id']).toBeUndefined();
  });

  it('token mode with bareToken sends the token alone', async () => {
    await client({ credentials: { mode: 'token', token: new Secret('tok-123456'), bareToken: true } }).completeFile(
      'F1',
      'x',
    );
    expect(seen[0]!.headers.authorization).toBe('tok-123456');
  });

  it('app mode: the signature verifies over method, path, query, host/x-date/x-user-id and body', async () => {
    const app: Credentials = { mode: 'app', appId: 'app-1', appSecret: new Secret('app-secret-xyz') };
    const c = client({ credentials: app });
    c.setLock('L@100');
    reply = (s) =>
      s.path.endsWith('/files')
        ? { json: { code: 0, msg: 'ok', data: [], nextCursor: '' } }
        : { json: { code: 0, msg: 'ok', fileId: 'F9', fileName: 'a.txt' } };
    await c.createBackupFile('1842862763295184641', fileReq);
    for await (const _ of c.listBackupFiles('1842862763295184641')) void _;
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      const m = /^HMAC-SHA256 AppId=app-1,SignedHeaders=host;x-date;x-user-id,Signature=([0-9a-f]{64})$/.exec(
        String(s.headers.authorization),
      );
      expect(m).not.toBeNull();
      const expected = signature('app-secret-xyz', {
        method: s.method,
        path: s.path,
        query: [...s.query.entries()],
        headers: {
          host: String(s.headers.host),
          'x-date': String(s.headers['x-date']),
          'x-user-id': String(s.headers['x-user-id']),
        },
        body: s.body,
      });
      expect(m![1]).toBe(expected);
    }
    expect(seen[1]!.rawQuery).toBe('?pageSize=100');
  });

  it('every retry carries a fresh X-Date and signature', async () => {
    let now = T0;
    let calls = 0;
    reply = () => (++calls < 3 ? { status: 503, text: 'busy' } : { json: { code: 0, msg: 'ok' } });
    const retries: RetryInfo[] = [];
    const c = new KooDriveClient({
      endpoint,
      userId: USER,
      credentials: { mode: 'app', appId: 'a', appSecret: new Secret('s3cret-value') },
      now: () => now,
      random: () => 0.5,
      onRetry: (i) => retries.push(i),
      sleep: async (ms) => {
        now += ms + 60_000;
      },
    });
    await c.completeFile('F1', 'x');
    expect(seen.map((s) => s.headers['x-date'])).toEqual(['20260301T120000Z', '20260301T120100Z', '20260301T120200Z']);
    expect(new Set(seen.map((s) => s.headers.authorization)).size).toBe(3);
    expect(retries).toEqual([
      { what: 'complete file', attempt: 1, delayMs: 250, reason: 'HTTP 503' },
      { what: 'complete file', attempt: 2, delayMs: 500, reason: 'HTTP 503' },
    ]);
  });
});

describe('lock', () => {
  it('createLock holds the lock; it goes on the calls that need it; release forgets it', async () => {
    reply = (s) => {
      if (s.path.endsWith('/backup/lock') && s.method === 'POST')
        return { json: { code: 0, msg: 'ok', data: { lockId: 'uuid-1@100' } } };
      if (s.method === 'POST' && s.path.endsWith('/backup/record'))
        return {
          json: { code: 0, msg: 'ok', data: { recordId: '1842862763295184641', moduleCode: '100', status: 0 } },
        };
      if (s.path.endsWith('/file')) return { json: { code: 0, msg: 'ok', fileId: 'F1', fileName: 'a.txt' } };
      if (s.path.endsWith('/uploadUrl')) return { json: { code: 0, msg: 'ok', multiParts: [] } };
      return { json: { code: 0, msg: 'ok' } };
    };
    const c = client();
    expect(await c.createLock()).toBe('uuid-1@100');
    expect(c.lockId).toBe('uuid-1@100');
    await c.renewLock();
    const record = await c.createRecord({ moduleCode: '100', deviceId: 'dev-1', properties: '{"tool":"kb"}' });
    expect(record.recordId).toBe('1842862763295184641');
    await c.createBackupFile(record.recordId, fileReq);
    await c.getUploadUrls('F1', fileReq.multiParts);
    await c.completeFile('F1', 'ab'.repeat(32));
    await c.completeRecord(record.recordId);
    await c.completeRecord(record.recordId, '{"done":true}');
    await c.releaseLock();
    expect(c.lockId).toBeUndefined();
    expect(
      seen.map((s) => [s.method, s.path.replace('/koodrive/ose/v1', ''), s.headers['x-backup-lock-id'] ?? '-', s.body]),
    ).toEqual([
      ['POST', '/backup/lock', '-', '{"moduleCode":"100"}'],
      ['PATCH', '/backup/lock', 'uuid-1@100', ''],
      [
        'POST',
        '/backup/record',
        'uuid-1@100',
        '{"moduleCode":"100","deviceId":"dev-1","properties":"{\\"tool\\":\\"kb\\"}"}',
      ],
      ['POST', '/backup/record/1842862763295184641/file', 'uuid-1@100', JSON.stringify(fileReq)],
      [
        'POST',
        '/files/multipart/uploadUrl',
        '-',
        '{"fileId":"F1","multiParts":[{"partNumber":1,"partSize":3,"partOffset":0,"hashCtx":[]}]}',
      ],
      ['POST', '/files/complete', '-', JSON.stringify({ fileId: 'F1', sha256: 'ab'.repeat(32) })],
      ['PATCH', '/backup/record/1842862763295184641', 'uuid-1@100', '{}'],
      ['PATCH', '/backup/record/1842862763295184641', 'uuid-1@100', '{"properties":"{\\"done\\":true}"}'],
      ['DELETE', '/backup/lock', 'uuid-1@100', ''],
    ]);
  });

  it('calls that need a lock refuse to run without one', async () => {
    const c = client();
    await expect(c.renewLock()).rejects.toThrow(/no backup lock is held; call createLock\(\) first/);
    await expect(c.createBackupFile('1', fileReq)).rejects.toThrow(/no backup lock/);
    expect(seen).toHaveLength(0);
  });

  it('releaseLock still runs after the client was aborted (shutdown on Ctrl-C)', async () => {
    const ctl = new AbortController();
    const c = client({ signal: ctl.signal });
    c.setLock('L@100');
    ctl.abort(new Error('SIGINT'));
    await expect(c.renewLock()).rejects.toThrow('SIGINT');
    await c.releaseLock();
    expect(seen.map((s) => s.method)).toEqual(['DELETE']);
  });
});

describe('responses', () => {
  it('keeps 19-digit ids exact even when the server sends them as JSON numbers', async () => {
    reply = () => ({
      text: '{"code":0,"msg":"ok","data":{"recordId":1842862763295184641,"moduleCode":"100","status":0,"version":3}}',
    });
    const rec = await client().getRecord('1842862763295184641');
    expect(rec.recordId).toBe('1842862763295184641');
    expect(rec.version).toBe(3);
  });

  it.each([
    ['{"recordId":1842862763295184641}', '{"recordId":"1842862763295184641"}'],
    [
      '{"data":{"fileId" : 12345678901234567,"size":12345678901234567}}',
      '{"data":{"fileId" : "12345678901234567","size":12345678901234567}}',
    ],
    ['[{"userId":1505084218764547200}]', '[{"userId":"1505084218764547200"}]'],
    ['{"recordId":"1842862763295184641"}', '{"recordId":"1842862763295184641"}'], // already a string
    // Ids of any length become strings (issue 10 item 12); other numbers stay numbers.
    ['{"recordId":123}', '{"recordId":"123"}'],
    [
      '{"code":0,"lockId":7,"existFileId" ' +
        ':42,"containerId":9,"uploadId":1,"partId":3,"deviceId":5,"size":7,"version":3,"partNumber":2}',
      '{"code":0,"lockId":"7","existFileId" ' +
        ':"42","containerId":"9","uploadId":"1","partId":"3","deviceId":"5","size":7,"version":3,"partNumber":2}',
    ],
    [
      '{"multiParts":[{"partNumber":1,"partId":12}],"fileId":-1}',
      '{"multiParts":[{"partNumber":1,"partId":"12"}],"fileId":"-1"}',
    ],
    ['{"fileId":1.5,"recordIdx":12}', '{"fileId":1.5,"recordIdx":12}'], // not an integer, not an id field
    ['{"msg":"\\"recordId\\":1842862763295184641"}', '{"msg":"\\"recordId\\":1842862763295184641"}'], // inside a string
  ])('quoteLongIds(%s)', (input, expected) => {
    expect(quoteLongIds(input)).toBe(expected);
  });

  it('turns short ids sent as JSON numbers into strings (existFileId, lockId, partId)', async () => {
    reply = () => ({ text: '{"code":0,"msg":"ok","data":{"lockId":77}}' });
    await expect(client().createLock()).resolves.toBe('77');
  });

  it('accepts code as the string "0"', async () => {
    reply = () => ({ json: { code: '0', msg: 'success.' } });
    await expect(client().completeFile('F', 'x')).resolves.toBeUndefined();
  });

  it('listBackupFiles follows nextCursor over every page', async () => {
    const all = Array.from({ length: 250 }, (_, i) => ({ fileId: `F${i}`, fileName: `f${i}`, sha256: 'x', size: i }));
    reply = (s) => {
      const start = Number(s.query.get('cursor') ?? 0);
      const next = start + 100 < all.length ? String(start + 100) : undefined;
      return {
        json: { code: 0, msg: 'ok', data: all.slice(start, start + 100), ...(next ? { nextCursor: next } : {}) },
      };
    };
    const got: string[] = [];
    for await (const f of client().listBackupFiles('R1')) got.push(f.fileId);
    expect(got).toEqual(all.map((f) => f.fileId));
    expect(seen.map((s) => s.rawQuery)).toEqual([
      '?pageSize=100',
      '?pageSize=100&cursor=100',
      '?pageSize=100&cursor=200',
    ]);
    expect(seen[0]!.path).toBe('/koodrive/ose/v1/backup/record/R1/files');
  });

  it('stops on an empty nextCursor and refuses a repeated one', async () => {
    reply = () => ({ json: { code: 0, msg: 'ok', data: [{ fileId: 'A' }], nextCursor: '' } });
    const ids: string[] = [];
    for await (const f of client().listBackupFiles('R1')) ids.push(f.fileId);
    expect(ids).toEqual(['A']);
    reply = () => ({ json: { code: 0, msg: 'ok', data: [], nextCursor: 'same' } });
    const loop = async (): Promise<void> => {
      for await (const _ of client().listBackupFiles('R1')) void _;
    };
    await expect(loop()).rejects.toThrow(/repeated/);
  });

  it('listRecords pages with moduleCode and deviceId', async () => {
    reply = () => ({ json: { code: 0, msg: 'ok', data: [{ recordId: '1', moduleCode: '100', status: 1 }] } });
    const recs = [];
    for await (const r of client().listRecords({ deviceId: 'dev 1' })) recs.push(r.recordId);
    expect(recs).toEqual(['1']);
    expect(seen[0]!.rawQuery).toBe('?moduleCode=100&deviceId=dev%201&pageSize=100');
  });

  it('getUploadUrls asks in batches of at most 100 parts', async () => {
    reply = (s) => {
      const body = JSON.parse(s.body) as { multiParts: Array<{ partNumber: number }> };
      return {
        json: {
          code: 0,
          msg: 'ok',
          multiParts: body.multiParts.map((p) => ({ ...p, uploadUrl: `http://s/p${p.partNumber}` })),
        },
      };
    };
    const parts = Array.from({ length: 250 }, (_, i) => ({
      partNumber: i + 1,
      partOffset: i * 64,
      partSize: 64,
      hashCtx: i ? [1, 2, 3, 4, 5, 6, 7, 8] : [],
    }));
    const urls = await client().getUploadUrls('F1', parts);
    expect(seen.map((s) => (JSON.parse(s.body) as { multiParts: unknown[] }).multiParts.length)).toEqual([
      100, 100, 50,
    ]);
    expect(urls.map((u) => u.uploadUrl)).toEqual(parts.map((p) => `http://s/p${p.partNumber}`));
  });

  it('a success answer without the promised field is an error', async () => {
    reply = () => ({ json: { code: 0, msg: 'ok' } });
    await expect(client().createLock()).rejects.toMatchObject({
      name: 'KooDriveError',
      call: 'create backup lock',
      kind: 'other',
    });
  });
});
