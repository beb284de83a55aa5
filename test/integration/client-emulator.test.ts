/**
 * KooDriveClient + the part pieces of the orchestrator against the real emulator over loopback: the whole upload flow
 * and its failure modes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { planParts, type WirePart } from '../../src/hash/part-rules.js';
import { proofCodeOf } from '../../src/hash/proof-code.js';
import { nobleBackend, toHex } from '../../src/hash/sha256-stream.js';
import type { Credentials } from '../../src/koodrive/auth.js';
import { KooDriveClient, type KooDriveClientOptions } from '../../src/koodrive/client.js';
import { KooDriveError } from '../../src/koodrive/koodrive-error.js';
import { PartUrls } from '../../src/backup/part-urls.js';
import { PartUploadError } from '../../src/transfer/part-upload-error.js';
import { putPart } from '../../src/transfer/put-part.js';
import { withRetry } from '../../src/retry/retry.js';
import { RateLimiter } from '../../src/transfer/rate-limiter.js';
import type { RetryInfo } from '../../src/retry/retry.js';
import { Secret } from '../../src/util/secret.js';
import { concatRegex } from '../support/concat-regex.js';

const USER = '1505084218764547200';
const TOKEN = 'client-it-token-51ab';
const MiB = 1024 * 1024;
const FAST = { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 50, maxTotalMs: 20_000 };

let dir: string;
let emu: RunningEmulator;
afterEach(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(opts: Partial<EmulatorOptions> = {}): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'kd-client-it-'));
  emu = await startEmulator({ dataDir: join(dir, 'emu'), userId: USER, token: TOKEN, ...opts });
}

const tokenCreds: Credentials = { mode: 'token', token: new Secret(TOKEN) };
function client(extra: Partial<KooDriveClientOptions> = {}): KooDriveClient {
  return new KooDriveClient({
    endpoint: emu.url,
    userId: USER,
    credentials: tokenCreds,
    retry: FAST,
    timeoutMs: 10_000,
    ...extra,
  });
}

/** A file on disk and the plan the CLI would send for it. */
async function localFile(
  size: number,
  partSize = 5 * MiB,
): Promise<{ path: string; data: Buffer; sha256: string; proofCode?: string; parts: WirePart[] }> {
  const data = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4096) data.writeUInt32LE((i * 2654435761) >>> 0, i);
  const path = join(dir, `f-${size}.bin`);
  await writeFile(path, data);
  const hash = nobleBackend.create();
  const parts = planParts(size, partSize).map((p) => {
    const hashCtx = p.partNumber === 1 ? [] : hash.midstate();
    hash.update(data.subarray(p.partOffset, p.partOffset + p.partSize));
    return { ...p, hashCtx };
  });
  return { path, data, sha256: toHex(hash.digest()), proofCode: proofCodeOf(USER, data), parts };
}

/**
 * One part as the orchestrator sends it: a URL from PartUrls (fresh ones fetched on demand), putPart
 * inside the retry loop, an expired URL dropped so the next attempt gets a new one. Returns attempts.
 */
async function sendPart(o: {
  urls: PartUrls;
  part: WirePart;
  absPath: string;
  onProgress?: (d: number) => void;
  rateLimiter?: RateLimiter;
  onRetry?: (i: RetryInfo) => void;
}): Promise<number> {
  let attempts = 0;
  await withRetry(
    async () => {
      attempts++;
      const url = await o.urls.urlFor(o.part.partNumber, []);
      try {
        await putPart({
          url,
          absPath: o.absPath,
          partOffset: o.part.partOffset,
          partSize: o.part.partSize,
          onProgress: o.onProgress,
          rateLimiter: o.rateLimiter,
        });
      } catch (err) {
        if (err instanceof PartUploadError) {
          if (err.bytesSent > 0) o.onProgress?.(-err.bytesSent); // the caller's count stays true
          if (err.expired) o.urls.invalidate(o.part.partNumber);
        }
        throw err;
      }
    },
    {
      what: `PUT part ${o.part.partNumber}`,
      policy: FAST,
      onRetry: o.onRetry,
      classify: (err) =>
        err instanceof PartUploadError
          ? { transient: err.transient || err.expired, reason: err.reason }
          : { transient: false, reason: String(err) },
    },
  );
  return attempts;
}

/** The upload flow of one file, as the orchestrator runs it. */
async function backUp(
  c: KooDriveClient,
  file: Awaited<ReturnType<typeof localFile>>,
  name: string,
  extra: { onRetry?: (i: RetryInfo) => void; limiter?: RateLimiter } = {},
) {
  const recordId = (await c.createRecord({ moduleCode: '100', deviceId: 'dev-it', properties: '{"tool":"it"}' }))
    .recordId;
  const created = await c.createBackupFile(recordId, {
    fileName: name,
    sha256: file.sha256,
    length: file.data.length,
    ...(file.proofCode ? { proofCode: file.proofCode } : {}),
    uploadMode: 'multipart',
    uploadType: 1,
    autoRename: 2,
    multiParts: file.parts,
    description: `dir/${name}`,
  });
  let sent = 0;
  if (!created.rapidUpload && !created.exist) {
    const urls = new PartUrls(
      file.parts,
      (parts) => c.getUploadUrls(created.fileId, parts),
      () => true,
      created.multiParts ?? [],
    );
    await Promise.all(
      file.parts.map((part) =>
        sendPart({
          urls,
          part,
          absPath: file.path,
          onProgress: (d) => (sent += d),
          rateLimiter: extra.limiter,
          onRetry: extra.onRetry,
        }),
      ),
    );
    await c.completeFile(created.fileId, file.sha256);
  }
  await c.completeRecord(recordId);
  const listed = [];
  for await (const f of c.listBackupFiles(recordId)) listed.push(f);
  return { recordId, created, sent, listed };
}

describe('client against the emulator', () => {
  it('token mode: lock → record → 3 parts at once → complete → list → release; a rerun is a rapid upload', async () => {
    await start();
    const c = client();
    await c.createLock();
    await c.renewLock();
    const file = await localFile(11 * MiB + 777);
    const first = await backUp(c, file, 'big file.bin');
    expect(first.sent).toBe(file.data.length);
    expect(first.listed).toEqual([
      expect.objectContaining({
        fileId: first.created.fileId,
        sha256: file.sha256,
        size: file.data.length,
        description: 'dir/big file.bin',
      }),
    ]);
    expect((await c.getRecord(first.recordId)).status).toBe(1);
    const second = await backUp(c, file, 'again.bin');
    expect(second.created.rapidUpload).toBe(true);
    expect(second.sent).toBe(0);
    await c.releaseLock();
    expect(emu.stats()).toMatchObject({ filesCompleted: 1, putAccepted: 3, recordsCompleted: 2 });
  });

  it('app mode with an empty file (one zero-length part) through a rate limiter', async () => {
    await start({ auth: 'app', appId: 'app-it', appSecret: 'app-it-secret-77' });
    const c = client({ credentials: { mode: 'app', appId: 'app-it', appSecret: new Secret('app-it-secret-77') } });
    await c.createLock();
    const file = await localFile(0);
    const run = await backUp(c, file, 'empty.txt', { limiter: new RateLimiter({ bytesPerSecond: 64 * MiB }) });
    expect(run.listed).toEqual([expect.objectContaining({ size: 0 })]);
    await c.releaseLock();
  });

  it('survives 503s, 429s and cut connections on API calls and PUTs', async () => {
    await start({
      faults: {
        rules: [
          { kind: 'record.create', nth: 1, status: 503 },
          { kind: 'file.create', nth: 1, reset: true },
          { kind: 'put', nth: 1, status: 503 },
          { kind: 'put', nth: 2, reset: true },
          { kind: 'file.complete', nth: 1, status: 429 },
        ],
      },
    });
    const retries: RetryInfo[] = [];
    const c = client({ onRetry: (i) => retries.push(i) });
    await c.createLock();
    const file = await localFile(10 * MiB + 1);
    const run = await backUp(c, file, 'flaky.bin', { onRetry: (i) => retries.push(i) });
    expect(run.sent).toBe(file.data.length); // failed attempts were rolled back
    expect(run.listed).toHaveLength(1);
    expect(
      retries
        .filter((r) => !r.what.startsWith('PUT'))
        .map((r) => `${r.what}: ${r.reason}`)
        .sort(),
    ).toEqual([
      'complete file: HTTP 429, code 13990040',
      'create backup file: ECONNRESET',
      'create backup record: HTTP 503, code 13990041',
    ]);
    expect(retries.filter((r) => r.what.startsWith('PUT'))).toHaveLength(2);
    expect(retries.find((r) => r.what === 'complete file')!.delayMs).toBeGreaterThanOrEqual(1000); // Retry-After: 1
    expect(emu.stats().filesCompleted).toBe(1);
  });

  it('an upload URL that expired on the server is replaced and the part sent again', async () => {
    let emuNow = Date.now();
    await start({ now: () => new Date(emuNow), urlTtlSeconds: 600, lockTtlSeconds: 3600 });
    const c = client({ now: () => emuNow });
    await c.createLock();
    const file = await localFile(6 * MiB);
    const recordId = (await c.createRecord({ moduleCode: '100', deviceId: 'd' })).recordId;
    const created = await c.createBackupFile(recordId, {
      fileName: 'late.bin',
      sha256: file.sha256,
      length: file.data.length,
      proofCode: file.proofCode!,
      uploadMode: 'multipart',
      uploadType: 1,
      autoRename: 2,
      multiParts: file.parts,
    });
    emuNow += 11 * 60_000; // the server's clock passes the URLs' expiry; ours (real) does not see it coming
    const retries: RetryInfo[] = [];
    const urls = new PartUrls(
      file.parts,
      (parts) => c.getUploadUrls(created.fileId, parts),
      () => true,
      created.multiParts ?? [],
    );
    for (const part of file.parts) {
      const attempts = await sendPart({ urls, part, absPath: file.path, onRetry: (i) => retries.push(i) });
      expect(attempts).toBe(2);
    }
    expect(retries.map((r) => r.reason)).toEqual(['expired URL', 'expired URL']);
    await c.completeFile(created.fileId, file.sha256);
  });

  it('getDownloadUrls (batches of 100) fetches the bytes; deleteRecord sends the lock, drops the record', async () => {
    await start();
    const c = client();
    await c.createLock();
    const file = await localFile(5 * MiB + 333);
    const run = await backUp(c, file, 'back.bin');
    const containerId = run.created.containerId!;
    // 150 ids: two calls (100 + 50), one entry per id, in order.
    const ids = [run.created.fileId, ...Array.from({ length: 148 }, (_, i) => `Fmissing-${i}`), run.created.fileId];
    const entries = await c.getDownloadUrls(containerId, ids);
    expect(entries.map((e) => e.fileId)).toEqual(ids);
    expect(emu.stats().requests['file.download']).toBe(2);
    expect(entries[0]).toMatchObject({ fileId: run.created.fileId, fileName: 'back.bin', code: 0 });
    expect(entries[1]).toMatchObject({ code: 13000309 });
    expect(entries[1]!.url).toBeUndefined();
    const got = Buffer.from(await (await fetch(entries[149]!.url!)).arrayBuffer());
    expect(got.equals(file.data)).toBe(true);

    const other = client(); // holds no lock: refused before anything is sent
    await expect(other.deleteRecord(run.recordId)).rejects.toThrow(/no backup lock is held/);
    await c.deleteRecord(run.recordId);
    const gone = await c.getRecord(run.recordId).catch((e: unknown) => e);
    expect(gone).toMatchObject({ name: 'KooDriveError', kind: 'not-found' });
    expect((await fetch(entries[0]!.url!)).status).toBe(404);
    expect(emu.stats().requests['record.delete']).toBe(1);
    await c.releaseLock();
  });

  it('lock busy, lock lost, bad token and a wrong clock each fail at once with their kind', async () => {
    await start();
    const a = client();
    await a.createLock();
    const busy = await client()
      .createLock()
      .catch((e: unknown) => e);
    expect(busy).toMatchObject({ name: 'KooDriveError', kind: 'lock-busy', transient: false });

    emu.faults.expireLockNow();
    const lost = await a.renewLock().catch((e: unknown) => e);
    expect(lost).toMatchObject({ kind: 'lock-lost' });

    const wrong = await client({ credentials: { mode: 'token', token: new Secret('wrong-token-xyz') } })
      .createLock()
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ kind: 'auth' });
    expect((wrong as Error).message).toMatch(/check KOODRIVE_TOKEN/);
    expect((wrong as Error).message).not.toContain('wrong-token-xyz');

    const skewed = await client({ clockSkewMs: -30 * 60_000 })
      .createLock()
      .catch((e: unknown) => e);
    expect(skewed).toBeInstanceOf(KooDriveError);
    expect(skewed).toMatchObject({ kind: 'clock', transient: false });
    // the machine's clock is right; the skew we applied is the mistake, and the advice says so
    expect((skewed as Error).message).toMatch(
      concatRegex(
        /with --clock-skew=-1800s applied\) was 30 min behind the server's clock; this machine's clock /,
        /is right: leave out --clock-skew/,
      ),
    );
    expect(emu.stats().requests['lock.create']).toBe(4); // nothing retried
  });
});
