/**
 * Issue 16 item 5: one record of 20,000 files, created through the API, lists completely with
 * paging (record listing and /_emulator/files), and again after a restart, with the data folder
 * readable by its owner only.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATHS } from '../../src/koodrive/wire-types.js';
import { Harness, MiB, planOf, putPart } from './emulator-harness.js';

const COUNT = 20_000;
const names = Array.from({ length: COUNT }, (_, i) => `f${String(i).padStart(6, '0')}.bin`);

async function recordListing(h: Harness, recordId: string): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const r = await h.call('GET', `${PATHS.recordFiles(recordId)}?pageSize=100${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.json.code, JSON.stringify(r.json)).toBe(0);
    expect(r.json.data.length).toBeLessThanOrEqual(100);
    seen.push(...r.json.data.map((f: { fileName: string }) => f.fileName));
    cursor = r.json.nextCursor as string | undefined;
  } while (cursor);
  return seen;
}

async function storedListing(h: Harness): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = (await (
      await fetch(`${h.emu.url}/_emulator/files?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
    ).json()) as { files: Array<{ fileName: string; status: string }>; nextCursor?: string };
    expect(page.files.length).toBeLessThanOrEqual(1000);
    for (const f of page.files) {
      expect(f.status).toBe('complete');
      seen.push(f.fileName);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

describe('emulator: a record of 20,000 files', () => {
  let h: Harness;
  let recordId: string;

  beforeAll(async () => {
    h = await Harness.start();
    const lock = await h.lock();
    recordId = await h.record(lock);
    // The first empty file is uploaded (one empty part); every other one is then a rapid upload.
    const empty = planOf(new Uint8Array(0), 5 * MiB);
    const first = await h.createFile(lock, recordId, names[0]!, empty);
    expect((await putPart(first.json.multiParts[0].uploadUrl, new Uint8Array(0), empty.parts[0]!)).status).toBe(200);
    expect((await h.complete(first.json.fileId)).json.code).toBe(0);
    let next = 1;
    const worker = async () => {
      while (next < COUNT) {
        const name = names[next++]!;
        const r = await h.createFile(lock, recordId, name, empty);
        if (r.json.code !== 0 || r.json.rapidUpload !== true || r.json.fileName !== name)
          throw new Error(`create ${name}: ${JSON.stringify(r.json)}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  }, 300_000);
  afterAll(async () => h?.dispose());

  it('lists every file once, in creation order, a page at a time, and again after a restart', async () => {
    // Creation order is the order the emulator took the calls in (16 at a time): compare as sets,
    // and both listings with each other for the order.
    const byRecord = await recordListing(h, recordId);
    expect(byRecord).toHaveLength(COUNT);
    expect([...byRecord].sort()).toEqual(names);
    expect(await storedListing(h)).toEqual(byRecord);

    await h.stop();
    await h.restart();
    expect(await recordListing(h, recordId)).toEqual(byRecord);
    expect(await storedListing(h)).toEqual(byRecord);
  }, 300_000);

  it('keeps its state readable by its owner only', async () => {
    await h.stop(); // a clean stop leaves one snapshot
    expect((await stat(join(h.dir, 'state.json'))).mode & 0o777).toBe(0o600);
    await h.restart();
  });
});
