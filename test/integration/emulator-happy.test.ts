import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PATHS } from '../../src/koodrive/wire-types.js';
import { bytesOf, Harness, MiB, planOf, putPart, stats } from './emulator-harness.js';

let h: Harness;
afterEach(async () => h?.dispose());

describe('emulator happy path', () => {
  it('lock → record → file in 3 parts PUT out of order → complete → record complete → list → same bytes', async () => {
    h = await Harness.start();
    const data = bytesOf(12 * MiB + 12345, 7);
    const plan = planOf(data, 5 * MiB);
    expect(plan.parts).toHaveLength(3);

    const lock = await h.lock();
    expect(lock).toMatch(/^[0-9a-f-]{36}@100$/);
    const recordId = await h.record(lock);
    expect(recordId).toMatch(/^\d{19}$/);

    const created = await h.createFile(lock, recordId, 'big file.bin', plan);
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ code: 0, fileName: 'big file.bin', rapidUpload: false, exist: false });
    expect(created.json.uploadId).toMatch(/^[0-9A-F]{32}$/);
    const parts = created.json.multiParts as Array<{
      partNumber: number;
      partOffset: number;
      partSize: number;
      uploadUrl: string;
    }>;
    expect(parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(parts[0]!.uploadUrl).not.toContain('X-Amz-Iteration-Hash-Ctx');
    const ctxParam = new URL(parts[1]!.uploadUrl).searchParams.get('X-Amz-Iteration-Hash-Ctx')!;
    expect(JSON.parse(Buffer.from(ctxParam, 'base64').toString())).toEqual({
      md_len: 32,
      num: 0,
      h: plan.parts[1]!.hashCtx,
      nh: 0,
      nl: 5 * MiB * 8,
      hash_type: 'sha256',
    });

    for (const i of [2, 0, 1]) {
      const put = await putPart(parts[i]!.uploadUrl, data, parts[i]!);
      expect(put.status, put.text).toBe(200);
      expect(put.etag).toMatch(/^"[0-9a-f]{32}"$/);
    }
    // A repeated PUT overwrites and is counted again.
    expect((await putPart(parts[0]!.uploadUrl, data, parts[0]!)).status).toBe(200);

    const completed = await h.complete(created.json.fileId, plan.sha256);
    expect(completed.json).toMatchObject({ code: 0 });
    expect((await h.complete(created.json.fileId)).json.code).toBe(0); // idempotent

    const done = await h.call('PATCH', PATHS.recordById(recordId), { lock, body: {} });
    expect(done.json.code).toBe(0);
    const record = await h.call('GET', PATHS.recordById(recordId));
    expect(record.json.data).toMatchObject({ recordId, moduleCode: '100', status: 1, properties: '{"tool":"test"}' });

    const list = await h.call('GET', `${PATHS.recordFiles(recordId)}?pageSize=100`);
    expect(list.json.data).toEqual([
      expect.objectContaining({
        fileId: created.json.fileId,
        fileName: 'big file.bin',
        sha256: plan.sha256,
        size: data.length,
        description: 'dir/big file.bin',
      }),
    ]);
    expect(list.json.nextCursor).toBeUndefined();

    const files = (await (await fetch(`${h.emu.url}/_emulator/files`)).json()) as Array<Record<string, any>>;
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ recordId, status: 'complete', sha256: plan.sha256, size: data.length });
    expect((await readFile(files[0]!.blobPath)).equals(data)).toBe(true);

    const s = await stats(h);
    expect(s.putBytes).toBe(data.length + parts[0]!.partSize);
    expect(s.putCount).toBe(4);
    expect(s.requests).toMatchObject({
      'lock.create': 1,
      'record.create': 1,
      'file.create': 1,
      put: 4,
      'file.complete': 2,
      'record.complete': 1,
    });
    expect(s.filesCompleted).toBe(1);
    expect((await h.call('DELETE', PATHS.lock, { lock })).json.code).toBe(0);
  });

  it('answers rapidUpload for known content with the right proofCode, and pages the file list', async () => {
    h = await Harness.start();
    const data = bytesOf(300_000, 3);
    const plan = planOf(data, 5 * MiB);
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const first = await h.createFile(lock, recordId, 'a.txt', plan);
    expect((await putPart(first.json.multiParts[0].uploadUrl, data, plan.parts[0]!)).status).toBe(200);
    expect((await h.complete(first.json.fileId)).json.code).toBe(0);

    const second = await h.createFile(lock, recordId, 'b.txt', plan);
    expect(second.json).toMatchObject({ code: 0, rapidUpload: true, fileName: 'b.txt' });
    expect(second.json.multiParts).toBeUndefined();
    const empty = planOf(new Uint8Array(0), 5 * MiB);
    const zero = await h.createFile(lock, recordId, 'empty', empty);
    expect(zero.json).toMatchObject({ code: 0, rapidUpload: false });
    expect((await putPart(zero.json.multiParts[0].uploadUrl, new Uint8Array(0), empty.parts[0]!)).status).toBe(200);
    expect((await h.complete(zero.json.fileId)).json.code).toBe(0);

    const page1 = await h.call('GET', `${PATHS.recordFiles(recordId)}?pageSize=2`);
    expect(page1.json.data.map((f: { fileName: string }) => f.fileName)).toEqual(['a.txt', 'b.txt']);
    const page2 = await h.call('GET', `${PATHS.recordFiles(recordId)}?pageSize=2&cursor=${page1.json.nextCursor}`);
    expect(page2.json.data.map((f: { fileName: string }) => f.fileName)).toEqual(['empty']);
    expect(page2.json.nextCursor).toBeUndefined();
    expect((await stats(h)).rapidUploads).toBe(1);

    const records = await h.call('GET', `${PATHS.record}?moduleCode=100&pageSize=10&deviceId=dev-1`);
    expect(records.json.data.map((r: { recordId: string }) => r.recordId)).toEqual([recordId]);
  });

  it('keeps records, uploads in progress and URLs across a restart', async () => {
    h = await Harness.start();
    const data = bytesOf(5 * MiB + 4096, 11);
    const plan = planOf(data, 5 * MiB);
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const created = await h.createFile(lock, recordId, 'resume.bin', plan);
    const urls = created.json.multiParts.map((p: { uploadUrl: string }) => p.uploadUrl) as string[];
    expect((await putPart(urls[0]!, data, plan.parts[0]!)).status).toBe(200);
    // The state reaches the disk by itself shortly after a change, not only at close: in
    // state.json or in the change log after it (state-<n>.log).
    const deadline = Date.now() + 5000;
    let saved = '';
    while (!saved.includes('"received":{"1"') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      const names = (await readdir(h.dir)).filter((n) => n === 'state.json' || /^state-\d+\.log$/.test(n));
      saved = (await Promise.all(names.map((n) => readFile(join(h.dir, n), 'utf8')))).join('\n');
    }
    expect(saved).toContain(recordId);
    expect(saved).toContain('"received":{"1"');

    await h.stop();
    await h.restart();
    const files = (await (await fetch(`${h.emu.url}/_emulator/files`)).json()) as Array<Record<string, any>>;
    expect(files[0]).toMatchObject({ status: 'uploading', partsReceived: 1, partsPlanned: 2 });
    // The old URL still points at the old port; the path and signature must still be valid.
    const moved = urls[1]!.replace(/^http:\/\/[^/]+/, h.emu.url);
    expect((await putPart(moved, data, plan.parts[1]!)).status).toBe(200);
    expect((await h.complete(created.json.fileId)).json.code).toBe(0);
    expect((await h.call('PATCH', PATHS.recordById(recordId), { lock })).json.code).toBe(0); // lock survived too
    const blob = (await (await fetch(`${h.emu.url}/_emulator/files`)).json()) as Array<Record<string, any>>;
    expect((await readFile(blob[0]!.blobPath)).equals(data)).toBe(true);
  });

  it('writes parts in place: a failed re-PUT keeps the stored part (as OBS does); a good one replaces it', async () => {
    h = await Harness.start();
    const data = bytesOf(10 * MiB + 100, 21);
    const plan = planOf(data, 5 * MiB);
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const created = await h.createFile(lock, recordId, 'inplace.bin', plan);
    const urls = created.json.multiParts.map((p: { uploadUrl: string }) => p.uploadUrl) as string[];
    for (let i = 0; i < 3; i++) expect((await putPart(urls[i]!, data, plan.parts[i]!)).status).toBe(200);
    // The same part again with one byte changed: refused, and the part stored before still counts
    // (its bytes were not touched); then a good re-PUT is accepted too.
    const tampered = Buffer.from(data);
    tampered[5 * MiB + 7] = tampered[5 * MiB + 7]! ^ 1;
    expect((await putPart(urls[1]!, tampered, plan.parts[1]!)).status).toBe(400);
    expect((await putPart(urls[1]!, data, plan.parts[1]!)).status).toBe(200);
    expect((await putPart(urls[0]!, tampered, plan.parts[0]!)).status).toBe(200); // part 1 is not the changed byte
    const wrongFirst = Buffer.from(data);
    wrongFirst[3] = wrongFirst[3]! ^ 1;
    expect((await putPart(urls[0]!, wrongFirst, plan.parts[0]!)).status).toBe(400);
    expect((await h.complete(created.json.fileId)).json.code).toBe(0);
    const files = (await (await fetch(`${h.emu.url}/_emulator/files`)).json()) as Array<Record<string, any>>;
    expect((await readFile(files[0]!.blobPath)).equals(data)).toBe(true);
  });
});
