import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileChangedError } from '../../src/hash/file-changed-error.js';
import { PartUploadError } from '../../src/transfer/part-upload-error.js';
import { putPart } from '../../src/transfer/put-part.js';
import { RateLimiter } from '../../src/transfer/rate-limiter.js';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}
type Responder = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

let dir: string;
let file: string;
const content = Buffer.alloc(300_000);
for (let i = 0; i < content.length; i++) content[i] = (i * 7) % 256;

let server: http.Server;
let base: string;
let received: Received[] = [];
let respond: Responder = (_req, res) => res.writeHead(200, { etag: '"abc"' }).end();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kd-putpart-'));
  file = join(dir, 'data.bin');
  writeFileSync(file, content);
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      respond(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  received = [];
  respond = (_req, res) => res.writeHead(200, { etag: '"abc"' }).end();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const partUrl = (n = 1): string => `${base}/bucket/obj?partNumber=${n}&uploadId=u1&X-Amz-Signature=secret-sig`;

describe('putPart', () => {
  it.each([
    ['a middle range', 1000, 64_000],
    ['the first bytes', 0, 5],
    ['up to the end of the file', 250_000, 50_000],
    ['the whole file', 0, 300_000],
  ])('sends exactly %s with Content-Length and nothing else signed', async (_what, partOffset, partSize) => {
    const progress: number[] = [];
    const result = await putPart({
      url: partUrl(),
      absPath: file,
      partOffset,
      partSize,
      onProgress: (d) => progress.push(d),
    });
    expect(result.etag).toBe('"abc"');
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.method).toBe('PUT');
    expect(got.url).toBe('/bucket/obj?partNumber=1&uploadId=u1&X-Amz-Signature=secret-sig');
    expect(got.headers['content-length']).toBe(String(partSize));
    expect(got.headers['content-type']).toBeUndefined();
    expect(got.headers['transfer-encoding']).toBeUndefined();
    expect(got.body.equals(content.subarray(partOffset, partOffset + partSize))).toBe(true);
    expect(progress.reduce((a, b) => a + b, 0)).toBe(partSize);
  });

  it('bytes in memory (a small file as hashed) are sent as they are, with progress, not read from disk', async () => {
    const bytes = Buffer.from('the bytes that were hashed, not what the file holds now');
    const progress: number[] = [];
    await putPart({
      url: partUrl(),
      absPath: join(dir, 'no-such-file'),
      partOffset: 0,
      partSize: bytes.length,
      bytes,
      onProgress: (n) => progress.push(n),
    });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['content-length']).toBe(String(bytes.length));
    expect(Buffer.compare(received[0]!.body, bytes)).toBe(0);
    expect(progress.reduce((a, b) => a + b, 0)).toBe(bytes.length);
    // Bytes that do not fill the part are refused before anything is sent.
    await expect(
      putPart({ url: partUrl(), absPath: file, partOffset: 0, partSize: bytes.length + 1, bytes }),
    ).rejects.toBeInstanceOf(FileChangedError);
    expect(received).toHaveLength(1);
    // A refusal of such a PUT is the same PartUploadError as for bytes read from disk.
    respond = (_req, res) => res.writeHead(503).end('busy');
    const err = await putPart({ url: partUrl(), absPath: file, partOffset: 0, partSize: bytes.length, bytes }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PartUploadError);
    expect(err).toMatchObject({ status: 503, transient: true });
  });

  it('sends a zero-length part', async () => {
    const result = await putPart({ url: partUrl(), absPath: file, partOffset: 300_000, partSize: 0 });
    expect(result.etag).toBe('"abc"');
    expect(received[0]!.headers['content-length']).toBe('0');
    expect(received[0]!.body.length).toBe(0);
  });

  it('runs the bytes through the given transform and the shared rate limiter', async () => {
    let seen = 0;
    const counting = (): Transform =>
      new Transform({
        transform(c: Buffer, _e, cb) {
          seen += c.length;
          cb(null, c);
        },
      });
    const limiter = new RateLimiter({ bytesPerSecond: 1e9 });
    await putPart({
      url: partUrl(),
      absPath: file,
      partOffset: 10,
      partSize: 200_000,
      transform: counting,
      rateLimiter: limiter,
    });
    expect(seen).toBe(200_000);
    expect(received[0]!.body.equals(content.subarray(10, 200_010))).toBe(true);
  });

  it.each([
    [
      'expired URL',
      403,
      '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
      { expired: true, transient: false },
    ],
    ['server busy', 503, 'Slow Down', { expired: false, transient: true }],
    ['throttled', 429, '', { expired: false, transient: true }],
    ['bad signature', 403, '<Error><Code>SignatureDoesNotMatch</Code></Error>', { expired: false, transient: false }],
    ['bad request', 400, 'no', { expired: false, transient: false }],
  ])('%s → PartUploadError', async (_what, status, body, expected) => {
    respond = (_req, res) => res.writeHead(status).end(body);
    const err = await putPart({ url: partUrl(), absPath: file, partOffset: 0, partSize: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PartUploadError);
    expect(err).toMatchObject({ status, ...expected, bytesSent: 1000 });
    expect((err as Error).message).toContain(`HTTP ${status}`);
    expect((err as Error).message).not.toContain('secret-sig');
  });

  it('a connection cut mid-body is a transient failure without status', async () => {
    const cut = http.createServer((req) => req.once('data', () => req.socket.destroy()));
    await new Promise<void>((r) => cut.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(cut.address() as AddressInfo).port}/p?x=1`;
    const err = await putPart({ url, absPath: file, partOffset: 0, partSize: 300_000 }).catch((e: unknown) => e);
    await new Promise((r) => cut.close(r));
    expect(err).toBeInstanceOf(PartUploadError);
    expect(err).toMatchObject({ status: undefined, expired: false, transient: true });
  });

  it('an unreachable server is transient', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await putPart({ url: `http://127.0.0.1:${port}/p`, absPath: file, partOffset: 0, partSize: 10 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'PartUploadError', transient: true, reason: 'ECONNREFUSED' });
  });

  it('a server that never answers times out (transient)', async () => {
    respond = () => undefined; // swallow the request
    const err = await putPart({ url: partUrl(), absPath: file, partOffset: 0, partSize: 10, timeoutMs: 150 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'PartUploadError', transient: true, reason: 'ETIMEDOUT' });
  });

  it('aborting rejects with the abort reason', async () => {
    respond = () => undefined;
    const ctl = new AbortController();
    const reason = new Error('cancelled by user');
    const p = putPart({ url: partUrl(), absPath: file, partOffset: 0, partSize: 10, signal: ctl.signal });
    setTimeout(() => ctl.abort(reason), 20);
    await expect(p).rejects.toBe(reason);
    await expect(
      putPart({ url: partUrl(), absPath: file, partOffset: 0, partSize: 10, signal: ctl.signal }),
    ).rejects.toBe(reason);
  });

  it("the transform's own error ends the PUT unchanged", async () => {
    const boom = new FileChangedError(file, 'part 1 hashed to a different state');
    const failing = (): Transform =>
      new Transform({
        transform(_c, _e, cb) {
          cb(boom);
        },
      });
    await expect(
      putPart({ url: partUrl(), absPath: file, partOffset: 0, partSize: 1000, transform: failing }),
    ).rejects.toBe(boom);
  });

  it('a file shorter than the planned range is a FileChangedError', async () => {
    const err = await putPart({ url: partUrl(), absPath: file, partOffset: 299_000, partSize: 5000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FileChangedError);
    expect((err as Error).message).toMatch(/1000 of its 5000 bytes/);
  });

  it('a missing file fails with the file system error', async () => {
    await expect(
      putPart({ url: partUrl(), absPath: join(dir, 'nope'), partOffset: 0, partSize: 10 }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a nonsense range before sending', async () => {
    await expect(putPart({ url: partUrl(), absPath: file, partOffset: -1, partSize: 10 })).rejects.toThrow(
      /not a valid byte range/,
    );
    expect(received).toHaveLength(0);
  });
});
