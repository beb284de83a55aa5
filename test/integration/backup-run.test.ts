/**
 * The orchestrator in this process (restic's FileSaver tests): runBackup, backupFile and the lock
 * keeper with the real KooDriveClient against an in-process emulator over loopback HTTP. None of
 * our own modules is faked; assertions are on the RunEvents, the outcomes and what the server stored.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/backup/events.js';
import { backupFile, type FileJobContext } from '../../src/backup/file-job.js';
import { Journal, seedIdOf } from '../../src/backup/journal.js';
import { LockKeeper, LockLostError } from '../../src/backup/lock-keeper.js';
import { partSender } from '../../src/backup/part-sender.js';
import { runBackup, type BackupRunOptions } from '../../src/backup/run-backup.js';
import { planFile } from '../../src/hash/plan-file.js';
import { KooDriveClient } from '../../src/koodrive/client.js';
import { isLockBusy, isLockLost } from '../../src/koodrive/koodrive-error.js';
import { MODULE_FOLDER_BACKUP } from '../../src/koodrive/wire-types.js';
import type { LocalFile } from '../../src/scan/local-file.js';
import { checkRoots, walk } from '../../src/scan/walk.js';
import { Secret } from '../../src/util/secret.js';
import { patternBytes } from '../fixtures/pattern-bytes.js';
import {
  cleanupAll,
  inProcessEmulator,
  makeTree,
  MiB,
  sha256Of,
  tempDir,
  TEST_USER,
  type TestEmulator,
} from './cli-harness.js';

const FAST = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 50, maxTotalMs: 10_000 };
const LOCK = { renewEveryMs: 60_000, waitLockMs: 0, lockTtlMs: 600_000 };

afterEach(cleanupAll);

function clientFor(emu: TestEmulator): KooDriveClient {
  return new KooDriveClient({
    endpoint: emu.url,
    userId: TEST_USER,
    credentials: { mode: 'token', token: new Secret(emu.token) },
    retry: FAST,
    timeoutMs: 10_000,
  });
}

const plan = (file: { absPath: string; size: number }) => planFile(file, { proofSeed: TEST_USER, partSize: 5 * MiB });

/** One runBackup over `root`, collecting its events. */
async function backUp(emu: TestEmulator, root: string, state: string, extra: Partial<BackupRunOptions> = {}) {
  const events: RunEvent[] = [];
  const result = await runBackup(
    {
      roots: [root],
      dryRun: false,
      resume: true,
      checksum: false,
      fileConcurrency: 2,
      partConcurrency: 2,
      request: { onConflict: 'rename' },
      retry: FAST,
      proofSeed: TEST_USER,
      deviceId: 'backup-run-test',
      recordProperties: '{}',
      journalPath: join(state, 'journal.ndjson'),
      lock: LOCK,
      ...extra,
    },
    {
      api: clientFor(emu),
      scan: () => walk([root], { reportTree: true }),
      checkScan: () => checkRoots([root], {}),
      plan,
      sendPart: partSender({ timeoutMs: 10_000 }),
      emit: (e) => events.push(e),
      signal: new AbortController().signal,
      describeError: (err) => (err instanceof Error ? err.message : String(err)),
    },
  );
  const outcomes = Object.fromEntries(
    events.flatMap((e) => (e.type === 'file:done' ? [[e.file.path, e.file.outcome]] : [])),
  );
  return { result, events, outcomes };
}

describe('runBackup against the emulator', () => {
  it('stores every file byte for byte and completes the record; a second run sends nothing', async () => {
    const emu = await inProcessEmulator();
    const root = await tempDir();
    const state = await tempDir();
    const tree = { 'a.txt': 'alpha', 'sub/b.bin': patternBytes(6 * MiB + 7, 3), 'sub/c.txt': '' };
    await makeTree(root, tree);

    const first = await backUp(emu, root, state);
    expect(first.result.stopped).toBeUndefined();
    expect(first.result.recordCompleted).toBe(true);
    expect(first.outcomes).toEqual({ 'a.txt': 'uploaded', 'sub/b.bin': 'uploaded', 'sub/c.txt': 'uploaded' });
    expect(first.events.filter((e) => e.type === 'part:sent' && e.path === 'sub/b.bin')).toHaveLength(2);
    expect(first.result.totals.bytesSent).toBe(5 + 6 * MiB + 7);
    const stored = (await emu.files()).filter(
      (f) => f.recordId === first.result.recordId && f.description !== undefined,
    );
    for (const [rel, content] of Object.entries(tree)) {
      expect(stored.find((f) => f.description === rel)?.sha256).toBe(sha256Of(content));
    }

    const second = await backUp(emu, root, state);
    expect(second.result.recordId).not.toBe(first.result.recordId);
    expect(second.result.totals.bytesSent).toBe(0);
    expect(Object.values(second.outcomes).every((o) => o === 'rapid' || o === 'exist' || o === 'unchanged')).toBe(true);
  });

  it('sends again, with a warning fact, a half-sent upload the server no longer knows', async () => {
    const emu = await inProcessEmulator();
    const root = await tempDir();
    const state = await tempDir();
    await makeTree(root, { 'big.bin': patternBytes(6 * MiB, 9) });
    const journalPath = join(state, 'journal.ndjson');
    // A run that created the file and sent nothing: the journal says "created" under a fileId the
    // server never heard of (as after a purge).
    const api = clientFor(emu);
    const keeper = await LockKeeper.acquire(api, LOCK);
    const record = await api.createRecord({
      moduleCode: MODULE_FOLDER_BACKUP,
      deviceId: 'backup-run-test',
      properties: '{}',
    });
    await keeper.release();
    const absPath = join(root, 'big.bin');
    const journal = Journal.open(journalPath, { fresh: true });
    const file = await localFileOf(root, 'big.bin');
    const filePlan = await plan(file);
    journal.append({ t: 'record', recordId: record.recordId, roots: [root] });
    journal.append({
      t: 'plan',
      absPath,
      size: file.size,
      mtimeMs: file.mtimeMs,
      ino: file.ino,
      seedId: seedIdOf(TEST_USER),
      plan: filePlan,
    });
    journal.append({
      t: 'created',
      absPath,
      recordId: record.recordId,
      fileId: 'no-such-file-id',
      serverName: 'big.bin',
    });
    journal.close({ compact: false });

    const run = await backUp(emu, root, state);
    expect(run.outcomes).toEqual({ 'big.bin': 'uploaded' });
    const warnings = run.events.flatMap((e) => (e.type === 'warning' ? [e.warning] : []));
    expect(warnings).toContainEqual({ type: 'upload:forgotten', path: 'big.bin', during: 'resume' });
    expect(run.result.recordCompleted).toBe(true);
  });
});

/** The LocalFile the scan would give for `rel` under `root`. */
async function localFileOf(root: string, rel: string): Promise<LocalFile> {
  for await (const item of walk([root])) if (item.type === 'file' && item.file.relPath === rel) return item.file;
  throw new Error(`${rel} not found under ${root}`);
}

describe('backupFile against the emulator', () => {
  it('answers a taken name as a conflict outcome (--on-conflict fail), without sending a byte', async () => {
    const emu = await inProcessEmulator();
    const root = await tempDir();
    await makeTree(root, { 'same.txt': 'first' });
    const api = clientFor(emu);
    const keeper = await LockKeeper.acquire(api, LOCK);
    const record = await api.createRecord({
      moduleCode: MODULE_FOLDER_BACKUP,
      deviceId: 'backup-run-test',
      properties: '{}',
    });
    const events: RunEvent[] = [];
    const ctx: FileJobContext = {
      recordId: record.recordId,
      api,
      journal: Journal.readOnly(),
      emit: (e) => events.push(e),
      plan,
      sendPart: partSender({ timeoutMs: 10_000 }),
      partLimit: pLimit(2),
      smallPartLimit: (fn) => fn(),
      retry: FAST,
      request: { onConflict: 'fail' },
      seedId: seedIdOf(TEST_USER),
      checksum: false,
      dryRun: false,
      signal: new AbortController().signal,
    };
    const first = await backupFile(await localFileOf(root, 'same.txt'), ctx);
    expect(first).toMatchObject({ outcome: 'uploaded', bytesSent: 5, serverName: 'same.txt' });

    await writeFile(join(root, 'same.txt'), 'second, other bytes');
    const second = await backupFile(await localFileOf(root, 'same.txt'), { ...ctx, journal: Journal.readOnly() });
    expect(second).toMatchObject({ outcome: 'conflict', bytesSent: 0 });
    expect(second.error).toMatch(/already exists.*--on-conflict rename/);
    await keeper.release();
  });
});

describe('what the journal records of an upload', () => {
  it("a small file's only part is not journalled (sent again after a crash); a big file's parts are", async () => {
    const emu = await inProcessEmulator();
    const root = await tempDir();
    await makeTree(root, { 'small.txt': 'a small file', 'big.bin': patternBytes(6 * MiB + 5, 3) });
    const api = clientFor(emu);
    const keeper = await LockKeeper.acquire(api, LOCK);
    const record = await api.createRecord({
      moduleCode: MODULE_FOLDER_BACKUP,
      deviceId: 'journal-test',
      properties: '{}',
    });
    const path = join(await tempDir(), 'j.ndjson');
    const journal = Journal.open(path);
    journal.append({ t: 'record', recordId: record.recordId, roots: [root] });
    const ctx: FileJobContext = {
      recordId: record.recordId,
      api,
      journal,
      emit: () => undefined,
      plan,
      sendPart: partSender({ timeoutMs: 10_000 }),
      partLimit: pLimit(2),
      smallPartLimit: (fn) => fn(),
      retry: FAST,
      request: { onConflict: 'rename' },
      seedId: seedIdOf(TEST_USER),
      checksum: false,
      dryRun: false,
      signal: new AbortController().signal,
    };
    for (const rel of ['small.txt', 'big.bin'])
      expect(await backupFile(await localFileOf(root, rel), ctx)).toMatchObject({ outcome: 'uploaded' });
    journal.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    const parts = lines.filter((l) => l.includes('"t":"part"')).map((l) => JSON.parse(l) as { absPath: string });
    expect(parts.map((p) => p.absPath)).toEqual([join(root, 'big.bin'), join(root, 'big.bin')]);
    // the small file: its plan with the create's answer, then its done; no line says "part 1 sent"
    const small = lines.filter((l) => l.includes('small.txt')).map((l) => JSON.parse(l) as unknown[]);
    expect(small.map((l) => l.at(-1))).toEqual([0, 'u']);
    await keeper.release();
  });
});

describe('LockKeeper against the emulator', () => {
  it('refuses a busy lock at once, and fires `lost` with the cause when the lock disappears', async () => {
    const emu = await inProcessEmulator();
    const holder = await LockKeeper.acquire(clientFor(emu), { ...LOCK, renewEveryMs: 50 });
    const refused = await LockKeeper.acquire(clientFor(emu), LOCK).catch((err: unknown) => err);
    expect(isLockBusy(refused)).toBe(true);

    // Another client releases the holder's lock: the next renewal finds it gone.
    const other = clientFor(emu);
    other.setLock(holder.lockId);
    await other.releaseLock();
    const lost = await new Promise<unknown>((resolve) =>
      holder.lost.signal.addEventListener('abort', () => resolve(holder.lost.signal.reason)),
    );
    expect(lost).toBeInstanceOf(LockLostError);
    expect(isLockLost((lost as LockLostError).cause)).toBe(true);
    await holder.release().catch(() => undefined);
  });
});
