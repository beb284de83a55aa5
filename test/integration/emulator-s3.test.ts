// The emulator's S3 face (test/support/s3-face/, an emulator extension) over real HTTP: requests are signed here with
// node:crypto (an independent
// SigV4 signer, not the emulator's), plus one `aws s3 cp` when aws-cli is installed.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { s3Face } from '../support/s3-face/s3-face.js';
import { bytesOf, Harness, MiB } from './emulator-harness.js';

const KEY_ID = 'AKIDEMULATORTEST';
const SECRET = 'emulator-test-secret/with+chars';
const REGION = 'us-east-1';

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const hmac = (k: string | Buffer, s: string) => createHmac('sha256', k).update(s).digest();
const enc = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const amzDateOf = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

interface S3Req {
  method: string;
  /** Decoded key path, e.g. /bucket/a b.txt */
  path: string;
  query?: Array<[string, string]>;
  headers?: Record<string, string>;
  body?: Buffer;
  /** x-amz-content-sha256; default the body's sha256. */
  payloadHash?: string;
  secret?: string;
  keyId?: string;
  atMs?: number;
}

interface S3Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

interface Signed {
  headers: Record<string, string>;
  signature: string;
  amzDate: string;
  scope: string;
}

function signingKey(secret: string, date: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), REGION), 's3'), 'aws4_request');
}

/** The path as clients send it (each segment percent-encoded, '/' kept) and the canonical query. */
const rawPathOf = (path: string) => path.split('/').map(enc).join('/');
const queryOf = (q: Array<[string, string]> = []) =>
  q
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .sort()
    .join('&');

/** SigV4 header signing of a request whose body is `bodyLength` bytes; returns headers with Authorization. */
function sign(host: string, r: S3Req, payloadHash: string, bodyLength: number): Signed {
  const amzDate = amzDateOf(r.atMs ?? Date.now());
  const headers: Record<string, string> = {
    host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': payloadHash,
    'content-length': String(bodyLength),
    ...r.headers,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    r.method,
    rawPathOf(r.path),
    queryOf(r.query),
    names.map((n) => `${n}:${headers[n]!.trim()}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${amzDate.slice(0, 8)}/${REGION}/s3/aws4_request`;
  const signature = hmac(
    signingKey(r.secret ?? SECRET, amzDate.slice(0, 8)),
    `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`,
  ).toString('hex');
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${r.keyId ?? KEY_ID}/${scope}, SignedHeaders=${names.join(';')}, ` +
    `Signature=${signature}`;
  return { headers, signature, amzDate, scope };
}

function send(baseUrl: string, r: S3Req, headers: Record<string, string>, body: Buffer): Promise<S3Res> {
  const url = new URL(baseUrl);
  const q = queryOf(r.query);
  return new Promise<S3Res>((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: r.method, path: rawPathOf(r.path) + (q ? `?${q}` : ''), headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const all = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all, text: all.toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** aws-chunked framing of `data` in `size`-byte chunks, each signed on the previous signature. */
function signedChunks(data: Buffer, size: number, seed: Signed, tamper = false): Buffer {
  const key = signingKey(SECRET, seed.amzDate.slice(0, 8));
  const out: Buffer[] = [];
  let previous = seed.signature;
  for (let at = 0; ; at += size) {
    const chunk = data.subarray(at, Math.min(at + size, data.length));
    const sig = hmac(
      key,
      `AWS4-HMAC-SHA256-PAYLOAD\n${seed.amzDate}\n${seed.scope}\n${previous}\n${sha256('')}\n${sha256(chunk)}`,
    ).toString('hex');
    const sent = tamper && at === size ? `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}` : sig;
    out.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sent}\r\n`), chunk, Buffer.from('\r\n'));
    previous = sig;
    if (chunk.length === 0) break;
  }
  return Buffer.concat(out);
}

describe('emulator S3 face', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.start({ extensions: [s3Face({ accessKeyId: KEY_ID, secretAccessKey: SECRET })] });
  });
  afterEach(async () => {
    await h.dispose();
  });

  /** Signs (at the emulator's clock unless atMs) and sends one request. */
  function s3(r: S3Req): Promise<S3Res> {
    const body = r.body ?? Buffer.alloc(0);
    const signed = sign(
      new URL(h.emu.url).host,
      { ...r, atMs: r.atMs ?? h.nowMs },
      r.payloadHash ?? sha256(body),
      body.length,
    );
    return send(h.emu.url, r, signed.headers, body);
  }

  const code = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];

  it('creates a bucket, stores, describes, lists and returns an object, and keeps it across a restart', async () => {
    expect((await s3({ method: 'PUT', path: '/photos' })).status).toBe(200);
    const data = bytesOf(300_000, 5);
    const put = await s3({
      method: 'PUT',
      path: '/photos/2024/a b+c.jpg',
      body: data,
      headers: { 'content-type': 'image/jpeg', 'x-amz-meta-mtime': '1700000000' },
    });
    expect(put.status).toBe(200);
    expect(put.headers.etag).toBe(`"${md5(data)}"`);
    expect((await h.emu.stats()).putBytes).toBe(data.length);
    expect((await h.emu.stats()).extensions).toEqual({ s3: { CreateBucket: 1, PutObject: 1 } });

    const head = await s3({ method: 'HEAD', path: '/photos/2024/a b+c.jpg' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(data.length));
    expect(head.headers['content-type']).toBe('image/jpeg');
    expect(head.headers['x-amz-meta-mtime']).toBe('1700000000');

    await h.stop();
    await h.restart();
    const got = await s3({ method: 'GET', path: '/photos/2024/a b+c.jpg' });
    expect(got.status).toBe(200);
    expect(sha256(got.body)).toBe(sha256(data));
    const range = await s3({ method: 'GET', path: '/photos/2024/a b+c.jpg', headers: { range: 'bytes=0-9' } });
    expect(range.status).toBe(206);
    expect(range.body).toEqual(data.subarray(0, 10));
    expect(range.headers['content-range']).toBe(`bytes 0-9/${data.length}`);

    const missing = await s3({ method: 'HEAD', path: '/photos/nope' });
    expect(missing.status).toBe(404);
    expect((await s3({ method: 'PUT', path: '/nobucket/x', body: Buffer.from('x') })).status).toBe(404);
  });

  it('refuses a wrong secret, an unknown key id, a skewed clock, a body that does not match its sha256', async () => {
    await s3({ method: 'PUT', path: '/bkt' });
    const wrong = await s3({ method: 'PUT', path: '/bkt/k', body: Buffer.from('hello'), secret: 'not-the-secret' });
    expect([wrong.status, code(wrong.text)]).toEqual([403, 'SignatureDoesNotMatch']);
    const unknown = await s3({ method: 'PUT', path: '/bkt/k', body: Buffer.from('hello'), keyId: 'AKIDOTHER' });
    expect([unknown.status, code(unknown.text)]).toEqual([403, 'InvalidAccessKeyId']);
    const skewed = await s3({
      method: 'PUT',
      path: '/bkt/k',
      body: Buffer.from('hello'),
      atMs: h.nowMs - 20 * 60_000,
    });
    expect([skewed.status, code(skewed.text)]).toEqual([403, 'RequestTimeTooSkewed']);
    const lying = await s3({
      method: 'PUT',
      path: '/bkt/k',
      body: Buffer.from('hello'),
      payloadHash: sha256('other'),
    });
    expect([lying.status, code(lying.text)]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    expect((await s3({ method: 'HEAD', path: '/bkt/k' })).status).toBe(404);
    const unsigned = await s3({
      method: 'PUT',
      path: '/bkt/k',
      body: Buffer.from('hello'),
      payloadHash: 'UNSIGNED-PAYLOAD',
    });
    expect(unsigned.status).toBe(200);
    expect(await readdir(join(h.dir, 's3', 'tmp'))).toEqual([]);
  });

  it('takes aws-chunked bodies: signed chunks (and refuses a tampered one), unsigned with a trailer', async () => {
    await s3({ method: 'PUT', path: '/chunky' });
    const data = bytesOf(200_000, 9);
    const mode = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
    // The framing's length does not depend on signature values, so it can be signed before the chunks are.
    const framedLength = signedChunks(data, 65536, {
      headers: {},
      signature: '0'.repeat(64),
      amzDate: amzDateOf(h.nowMs),
      scope: 'x',
    }).length;
    for (const tamper of [false, true]) {
      const r: S3Req = {
        method: 'PUT',
        path: '/chunky/obj',
        headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length) },
        atMs: h.nowMs,
      };
      const seed = sign(new URL(h.emu.url).host, r, mode, framedLength);
      const res = await send(h.emu.url, r, seed.headers, signedChunks(data, 65536, seed, tamper));
      if (tamper) expect([res.status, code(res.text)]).toEqual([403, 'SignatureDoesNotMatch']);
      else expect([res.status, res.headers.etag]).toEqual([200, `"${md5(data)}"`]);
    }
    const head = await s3({ method: 'HEAD', path: '/chunky/obj' });
    expect(head.headers.etag).toBe(`"${md5(data)}"`);

    const trailer = Buffer.from('5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n');
    const res = await s3({
      method: 'PUT',
      path: '/chunky/trailer',
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      headers: {
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '5',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      body: trailer,
    });
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe(`"${md5(Buffer.from('hello'))}"`);
    const cut = await s3({
      method: 'PUT',
      path: '/chunky/cut',
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5' },
      body: Buffer.from('5\r\nhel'),
    });
    expect([cut.status, code(cut.text)]).toEqual([400, 'IncompleteBody']);
  });

  it('multipart upload: parts, complete (joined on disk, md5-of-md5s ETag), small parts refused, abort', async () => {
    await s3({ method: 'PUT', path: '/mpu' });
    const data = bytesOf(5 * MiB + 1000, 3);
    const p1 = data.subarray(0, 5 * MiB);
    const p2 = data.subarray(5 * MiB);
    const init = await s3({ method: 'POST', path: '/mpu/big.bin', query: [['uploads', '']] });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text)?.[1];
    expect(uploadId, init.text).toBeTruthy();
    const e1 = (
      await s3({
        method: 'PUT',
        path: '/mpu/big.bin',
        query: [
          ['partNumber', '1'],
          ['uploadId', uploadId!],
        ],
        body: p1,
      })
    ).headers.etag!;
    const e2 = (
      await s3({
        method: 'PUT',
        path: '/mpu/big.bin',
        query: [
          ['partNumber', '2'],
          ['uploadId', uploadId!],
        ],
        body: p2,
        payloadHash: 'UNSIGNED-PAYLOAD',
      })
    ).headers.etag!;
    const list = (parts: Array<[number, string]>) =>
      Buffer.from(
        `<CompleteMultipartUpload>${parts
          .map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`)
          .join('')}</CompleteMultipartUpload>`,
      );
    const badOrder = await s3({
      method: 'POST',
      path: '/mpu/big.bin',
      query: [['uploadId', uploadId!]],
      body: list([
        [2, e2],
        [1, e1],
      ]),
    });
    expect(code(badOrder.text)).toBe('InvalidPartOrder');
    const done = await s3({
      method: 'POST',
      path: '/mpu/big.bin',
      query: [['uploadId', uploadId!]],
      body: list([
        [1, e1],
        [2, e2],
      ]),
    });
    expect(done.status).toBe(200);
    const md5s = Buffer.concat([e1, e2].map((e) => Buffer.from(e.replace(/"/g, ''), 'hex')));
    const etag = `"${md5(md5s)}-2"`;
    expect(done.text).toContain(`<ETag>${etag.replace(/"/g, '&quot;')}</ETag>`);
    const head = await s3({ method: 'HEAD', path: '/mpu/big.bin' });
    expect([head.headers['content-length'], head.headers.etag]).toEqual([String(data.length), etag]);
    const files = await readdir(join(h.dir, 's3', 'objects'));
    expect(files).toHaveLength(1);
    expect(sha256(await readFile(join(h.dir, 's3', 'objects', files[0]!)))).toBe(sha256(data));

    const small = /<UploadId>([^<]+)<\/UploadId>/.exec(
      (await s3({ method: 'POST', path: '/mpu/small', query: [['uploads', '']] })).text,
    )![1]!;
    const s1 = (
      await s3({
        method: 'PUT',
        path: '/mpu/small',
        query: [
          ['partNumber', '1'],
          ['uploadId', small],
        ],
        body: Buffer.from('tiny'),
      })
    ).headers.etag!;
    const s2 = (
      await s3({
        method: 'PUT',
        path: '/mpu/small',
        query: [
          ['partNumber', '2'],
          ['uploadId', small],
        ],
        body: Buffer.from('end'),
      })
    ).headers.etag!;
    const tooSmall = await s3({
      method: 'POST',
      path: '/mpu/small',
      query: [['uploadId', small]],
      body: list([
        [1, s1],
        [2, s2],
      ]),
    });
    expect([tooSmall.status, code(tooSmall.text)]).toEqual([400, 'EntityTooSmall']);
    expect((await s3({ method: 'DELETE', path: '/mpu/small', query: [['uploadId', small]] })).status).toBe(204);
    const gone = await s3({
      method: 'PUT',
      path: '/mpu/small',
      query: [
        ['partNumber', '3'],
        ['uploadId', small],
      ],
      body: Buffer.from('x'),
    });
    expect([gone.status, code(gone.text)]).toEqual([404, 'NoSuchUpload']);
    expect(await readdir(join(h.dir, 's3', 'uploads'))).toEqual([]);
  });

  it('lists with prefix, delimiter, pages and url encoding (v2) and markers (v1)', async () => {
    await s3({ method: 'PUT', path: '/lst' });
    const keys = ['a/1.txt', 'a/2.txt', 'a/sub/3.txt', 'b c.txt', 'z+.txt'];
    for (const k of keys) await s3({ method: 'PUT', path: `/lst/${k}`, body: Buffer.from(k) });
    const keysOf = (text: string) => [...text.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
    const prefixesOf = (text: string) => [...text.matchAll(/<Prefix>([^<]+)<\/Prefix>/g)].map((m) => m[1]);

    const top = await s3({
      method: 'GET',
      path: '/lst',
      query: [
        ['list-type', '2'],
        ['delimiter', '/'],
      ],
    });
    expect(keysOf(top.text)).toEqual(['b c.txt', 'z+.txt']);
    expect(prefixesOf(top.text)).toEqual(['a/']);

    const seen: string[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const q: Array<[string, string]> = [
        ['list-type', '2'],
        ['max-keys', '2'],
        ['encoding-type', 'url'],
      ];
      if (token) q.push(['continuation-token', token]);
      const page = await s3({ method: 'GET', path: '/lst', query: q });
      seen.push(...keysOf(page.text).map((k) => decodeURIComponent(k!)));
      token = /<NextContinuationToken>([^<]+)</.exec(page.text)?.[1];
      if (!token) break;
    }
    expect(seen).toEqual(keys);

    const v1 = await s3({
      method: 'GET',
      path: '/lst',
      query: [
        ['prefix', 'a/'],
        ['marker', 'a/1.txt'],
      ],
    });
    expect(keysOf(v1.text)).toEqual(['a/2.txt', 'a/sub/3.txt']);
    expect(v1.text).toContain('<IsTruncated>false</IsTruncated>');
  });

  it('is off unless configured: a SigV4 request then reaches the KooDrive API and gets its 404', async () => {
    await h.dispose();
    h = await Harness.start();
    const res = await s3({ method: 'PUT', path: '/photos' });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text).code).toBeDefined();
  });

  const hasAws = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasAws)('takes `aws s3 cp` of a small file', async () => {
    await s3({ method: 'PUT', path: '/awsbucket' });
    const dir = await mkdtemp(join(tmpdir(), 'kd-s3-aws-'));
    try {
      const file = join(dir, 'hello world.txt');
      const data = bytesOf(12_345, 11);
      await writeFile(file, data);
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: dir,
        AWS_ACCESS_KEY_ID: KEY_ID,
        AWS_SECRET_ACCESS_KEY: SECRET,
        AWS_DEFAULT_REGION: REGION,
        AWS_CONFIG_FILE: join(dir, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      };
      // Async: the emulator runs in this process and must keep answering while aws waits.
      const run = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(
          'aws',
          ['s3', 'cp', '--only-show-errors', file, 's3://awsbucket/dir/', '--endpoint-url', h.emu.url],
          { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 45_000 },
        );
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stderr }));
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const head = await s3({ method: 'HEAD', path: '/awsbucket/dir/hello world.txt' });
      expect([head.status, head.headers.etag]).toEqual([200, `"${md5(data)}"`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
