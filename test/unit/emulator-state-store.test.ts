/**
 * The emulator's state store (issue 16 item 5): a change costs its own size on disk, a restart
 * costs time linear in the files, and a crash at any point leaves a state that loads.
 */
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileOrder } from '../../src/emulator/file-order.js';
import { StateStore, type FileState, type RecordState } from '../../src/emulator/state.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kd-emu-state-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function record(recordId: string): RecordState {
  return {
    recordId,
    moduleCode: '100',
    deviceId: 'dev',
    status: 0,
    version: 1,
    createTime: '2026-01-01T00:00:00.000Z',
    fileIds: [],
  };
}

function file(fileId: string, recordId: string, status: FileState['status'] = 'complete'): FileState {
  return {
    fileId,
    recordId,
    containerId: 'c',
    parentFolder: 'root',
    fileName: `${fileId}.bin`,
    sha256: 'a'.repeat(64),
    length: 10,
    status,
    rapid: false,
    uploadId: 'U',
    parts: [],
    partCount: 1,
    received: {},
    createTime: '2026-01-01T00:00:00.000Z',
  };
}

/** Adds `count` files to one record, saying so after each and flushing every `batch`. */
async function addFiles(store: StateStore, recordId: string, count: number, batch = 100): Promise<void> {
  const rec = store.state.records[recordId]!;
  for (let i = 0; i < count; i++) {
    const f = file(`F${recordId}-${i}`, recordId);
    store.state.files[f.fileId] = f;
    rec.fileIds.push(f.fileId);
    store.fileChanged(f);
    if ((i + 1) % batch === 0) await store.flush();
  }
  await store.flush();
}

async function storeWith(dir: string, files: number): Promise<StateStore> {
  const store = await StateStore.open(dir);
  store.state.records.R1 = record('R1');
  store.recordChanged(store.state.records.R1);
  await addFiles(store, 'R1', files);
  return store;
}

const logsIn = async (dir: string) => (await readdir(dir)).filter((n) => /^state-\d+\.log$/.test(n));

describe('emulator state store: cost', () => {
  it('writes bytes per file that do not grow with the file count (no rewrite of all state per change)', async () => {
    const perFile = async (n: number) => {
      const store = await storeWith(await tempDir(), n);
      const bytes = store.written.log + store.written.snapshot;
      await store.close();
      return bytes / n;
    };
    const small = await perFile(2_000);
    const large = await perFile(8_000);
    // Rewriting the state at each of the 80 flushes would make this 4× (40× the bytes for 4× the files).
    expect(large / small).toBeLessThan(1.5);
  });

  it('restarts in CPU time about linear in the files (compares 2,500 with 20,000, not a clock)', async () => {
    const loadCpu = async (n: number) => {
      const dir = await tempDir();
      await (await storeWith(dir, n)).close();
      let best = Infinity;
      for (let i = 0; i < 2; i++) {
        const t0 = process.cpuUsage();
        const store = await StateStore.open(dir);
        const t = process.cpuUsage(t0);
        best = Math.min(best, t.user + t.system);
        expect(store.state.records.R1!.fileIds).toHaveLength(n);
        await store.close();
      }
      return best;
    };
    const small = await loadCpu(2_500);
    const large = await loadCpu(20_000);
    // 8× the files: linear is about 8×, quadratic 64×.
    expect(large / small).toBeLessThan(24);
  }, 120_000);
});

describe('emulator state store: restart and crashes', () => {
  it('brings back records, files in creation order and locks from the log alone (no clean stop)', async () => {
    const dir = await tempDir();
    const store = await storeWith(dir, 5);
    store.state.locks['100'] = { lockId: 'L@100', moduleCode: '100', createdAt: 1, expiresAt: 2 };
    store.lockChanged('100');
    const half = store.state.files['FR1-2']!;
    half.status = 'completing';
    store.fileChanged(half);
    await store.flush();
    expect((await stat(join(dir, (await logsIn(dir))[0]!))).mode & 0o777).toBe(0o600);

    const again = await StateStore.open(dir); // the first store is never closed: as after a SIGKILL
    expect(again.state.records.R1!.fileIds).toEqual(['FR1-0', 'FR1-1', 'FR1-2', 'FR1-3', 'FR1-4']);
    expect(again.state.locks['100']).toEqual({ lockId: 'L@100', moduleCode: '100', createdAt: 1, expiresAt: 2 });
    expect(again.state.files['FR1-2']!.status).toBe('uploading'); // caught half-completed
    expect(again.state.urlSecret).toBe(store.state.urlSecret);
    await again.close();
  });

  it('forgets the files of a deleted record; leaves one snapshot (0600) and no log after a clean stop', async () => {
    const dir = await tempDir();
    const store = await storeWith(dir, 3);
    store.state.records.R2 = record('R2');
    store.recordChanged(store.state.records.R2);
    await addFiles(store, 'R2', 2);
    delete store.state.records.R1;
    for (const id of ['FR1-0', 'FR1-1', 'FR1-2']) delete store.state.files[id];
    store.recordChanged(record('R1')); // only the record is logged
    await store.flush();
    expect(Object.keys((await StateStore.open(dir)).state.files)).toEqual(['FR2-0', 'FR2-1']);

    await store.close();
    expect(await logsIn(dir)).toEqual([]);
    const text = await readFile(join(dir, 'state.json'), 'utf8');
    expect(Object.keys(JSON.parse(text).files)).toEqual(['FR2-0', 'FR2-1']);
    expect((await stat(join(dir, 'state.json'))).mode & 0o777).toBe(0o600);
  });

  it('drops a last log line cut short by a crash, keeping every line before it', async () => {
    const dir = await tempDir();
    await storeWith(dir, 3);
    const [log] = await logsIn(dir);
    await appendFile(join(dir, log!), '[["f","FX",{"fileId":"FX","recordId":"R1"');
    const again = await StateStore.open(dir);
    expect(Object.keys(again.state.files)).toEqual(['FR1-0', 'FR1-1', 'FR1-2']);
    await again.close();
  });

  it('refuses a log damaged before its last line, with what to do', async () => {
    const dir = await tempDir();
    await storeWith(dir, 1);
    const [log] = await logsIn(dir);
    const path = join(dir, log!);
    await writeFile(path, `not json\n${await readFile(path, 'utf8')}`);
    await expect(StateStore.open(dir)).rejects.toThrow(
      /line 1 of .*state-\d+\.log is damaged; delete the emulator's data folder or restore state\.json/,
    );
  });

  it('ignores a log older than the snapshot (a crash between writing the snapshot and removing the log)', async () => {
    const dir = await tempDir();
    const store = await storeWith(dir, 2);
    await store.close();
    const { logGen } = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { logGen: number };
    expect(logGen).toBeGreaterThan(0);
    await writeFile(join(dir, `state-${logGen - 1}.log`), `${JSON.stringify([['f', 'FR1-0', null]])}\n`);
    const again = await StateStore.open(dir);
    expect(Object.keys(again.state.files)).toEqual(['FR1-0', 'FR1-1']);
    expect(await logsIn(dir)).not.toContain(`state-${logGen - 1}.log`);
    await again.close();
  });

  it('removes a snapshot temp file a crash left, and logs without state.json (deleted to start afresh)', async () => {
    const dir = await tempDir();
    await storeWith(dir, 2); // never closed: its log holds the files
    await writeFile(join(dir, 'state.json.tmp-1-7'), '{"half":');
    await rm(join(dir, 'state.json'));
    const fresh = await StateStore.open(dir);
    expect(fresh.state.files).toEqual({});
    expect((await readdir(dir)).filter((n) => n.startsWith('state.json.tmp-'))).toEqual([]);
    await fresh.close();
    expect(await logsIn(dir)).toEqual([]);
  });

  it('writes the whole state again when a change is not named (changed())', async () => {
    const dir = await tempDir();
    const store = await storeWith(dir, 1);
    store.state.files['FR1-0']!.description = 'unnamed change';
    store.changed();
    await store.flush();
    const snapshot = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    expect(snapshot.files['FR1-0'].description).toBe('unnamed change');
    await store.close();
  });

  it('reads a state.json laid out differently (one line, as an editor or an older emulator writes it)', async () => {
    const dir = await tempDir();
    const state = {
      version: 1,
      urlSecret: 's',
      locks: {},
      records: { R1: { ...record('R1'), fileIds: ['F1'] } },
      files: { F1: file('F1', 'R1') },
    };
    await writeFile(join(dir, 'state.json'), JSON.stringify(state));
    const store = await StateStore.open(dir);
    expect(store.state.files.F1).toEqual(file('F1', 'R1'));
    expect(store.state.records.R1!.fileIds).toEqual(['F1']);
    await store.close();
  });
});

describe('FileOrder (paging /_emulator/files)', () => {
  it('pages in creation order with a cursor that deletions do not shift', () => {
    const order = new FileOrder();
    const files = Array.from({ length: 10 }, (_, i) => file(`F${i}`, 'R'));
    for (const f of files) order.add(f);
    const ids = (p: { files: FileState[] }) => p.files.map((f) => f.fileId);
    const first = order.page(0, 4);
    expect(ids(first)).toEqual(['F0', 'F1', 'F2', 'F3']);
    expect(first.next).toBe(4);
    for (const i of [1, 4, 5, 6, 7, 8]) order.remove(files[i]!); // more than half: swept
    expect(ids(order.page(first.next!, 4))).toEqual(['F9']);
    expect(order.page(first.next!, 4).next).toBeUndefined();
    expect(ids(order.page(0, 2))).toEqual(['F0', 'F2']);
    expect(order.page(0, 2).next).toBe(3);
    expect(ids(order.page(0, 100))).toEqual(['F0', 'F2', 'F3', 'F9']);
  });
});
