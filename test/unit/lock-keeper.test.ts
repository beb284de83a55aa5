import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { heldLockFile, heldLockPath } from '../../src/backup/held-lock.js';
import { abandonedUploads, foldJournal } from '../../src/backup/journal.js';
import { LockKeeper, type LockApi } from '../../src/backup/lock-keeper.js';

import { CODES } from '../../src/koodrive/error-codes.js';
import { KooDriveError } from '../../src/koodrive/koodrive-error.js';

/** The server's answer to a lock another run holds. */
class Busy extends KooDriveError {
  constructor() {
    super(
      { code: CODES.LOCK_BUSY, msg: 'busy', httpStatus: 200, call: 'create lock', kind: 'lock-busy', transient: false },
      'busy',
    );
  }
}

/** A lock server in memory: one lock at a time, like the emulator (a real object, not a mock of ours). */
class FakeLockServer implements LockApi {
  held: string | undefined;
  current: string | undefined;
  calls: string[] = [];
  private next = 1;
  async createLock(): Promise<string> {
    this.calls.push('create');
    if (this.held) throw new Busy();
    this.held = `lock-${this.next++}`;
    return this.held;
  }
  async renewLock(): Promise<void> {
    this.calls.push(`renew ${this.current}`);
    if (!this.current || this.current !== this.held) throw new Error('lock not found');
  }
  async releaseLock(): Promise<void> {
    this.calls.push(`release ${this.current}`);
    if (this.current === this.held) this.held = undefined;
  }
  setLock(lockId: string | undefined): void {
    this.current = lockId;
  }
}

const base = { renewEveryMs: 60_000, waitLockMs: 0, lockTtlMs: 600_000 };

describe('held-lock note', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names an orphan only when its process is gone and it was this host', () => {
    dir = mkdtempSync(join(tmpdir(), 'kdb-held-'));
    const path = heldLockPath(dir, { endpoint: 'http://x', userId: 'u' });
    heldLockFile(path, { pid: 111, host: 'h' }).save('L1');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(heldLockFile(path, { pid: 222, host: 'h', isGone: () => true }).orphan()).toBe('L1');
    // alive: never taken
    expect(heldLockFile(path, { pid: 222, host: 'h', isGone: () => false }).orphan()).toBeUndefined();
    // another machine
    expect(heldLockFile(path, { pid: 222, host: 'other', isGone: () => true }).orphan()).toBeUndefined();
    expect(heldLockFile(path, { pid: 111, host: 'h', isGone: () => true }).orphan()).toBeUndefined(); // our own
    writeFileSync(path, '{"lockId":"L'); // torn
    expect(heldLockFile(path, { pid: 222, host: 'h', isGone: () => true }).orphan()).toBeUndefined();
    heldLockFile(path, { pid: 111, host: 'h' }).clear();
    expect(heldLockFile(path, { pid: 222, host: 'h', isGone: () => true }).orphan()).toBeUndefined();
  });

  it('the keeper takes over an orphaned lock, and refuses a busy one that is not ours', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kdb-held-'));
    const path = heldLockPath(dir, { endpoint: 'http://x', userId: 'u' });
    const server = new FakeLockServer();
    const first = await LockKeeper.acquire(server, { ...base, memo: heldLockFile(path, { pid: 1, host: 'h' }) });
    expect(first.lockId).toBe('lock-1'); // the first run is "killed": no release

    let takenOver = 0;
    const second = await LockKeeper.acquire(server, {
      ...base,
      memo: heldLockFile(path, { pid: 2, host: 'h', isGone: () => true }),
      onTakeover: () => takenOver++,
    });
    expect(second.lockId).toBe('lock-1');
    expect(takenOver).toBe(1);
    await second.release();
    expect(server.held).toBeUndefined();

    const third = await LockKeeper.acquire(server, { ...base, memo: heldLockFile(path, { pid: 3, host: 'h' }) });
    const blocked = LockKeeper.acquire(server, {
      ...base,
      memo: heldLockFile(path, { pid: 4, host: 'h', isGone: () => false }),
    });
    await expect(blocked).rejects.toBeInstanceOf(Busy);
    await third.release();
  });
});

describe('abandonedUploads', () => {
  it('lists half-sent files of the record that changed or vanished, and nothing else', () => {
    const plan = {
      sha256: 'a'.repeat(64),
      length: 10,
      partSize: 5 << 20,
      parts: [{ partNumber: 1, partOffset: 0, partSize: 10, hashCtx: [] }],
    };
    const state = foldJournal([
      { t: 'record', recordId: 'r', roots: [] },
      ...['/same', '/changed', '/gone', '/done'].map((absPath) => ({
        t: 'plan' as const,
        absPath,
        size: 10,
        mtimeMs: 1,
        ino: 1,
        seedId: 's',
        plan,
      })),
      ...['/same', '/changed', '/gone', '/done'].map((absPath) => ({
        t: 'created' as const,
        absPath,
        recordId: 'r',
        fileId: `f${absPath}`,
        serverName: 'x',
      })),
      { t: 'done', absPath: '/done', recordId: 'r', fileId: 'f/done', serverName: 'x', outcome: 'uploaded' },
    ]);
    const scanned = [
      { absPath: '/same', size: 10, mtimeMs: 1, ino: 1 },
      { absPath: '/changed', size: 10, mtimeMs: 2, ino: 1 },
      { absPath: '/done', size: 99, mtimeMs: 9, ino: 1 },
    ];
    expect(abandonedUploads(state, 'r', scanned).sort()).toEqual(['/changed', '/gone']);
    expect(abandonedUploads(state, 'other-record', scanned)).toEqual([]);
  });
});
