/**
 * Records are snapshots (reference Part 1, "Records are snapshots; getting files back"): name scope
 * per record or per folder, deleteBackupRecord (§3.8), files/download (§4.6) and its presigned GETs
 * with Range, plus the documented codes 13000405, 13000301 and 13000304 (§2.4).
 */
import { createHash } from 'node:crypto';
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PATHS } from '../../src/koodrive/wire-types.js';
import { bytesOf, Harness, MiB, planOf, putPart, stats, type Answer } from './emulator-harness.js';

// Codes from the reference (§2.4 documented, docs/emulator.md for the 1399xxxx range), written out.
const DUPLICATE_FILE_NAME = 13000405;
const CONTAINER_NOT_EXIST = 13000301;
const TARGET_FOLDER_ABNORMAL = 13000304;
const PARAMETER_INVALID = 13000102;
const RESOURCE_NOT_FOUND = 13000309;
const DOWNLOAD_ADDRESS_MISSING = 13000407;
const NOT_EXIST_UPLOAD_TASK = 13000401;
const LOCK_REQUIRED = 13990010;
const RECORD_NOT_FOUND = 13990020;
const INJECTED_FAULT = 13990041;

const small = bytesOf(1000, 5);
const smallPlan = planOf(small, 5 * MiB);
const other = bytesOf(3000, 6);
const otherPlan = planOf(other, 5 * MiB);
// Two parts: 5 MiB and 1000 bytes.
const two = bytesOf(5 * MiB + 1000, 9);
const twoPlan = planOf(two, 5 * MiB);

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

let h: Harness;
afterEach(async () => h?.dispose());

/** Creates, uploads and completes a file; returns the create answer. */
async function upload(
  lock: string,
  recordId: string,
  name: string,
  data: Uint8Array,
  plan = planOf(data, 5 * MiB),
  extra: Record<string, unknown> = {},
): Promise<Answer> {
  const created = await h.createFile(lock, recordId, name, plan, extra);
  expect(created.json.code, JSON.stringify(created.json)).toBe(0);
  if (!created.json.rapidUpload && !created.json.exist) {
    for (const [i, part] of plan.parts.entries())
      expect((await putPart(created.json.multiParts[i].uploadUrl, data, part)).status).toBe(200);
    expect((await h.complete(created.json.fileId)).json.code).toBe(0);
  }
  return created;
}

async function listed(recordId: string): Promise<Answer> {
  return h.call('GET', `${PATHS.recordFiles(recordId)}?pageSize=100`);
}

async function storedFiles(): Promise<Array<Record<string, any>>> {
  return (await fetch(`${h.emu.url}/_emulator/files`)).json() as Promise<Array<Record<string, any>>>;
}

describe('name scope', () => {
  it('record (the default): names clash only within a record; the file in another is a rapid upload', async () => {
    h = await Harness.start();
    const lock = await h.lock();
    const r1 = await h.record(lock);
    const r2 = await h.record(lock);
    const first = await upload(lock, r1, 'a.txt', small, smallPlan);

    for (const autoRename of [4, 3, 2]) {
      const r = await h.record(lock);
      const again = await h.createFile(lock, r, 'a.txt', smallPlan, { autoRename });
      expect(again.json, `autoRename ${autoRename}`).toMatchObject({
        code: 0,
        fileName: 'a.txt',
        rapidUpload: true,
        exist: false,
      });
      expect(again.json.fileId).not.toBe(first.json.fileId);
    }
    const inR2 = await h.createFile(lock, r2, 'a.txt', smallPlan, { autoRename: 4 });
    expect(inR2.json).toMatchObject({ code: 0, fileName: 'a.txt', rapidUpload: true });
    expect((await listed(r2)).json.data).toEqual([
      expect.objectContaining({ fileId: inR2.json.fileId, fileName: 'a.txt', sha256: sha(small), size: 1000 }),
    ]);
    expect((await listed(r1)).json.data).toEqual([
      expect.objectContaining({ fileId: first.json.fileId, fileName: 'a.txt' }),
    ]);

    // Within one record the policies still apply.
    const exist = await h.createFile(lock, r2, 'a.txt', smallPlan, { autoRename: 4 });
    expect(exist.json).toMatchObject({ code: 0, exist: true, fileId: inR2.json.fileId, fileName: 'a.txt' });
    const refused = await h.createFile(lock, r2, 'a.txt', otherPlan, { autoRename: 3 });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ code: DUPLICATE_FILE_NAME, existFileId: inR2.json.fileId });
    const renamed = await h.createFile(lock, r2, 'a.txt', otherPlan, { autoRename: 2 });
    expect(renamed.json.fileName).toMatch(/^a_\d{8}_\d{6}\.txt$/);
    // /_emulator/files shows each file's record.
    const files = await storedFiles();
    expect(files.find((f) => f.fileId === first.json.fileId)!.recordId).toBe(r1);
    expect(files.find((f) => f.fileId === inR2.json.fileId)!.recordId).toBe(r2);
  });

  it(
    'folder: names clash across every record of the folder (exist, rename, 13000405); a deleted record frees ' +
      'its names',
    async () => {
      h = await Harness.start({ nameScope: 'folder' });
      const lock = await h.lock();
      const r1 = await h.record(lock);
      const r2 = await h.record(lock);
      const first = await upload(lock, r1, 'a.txt', small, smallPlan);
      const exist = await h.createFile(lock, r2, 'a.txt', smallPlan, { autoRename: 4 });
      expect(exist.json).toMatchObject({ code: 0, exist: true, fileId: first.json.fileId });
      const renamed = await h.createFile(lock, r2, 'a.txt', otherPlan, { autoRename: 2 });
      expect(renamed.json.fileName).toMatch(/^a_\d{8}_\d{6}\.txt$/);
      const refused = await h.createFile(lock, r2, 'a.txt', otherPlan, { autoRename: 3 });
      expect(refused.json).toMatchObject({ code: DUPLICATE_FILE_NAME, existFileId: first.json.fileId });

      expect((await h.call('DELETE', PATHS.recordById(r1), { lock })).json).toEqual({ code: 0, msg: 'success' });
      const free = await h.createFile(lock, r2, 'a.txt', otherPlan, { autoRename: 3 });
      expect(free.json).toMatchObject({ code: 0, fileName: 'a.txt' });
    },
  );
});

describe('deleteBackupRecord', () => {
  it('deletes the record and its files; a blob stays while another record uses it; unfinished parts go', async () => {
    h = await Harness.start();
    const lock = await h.lock();
    const a = await h.record(lock);
    const b = await h.record(lock);
    const x = await upload(lock, a, 'x.bin', small, smallPlan);
    const y = await upload(lock, a, 'y.bin', other, otherPlan);
    // An unfinished two-part upload: part 1 sent, part 2 not.
    const u = await h.createFile(lock, a, 'u.bin', twoPlan);
    expect((await putPart(u.json.multiParts[0].uploadUrl, two, twoPlan.parts[0]!)).status).toBe(200);
    const part2Url = (
      await h.call('POST', PATHS.uploadUrl, { body: { fileId: u.json.fileId, multiParts: [twoPlan.parts[1]] } })
    ).json.multiParts[0].uploadUrl as string;
    const xInB = await upload(lock, b, 'x.bin', small, smallPlan);
    expect(xInB.json.rapidUpload).toBe(true);

    const blobs = join(h.dir, 'blobs');
    expect((await readdir(blobs)).sort()).toEqual([sha(small), sha(other)].sort());
    expect(await exists(join(h.dir, 'parts', u.json.fileId))).toBe(true);

    // The lock is required, an unknown record is RECORD_NOT_FOUND.
    expect((await h.call('DELETE', PATHS.recordById(a))).json.code).toBe(LOCK_REQUIRED);
    expect((await h.call('DELETE', PATHS.recordById('1800000000000000000'), { lock })).json.code).toBe(
      RECORD_NOT_FOUND,
    );
    expect(await exists(join(blobs, sha(other)))).toBe(true);

    const deleted = await h.call('DELETE', PATHS.recordById(a), { lock });
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ code: 0, msg: 'success' });

    expect((await h.call('GET', PATHS.recordById(a))).json.code).toBe(RECORD_NOT_FOUND);
    expect((await listed(a)).json.code).toBe(RECORD_NOT_FOUND);
    const left = await storedFiles();
    expect(left.map((f) => f.fileId)).toEqual([xInB.json.fileId]);
    expect(left.some((f) => [x.json.fileId, y.json.fileId, u.json.fileId].includes(f.fileId))).toBe(false);
    expect(await readdir(blobs)).toEqual([sha(small)]); // b still refers to it
    expect(await exists(join(h.dir, 'parts', u.json.fileId))).toBe(false);
    // The unfinished upload is gone for PUT and complete too.
    const late = await putPart(part2Url, two, twoPlan.parts[1]!);
    expect(late.status).toBe(404);
    expect(late.text).toContain('<Code>NoSuchUpload</Code>');
    expect((await h.complete(u.json.fileId)).json.code).toBe(NOT_EXIST_UPLOAD_TASK);
    // The other content is no longer stored: no rapid upload for it.
    const b2 = await h.record(lock);
    expect((await h.createFile(lock, b2, 'y.bin', otherPlan)).json.rapidUpload).toBe(false);

    expect((await listed(b)).json.data).toEqual([
      expect.objectContaining({ fileId: xInB.json.fileId, sha256: sha(small) }),
    ]);
    expect((await h.call('DELETE', PATHS.recordById(b), { lock })).json.code).toBe(0);
    expect(await exists(join(blobs, sha(small)))).toBe(false);
    expect((await stats(h)).requests['record.delete']).toBe(4);

    // The deletion survives a restart (state.json).
    await h.stop();
    await h.restart();
    expect((await h.call('GET', PATHS.recordById(b))).json.code).toBe(RECORD_NOT_FOUND);
  });
});

describe('files/download and presigned GETs', () => {
  async function setUp(opts = {}) {
    h = await Harness.start(opts);
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const big = await upload(lock, recordId, 'big.bin', two, twoPlan);
    const little = await upload(lock, recordId, 'little.txt', small, smallPlan);
    const unfinished = await h.createFile(lock, recordId, 'later.bin', otherPlan);
    const containerId = big.json.containerId as string;
    return {
      lock,
      recordId,
      big: big.json.fileId as string,
      little: little.json.fileId as string,
      unfinished,
      containerId,
    };
  }

  const download = (body: unknown) => h.call('POST', PATHS.download, { body });

  it('hands out GET URLs that serve the bytes, whole, as HEAD and in the three Range forms', async () => {
    const s = await setUp();
    const r = await download({ containerId: s.containerId, fileIds: [s.big, s.little] });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ code: 0, batchCode: 1 });
    expect(r.json.downloads).toEqual([
      expect.objectContaining({ fileId: s.big, fileName: 'big.bin', code: 0 }),
      expect.objectContaining({ fileId: s.little, fileName: 'little.txt', code: 0 }),
    ]);
    const url = new URL(r.json.downloads[0].url);
    expect(url.origin).toBe(h.emu.url);
    expect(url.pathname.startsWith('/_obs/')).toBe(false);
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Date')).toMatch(/^\d{8}T\d{6}Z$/);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);

    const before = (await stats(h)).getBytes;
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(two.length));
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(two)).toBe(true);
    expect((await stats(h)).getBytes - before).toBe(two.length);

    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(two.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const ranged = async (range: string) => {
      const res = await fetch(url, { headers: { range } });
      return {
        status: res.status,
        contentRange: res.headers.get('content-range'),
        length: res.headers.get('content-length'),
        body: Buffer.from(await res.arrayBuffer()),
      };
    };
    const size = two.length; // 5243880
    const mid = await ranged('bytes=5242870-5242889'); // across the part boundary
    expect(mid).toMatchObject({ status: 206, contentRange: `bytes 5242870-5242889/${size}`, length: '20' });
    expect(mid.body.equals(two.subarray(5242870, 5242890))).toBe(true);
    const from = await ranged(`bytes=${size - 5}-`);
    expect(from).toMatchObject({ status: 206, contentRange: `bytes ${size - 5}-${size - 1}/${size}` });
    expect(from.body.equals(two.subarray(size - 5))).toBe(true);
    const suffix = await ranged('bytes=-7');
    expect(suffix).toMatchObject({ status: 206, contentRange: `bytes ${size - 7}-${size - 1}/${size}` });
    expect(suffix.body.equals(two.subarray(size - 7))).toBe(true);
    const past = await ranged('bytes=0-99999999'); // an end past the file is cut to the file
    expect(past).toMatchObject({ status: 206, contentRange: `bytes 0-${size - 1}/${size}` });
    const unsatisfiable = await ranged(`bytes=${size}-`);
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.contentRange).toBe(`bytes */${size}`);
    expect(unsatisfiable.body.toString()).toContain('<Code>InvalidRange</Code>');

    const littleBody = Buffer.from(await (await fetch(r.json.downloads[1].url)).arrayBuffer());
    expect(littleBody.equals(small)).toBe(true);
    expect((await stats(h)).requests).toMatchObject({ 'file.download': 1, get: 8 });
  });

  it('refuses tampered, expired and PUT URLs (403), and GETs of a deleted file (404)', async () => {
    const s = await setUp();
    h.emu.faults.set({ urlTtlSeconds: 30 });
    const r = await download({ containerId: s.containerId, fileIds: [s.big, s.little] });
    const url = r.json.downloads[1].url as string;
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('30');
    expect((await fetch(url)).status).toBe(200);

    const sig = new URL(url).searchParams.get('X-Amz-Signature')!;
    const tampered = url.replace(sig, `${sig[0] === 'a' ? 'b' : 'a'}${sig.slice(1)}`);
    const bad = await fetch(tampered);
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    // Another file's id under this signature.
    const swapped = await fetch(url.replace(encodeURIComponent(s.little), encodeURIComponent(s.big)));
    expect(swapped.status).toBe(403);
    // An upload (PUT) URL does not read, a download URL does not write.
    const putUrl = s.unfinished.json.multiParts[0].uploadUrl as string;
    const asGet = await fetch(putUrl);
    expect(asGet.status).toBe(403);
    expect(await asGet.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const asPut = await fetch(url, { method: 'PUT', body: small, headers: { 'content-length': String(small.length) } });
    expect(asPut.status).toBe(405);

    h.nowMs += 31_000;
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    const text = await expired.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('Request has expired');

    h.emu.faults.set({});
    const fresh = (await download({ containerId: s.containerId, fileIds: [s.little] })).json.downloads[0].url as string;
    expect((await fetch(fresh)).status).toBe(200);
    expect((await h.call('DELETE', PATHS.recordById(s.recordId), { lock: s.lock })).json.code).toBe(0);
    const gone = await fetch(fresh);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('<Code>NoSuchKey</Code>');
  });

  it('checks the body: the user containerId (13000301), 1..100 fileIds; per-file codes, batchCode 0/1/2', async () => {
    const s = await setUp();
    expect((await download({ fileIds: [s.big] })).json.code).toBe(PARAMETER_INVALID);
    expect((await download({ containerId: s.containerId, fileIds: [] })).json.code).toBe(PARAMETER_INVALID);
    expect((await download({ containerId: s.containerId, fileIds: Array(101).fill(s.big) })).json.code).toBe(
      PARAMETER_INVALID,
    );
    expect((await download({ containerId: s.containerId, fileIds: [7] })).json.code).toBe(PARAMETER_INVALID);
    const foreign = await download({ containerId: 'IAAFfyRNd07vFgAAA0000000000000000000', fileIds: [s.big] });
    expect(foreign.status).toBe(400);
    expect(foreign.json.code).toBe(CONTAINER_NOT_EXIST);

    const hundred = await download({ containerId: s.containerId, fileIds: Array(100).fill(s.little) });
    expect(hundred.json.batchCode).toBe(1);
    expect(hundred.json.downloads).toHaveLength(100);

    const mixed = await download({
      containerId: s.containerId,
      fileIds: [s.big, 'Fnot-a-file', s.unfinished.json.fileId],
    });
    expect(mixed.json).toMatchObject({ code: 0, batchCode: 0 });
    const [good, unknown, unfinished] = mixed.json.downloads;
    expect(good).toMatchObject({ fileId: s.big, code: 0 });
    expect(unknown).toMatchObject({ fileId: 'Fnot-a-file', code: RESOURCE_NOT_FOUND });
    expect(unknown.url).toBeUndefined();
    expect(unfinished).toMatchObject({
      fileId: s.unfinished.json.fileId,
      fileName: 'later.bin',
      code: DOWNLOAD_ADDRESS_MISSING,
    });
    expect(unfinished.url).toBeUndefined();
    const none = await download({ containerId: s.containerId, fileIds: ['Fnope'] });
    expect(none.json).toMatchObject({ code: 0, batchCode: 2 });
  });

  it('injects faults on file.download and on GETs: status, stall, and a reset halfway through the body', async () => {
    const s = await setUp();
    h.emu.faults.set({ rules: [{ kind: 'file.download', nth: 1, status: 503 }] });
    const failed = await download({ containerId: s.containerId, fileIds: [s.big] });
    expect(failed.status).toBe(503);
    expect(failed.json.code).toBe(INJECTED_FAULT);
    const url = (await download({ containerId: s.containerId, fileIds: [s.big] })).json.downloads[0].url as string;

    h.emu.faults.set({
      rules: [
        { kind: 'get', nth: 1, status: 503 },
        { kind: 'get', nth: 2, reset: true },
        { kind: 'get', nth: 3, stallMs: 50 },
      ],
    });
    const busy = await fetch(url);
    expect(busy.status).toBe(503);
    expect(await busy.text()).toContain('<Code>ServiceUnavailable</Code>');

    const before = (await stats(h)).getBytes;
    const cut = await fetch(url)
      .then(async (res) => {
        expect(res.status).toBe(200);
        return res.arrayBuffer();
      })
      .then(
        (b) => ({ ok: true, bytes: b.byteLength }),
        (err: Error) => ({ ok: false, error: err }),
      );
    expect(cut.ok).toBe(false);
    const sent = (await stats(h)).getBytes - before;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(Math.floor(two.length / 2));

    const slow = await fetch(url);
    expect(slow.status).toBe(200);
    expect(Buffer.from(await slow.arrayBuffer()).equals(two)).toBe(true);
    expect((await stats(h)).faults).toMatchObject({ rules: 3, stalls: 1 });
  });
});

describe('documented codes in createBackupFile', () => {
  it('13000301 for a foreign containerId, 13000304 for an unknown parentFolder; hidden and scene types', async () => {
    h = await Harness.start({ folders: ['F-photos'] });
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const foreign = await h.createFile(lock, recordId, 'a.txt', smallPlan, {
      containerId: 'IAAFfyRNd07vFgAAA0000000000000000000',
    });
    expect(foreign.status).toBe(400);
    expect(foreign.json.code).toBe(CONTAINER_NOT_EXIST);
    const unknownFolder = await h.createFile(lock, recordId, 'a.txt', smallPlan, { parentFolder: ['no-such-folder'] });
    expect(unknownFolder.status).toBe(400);
    expect(unknownFolder.json.code).toBe(TARGET_FOLDER_ABNORMAL);

    const inRoot = await h.createFile(lock, recordId, 'a.txt', smallPlan, { hidden: false, scene: 'folder-backup' });
    expect(inRoot.json.code).toBe(0);
    const rootId = inRoot.json.parentFolder[0] as string;
    expect(rootId).toMatch(/^DE13Tu8WAAAAroot/);
    // The resolved root id and a configured folder are known folders.
    expect((await h.createFile(lock, recordId, 'b.txt', smallPlan, { parentFolder: [rootId] })).json.code).toBe(0);
    const photos = await h.createFile(lock, recordId, 'a.txt', smallPlan, {
      parentFolder: ['F-photos'],
      autoRename: 3,
    });
    expect(photos.json).toMatchObject({ code: 0, fileName: 'a.txt', parentFolder: ['F-photos'] });

    expect((await h.createFile(lock, recordId, 'c.txt', smallPlan, { hidden: 'yes' })).json.code).toBe(
      PARAMETER_INVALID,
    );
    expect((await h.createFile(lock, recordId, 'c.txt', smallPlan, { scene: 5 })).json.code).toBe(PARAMETER_INVALID);
  });
});
