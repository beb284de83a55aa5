import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CODES } from '../../src/koodrive/error-codes.js';
import { PATHS } from '../../src/koodrive/wire-types.js';
import { bytesOf, Harness, MiB, planOf, putPart, type Plan } from './emulator-harness.js';

const small = bytesOf(1000, 5);
const smallPlan = planOf(small, 5 * MiB);
// Two parts: 5 MiB and a short last one.
const two = bytesOf(5 * MiB + 1000, 9);
const twoPlan = planOf(two, 5 * MiB);

describe('emulator: createBackupFile fields', () => {
  let h: Harness;
  let lock: string;
  let recordId: string;
  beforeAll(async () => {
    h = await Harness.start({ forbidSpaceInName: true });
    lock = await h.lock();
    recordId = await h.record(lock);
  });
  afterAll(async () => h.dispose());

  const refused = async (
    extra: Record<string, unknown>,
    code: number = CODES.PARAMETER_INVALID,
    plan: Plan = smallPlan,
  ) => {
    const r = await h.createFile(lock, recordId, 'ok.txt', plan, extra);
    expect(r.status, JSON.stringify(r.json)).toBe(400);
    expect(r.json.code, JSON.stringify(r.json)).toBe(code);
    return r.json.msg as string;
  };

  it.each(['a/b.txt', '..', '.', '', 'a:b', 'what?', 'with space.txt', 'back\\slash'])(
    'refuses the fileName %j',
    async (fileName) => {
      await refused({ fileName });
    },
  );

  it('refuses a fileName over 250 characters (NAME_TOO_LONG), a long description, bad sha256 and length', async () => {
    await refused({ fileName: `${'x'.repeat(251)}` }, CODES.NAME_TOO_LONG);
    expect(await refused({ description: 'd'.repeat(513) })).toMatch(/description/);
    await refused({ sha256: smallPlan.sha256.toUpperCase() });
    await refused({ sha256: 'abc' });
    await refused({ length: 200e9 + 1 });
    await refused({ length: -1 });
    await refused({ uploadType: 0 });
    await refused({ uploadMode: 'put' });
    await refused({ autoRename: 1 });
    await refused({ parentFolder: [] });
    await refused({ containerId: 'someone-else' }, CODES.CONTAINER_NOT_EXIST_OR_STATE_ERROR);
  });

  it('needs the lock and an open, existing record', async () => {
    expect((await h.createFile('', recordId, 'ok.txt', smallPlan)).json.code).toBe(CODES.LOCK_REQUIRED);
    expect((await h.createFile(lock, '1111111111111111111', 'ok.txt', smallPlan)).json.code).toBe(
      CODES.RECORD_NOT_FOUND,
    );
  });

  it('refuses a missing or malformed proofCode for a non-empty file', async () => {
    expect(await refused({ proofCode: undefined })).toMatch(/proofCode is required/);
    await refused({ proofCode: 'F'.repeat(64) });
  });

  it('refuses part layouts against the rules: unaligned, too small, gaps, too many, wrong total', async () => {
    const length = 12 * MiB;
    const layout = (sizes: number[]) => {
      let offset = 0;
      return sizes.map((partSize, i) => {
        const p = { partNumber: i + 1, partOffset: offset, partSize, hashCtx: i === 0 ? [] : Array(8).fill(1) };
        offset += partSize;
        return p;
      });
    };
    const plan = (sizes: number[]): Plan => ({
      ...smallPlan,
      length: sizes.reduce((a, b) => a + b, 0),
      parts: layout(sizes),
    });
    expect(await refused({}, CODES.PARAMETER_INVALID, plan([5 * MiB + 1, 7 * MiB - 1]))).toMatch(/multiple of 64/);
    expect(await refused({}, CODES.PARAMETER_INVALID, plan([MiB, MiB, MiB]))).toMatch(/below 5 MiB/);
    expect(await refused({ length: length + 1 }, CODES.PARAMETER_INVALID, plan([5 * MiB, 7 * MiB]))).toMatch(/cover/);
    const missingCtx = plan([5 * MiB, MiB]);
    missingCtx.parts[1]!.hashCtx = [];
    expect(await refused({}, CODES.PARAMETER_INVALID, missingCtx)).toMatch(/hashCtx must hold 8 words/);
    const many = {
      ...smallPlan,
      parts: Array.from({ length: 10_001 }, (_, i) => ({ partNumber: i + 1, partOffset: 0, partSize: 0, hashCtx: [] })),
    };
    expect(await refused({}, CODES.PARAMETER_INVALID, many)).toMatch(/at most 10000/);
    await refused({ multiParts: undefined });
  });
});

describe('emulator: uploads, chain and integrity', () => {
  let h: Harness;
  afterEach(async () => h?.dispose());

  it('rejects a PUT whose bytes do not continue into the next hashCtx, at PUT and at uploadUrl', async () => {
    h = await Harness.start();
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const bad = structuredClone(twoPlan);
    bad.parts[1]!.hashCtx[0] = (bad.parts[1]!.hashCtx[0]! + 1) >>> 0;
    const created = await h.createFile(lock, recordId, 'x.bin', bad);
    expect(created.json.code).toBe(0);
    const [p1, p2] = created.json.multiParts;
    const put1 = await putPart(p1.uploadUrl, two, bad.parts[0]!);
    expect(put1.status).toBe(400);
    expect(put1.text).toContain('<Code>HashCtxMismatch</Code>');
    expect(put1.text).toContain(`<KooDriveCode>${CODES.HASH_CTX_MISMATCH}</KooDriveCode>`);
    expect((await putPart(p2.uploadUrl, two, bad.parts[1]!)).status).toBe(400);

    const good = await h.createFile(lock, recordId, 'y.bin', twoPlan);
    const refresh = await h.call('POST', PATHS.uploadUrl, {
      body: { fileId: good.json.fileId, multiParts: [bad.parts[1]] },
    });
    expect(refresh.json.code).toBe(CODES.HASH_CTX_MISMATCH);
    const wrongSize = await h.call('POST', PATHS.uploadUrl, {
      body: { fileId: good.json.fileId, multiParts: [{ ...twoPlan.parts[1], partSize: 5 }] },
    });
    expect(wrongSize.json.code).toBe(CODES.PARAMETER_INVALID);
    expect(
      (await h.call('POST', PATHS.uploadUrl, { body: { fileId: 'Fnope', multiParts: [twoPlan.parts[0]] } })).json.code,
    ).toBe(CODES.NOT_EXIST_UPLOAD_TASK);
  });

  it(
    'fails files/complete with 13000402 for a missing part or a wrong sha256, and RECORD_FILES_INCOMPLETE on ' +
      'the record',
    async () => {
      h = await Harness.start();
      const lock = await h.lock();
      const recordId = await h.record(lock);
      const created = await h.createFile(lock, recordId, 'x.bin', twoPlan);
      const [p1, p2] = created.json.multiParts;
      expect((await putPart(p2.uploadUrl, two, twoPlan.parts[1]!)).status).toBe(200);
      const missing = await h.complete(created.json.fileId);
      expect(missing.json.code).toBe(CODES.FILE_COMPLETE_CHECK_FAILURE);
      expect(missing.json.msg).toMatch(/part\(s\) 1 not uploaded/);
      expect((await h.call('PATCH', PATHS.recordById(recordId), { lock })).json.code).toBe(
        CODES.RECORD_FILES_INCOMPLETE,
      );
      expect((await putPart(p1.uploadUrl, two, twoPlan.parts[0]!)).status).toBe(200);
      expect((await h.complete(created.json.fileId, smallPlan.sha256)).json.code).toBe(
        CODES.FILE_COMPLETE_CHECK_FAILURE,
      );
      expect((await h.complete('Fnothing')).json.code).toBe(CODES.NOT_EXIST_UPLOAD_TASK);
      expect((await h.complete(created.json.fileId, twoPlan.sha256)).json.code).toBe(0);
      expect((await h.call('PATCH', PATHS.recordById(recordId), { lock })).json.code).toBe(0);
      const late = await h.createFile(lock, recordId, 'late.txt', smallPlan);
      expect(late.json.code).toBe(CODES.RECORD_COMPLETED);
    },
  );

  it('refuses files/complete when the stored bytes were lost, and stores them anew on the next PUT', async () => {
    h = await Harness.start();
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const created = await h.createFile(lock, recordId, 'x.bin', smallPlan);
    const url = created.json.multiParts[0].uploadUrl;
    expect((await putPart(url, small, smallPlan.parts[0]!)).status).toBe(200);
    await rm(join(h.dir, 'parts', created.json.fileId));
    const lost = await h.complete(created.json.fileId);
    expect(lost.json.code).toBe(CODES.FILE_COMPLETE_CHECK_FAILURE);
    expect(lost.json.msg).toMatch(/cannot be read \(ENOENT\); PUT them again/);
    expect(await readdir(join(h.dir, 'blobs'))).toEqual([]);
    expect((await putPart(url, small, smallPlan.parts[0]!)).status).toBe(200);
    expect((await h.complete(created.json.fileId)).json.code).toBe(0);
    expect(
      createHash('sha256')
        .update(await readFile(join(h.dir, 'blobs', smallPlan.sha256)))
        .digest('hex'),
    ).toBe(smallPlan.sha256);
  });

  /** One small file PUT (not completed), the emulator stopped, its parts file read and removed. */
  async function oneUploadStoppedWithItsBytesRemoved() {
    h = await Harness.start();
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const created = await h.createFile(lock, recordId, 'x.bin', smallPlan);
    expect((await putPart(created.json.multiParts[0].uploadUrl, small, smallPlan.parts[0]!)).status).toBe(200);
    await h.stop();
    const flat = join(h.dir, 'parts', created.json.fileId);
    const bytes = await readFile(flat);
    await rm(flat);
    return { created, flat, bytes };
  }

  async function expectCompletesToSmall(fileId: string) {
    expect((await h.complete(fileId)).json.code).toBe(0);
    expect(Buffer.compare(await readFile(join(h.dir, 'blobs', smallPlan.sha256)), Buffer.from(small))).toBe(0);
  }

  it('moves an upload kept in the older layout (parts/<fileId>/assembly) to parts/<fileId> on start', async () => {
    const { created, flat, bytes } = await oneUploadStoppedWithItsBytesRemoved();
    await mkdir(flat);
    await writeFile(join(flat, 'assembly'), bytes);
    await mkdir(join(h.dir, 'parts', 'Fgone')); // a folder with no assembly: dropped
    await h.restart();
    expect((await readdir(join(h.dir, 'parts'))).sort()).toEqual([created.json.fileId]);
    await expectCompletesToSmall(created.json.fileId);
  });

  it('finishes a layout move that a crash interrupted (the assembly moved out, its empty folder left)', async () => {
    const { created, flat, bytes } = await oneUploadStoppedWithItsBytesRemoved();
    await mkdir(flat); // the old folder, already emptied
    await writeFile(`${flat}.tmp-layout`, bytes); // the assembly, moved out but not yet renamed
    await h.restart();
    expect(await readdir(join(h.dir, 'parts'))).toEqual([created.json.fileId]);
    await expectCompletesToSmall(created.json.fileId);
  });

  it('completes uploaded files on completeBackup when autoCompleteFiles is set', async () => {
    h = await Harness.start({ autoCompleteFiles: true });
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const created = await h.createFile(lock, recordId, 's.txt', smallPlan);
    expect((await putPart(created.json.multiParts[0].uploadUrl, small, smallPlan.parts[0]!)).status).toBe(200);
    expect((await h.call('PATCH', PATHS.recordById(recordId), { lock })).json.code).toBe(0);
    const list = await h.call('GET', `${PATHS.recordFiles(recordId)}?pageSize=10`);
    expect(list.json.data).toHaveLength(1);
  });

  it('checks proofCode: at create when the content is known, at complete otherwise', async () => {
    h = await Harness.start();
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const otherSeed = planOf(small, 5 * MiB, 'someone-else').proofCode;
    expect(otherSeed).not.toBe(smallPlan.proofCode);
    const created = await h.createFile(lock, recordId, 'p.txt', smallPlan, { proofCode: otherSeed });
    expect(created.json.code).toBe(0);
    expect((await putPart(created.json.multiParts[0].uploadUrl, small, smallPlan.parts[0]!)).status).toBe(200);
    expect((await h.complete(created.json.fileId)).json.code).toBe(CODES.PROOF_CODE_INVALID);

    const honest = await h.createFile(lock, recordId, 'q.txt', smallPlan);
    expect((await putPart(honest.json.multiParts[0].uploadUrl, small, smallPlan.parts[0]!)).status).toBe(200);
    expect((await h.complete(honest.json.fileId)).json.code).toBe(0);
    const claim = await h.createFile(lock, recordId, 'r.txt', smallPlan, { proofCode: otherSeed });
    expect(claim.json.code).toBe(CODES.PROOF_CODE_INVALID);
  });

  it('refuses expired, altered or mis-sized PUTs S3-style, and uploadUrl gives fresh URLs', async () => {
    h = await Harness.start({ urlTtlSeconds: 1 });
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const created = await h.createFile(lock, recordId, 'e.txt', smallPlan);
    const url = created.json.multiParts[0].uploadUrl as string;
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('1');
    h.nowMs += 2000;
    const expired = await putPart(url, small, smallPlan.parts[0]!);
    expect(expired.status).toBe(403);
    expect(expired.text).toContain('<Code>AccessDenied</Code>');
    expect(expired.text).toContain('Request has expired');

    const refresh = await h.call('POST', PATHS.uploadUrl, {
      body: { fileId: created.json.fileId, multiParts: smallPlan.parts },
    });
    expect(refresh.json.code).toBe(0);
    const fresh = refresh.json.multiParts[0].uploadUrl as string;
    const altered = fresh.replace('partNumber=1', 'partNumber=1&x=1');
    expect((await putPart(altered, small, smallPlan.parts[0]!)).text).toContain('SignatureDoesNotMatch');
    const short = await fetch(fresh, { method: 'PUT', body: small.subarray(0, 10) });
    expect(short.status).toBe(403);
    expect(await short.text()).toContain('Content-Length 10');
    expect((await putPart(fresh, small, smallPlan.parts[0]!)).status).toBe(200);
    expect((await h.complete(created.json.fileId)).json.code).toBe(0);
    expect((await putPart(fresh, small, smallPlan.parts[0]!)).status).toBe(404); // upload finished
  });

  it('seeds proofCode with the Authorization value when asked, and caps URLs per call', async () => {
    h = await Harness.start({ proofSeed: 'authorization', maxUrlsPerCall: 1 });
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const seeded = planOf(two, 5 * MiB, 'Bearer test-token-4f1c');
    const created = await h.createFile(lock, recordId, 'a.bin', seeded);
    expect(created.json.multiParts[0].uploadUrl).toBeDefined();
    expect(created.json.multiParts[1].uploadUrl).toBeUndefined();
    const both = await h.call('POST', PATHS.uploadUrl, {
      body: { fileId: created.json.fileId, multiParts: seeded.parts },
    });
    expect(both.json.code).toBe(CODES.PARAMETER_INVALID);
    const second = await h.call('POST', PATHS.uploadUrl, {
      body: { fileId: created.json.fileId, multiParts: [seeded.parts[1]] },
    });
    expect(second.json.multiParts).toHaveLength(1);
    expect((await putPart(created.json.multiParts[0].uploadUrl, two, seeded.parts[0]!)).status).toBe(200);
    expect((await putPart(second.json.multiParts[0].uploadUrl, two, seeded.parts[1]!)).status).toBe(200);
    expect((await h.complete(created.json.fileId)).json.code).toBe(0);
    // The default (user id) seed is now the wrong one.
    const userSeeded = await h.createFile(lock, recordId, 'b.bin', twoPlan);
    expect(userSeeded.json.code).toBe(CODES.PROOF_CODE_INVALID);
  });

  it('applies autoRename 2, 3 and 4 per folder across records (nameScope folder)', async () => {
    h = await Harness.start({ nameScope: 'folder', folders: ['folder-2'] });
    h.nowMs = Date.parse('2025-12-31T16:00:00Z'); // already 1 January 2026 in UTC+8, the rename's clock
    const lock = await h.lock();
    const r1 = await h.record(lock);
    const r2 = await h.record(lock);
    const first = await h.createFile(lock, r1, 'report.pdf', smallPlan);
    expect(first.json.fileName).toBe('report.pdf');
    expect((await putPart(first.json.multiParts[0].uploadUrl, small, smallPlan.parts[0]!)).status).toBe(200);
    expect((await h.complete(first.json.fileId)).json.code).toBe(0);

    const renamed = await h.createFile(lock, r2, 'report.pdf', twoPlan, { autoRename: 2 });
    const expected = 'report_20260101_000000.pdf'; // literal: reference Part 1, UTC+8
    expect(renamed.json.fileName).toBe(expected);
    const again = await h.createFile(lock, r2, 'report.pdf', twoPlan, { autoRename: 2 });
    expect(again.json.fileName).toBe(expected.replace('.pdf', '_2.pdf'));

    const refusedClash = await h.createFile(lock, r2, 'report.pdf', smallPlan, { autoRename: 3 });
    expect(refusedClash.json).toMatchObject({ code: CODES.DUPLICATE_FILE_NAME, existFileId: first.json.fileId });

    const same = await h.createFile(lock, r2, 'report.pdf', smallPlan, { autoRename: 4 });
    expect(same.json).toMatchObject({ code: 0, exist: true, fileId: first.json.fileId, fileName: 'report.pdf' });
    const differs = await h.createFile(lock, r2, 'report.pdf', twoPlan, { autoRename: 4 });
    expect(differs.json).toMatchObject({ code: 0, exist: false });
    expect(differs.json.fileName).toBe('report_20260101_000000_3.pdf');

    const otherFolder = await h.createFile(lock, r2, 'report.pdf', smallPlan, {
      autoRename: 3,
      parentFolder: ['folder-2'],
    });
    expect(otherFolder.json).toMatchObject({ code: 0, fileName: 'report.pdf', rapidUpload: true });
  });
});
