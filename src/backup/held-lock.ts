import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A note in the state folder naming the backup lock this machine's run holds. A run that dies
 * without releasing its lock (SIGKILL, power loss, a second Ctrl-C) leaves the note behind; the
 * next run, finding the lock busy, takes that lock over (renewing it proves it is still ours)
 * instead of waiting up to 10 minutes for it to expire. The lock id is not a credential (it only
 * works with the account's own token), but the note is still written 0600.
 */
export interface HeldLockNote {
  lockId: string;
  pid: number;
  host: string;
  takenAt: string;
  /** 'lock create': a script holds it; never taken over by a run, only shown and released by `lock`. */
  by?: 'lock create';
}

/** What the lock keeper needs to remember and take over a lock. */
export interface LockMemo {
  /** The lock id a run of this machine left behind, if its process is gone. */
  orphan(): string | undefined;
  save(lockId: string): void;
  clear(): void;
}

/** Where the note lives for one account on one endpoint. */
export function heldLockPath(stateDir: string, key: { endpoint: string; userId: string }): string {
  const id = createHash('sha256')
    .update(JSON.stringify([key.endpoint, key.userId]))
    .digest('hex')
    .slice(0, 24);
  return join(stateDir, 'locks', `${id}.json`);
}

/** True when `pid` names no running process on this machine. */
export function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A LockMemo backed by the note file at `path`. */
export function heldLockFile(
  path: string,
  opts: { host?: string; pid?: number; isGone?: (pid: number) => boolean } = {},
): LockMemo {
  const host = opts.host ?? hostname();
  const pid = opts.pid ?? process.pid;
  const isGone = opts.isGone ?? processIsGone;
  return {
    orphan() {
      let note: HeldLockNote;
      try {
        note = JSON.parse(readFileSync(path, 'utf8')) as HeldLockNote;
      } catch {
        return undefined; // no note, or a torn one
      }
      if (typeof note?.lockId !== 'string' || !note.lockId || note.host !== host || typeof note.pid !== 'number')
        return undefined;
      if (note.by === 'lock create') return undefined; // a script's lock, held on purpose
      // A live process of that id may be another run using this lock right now: never take it.
      return note.pid !== pid && isGone(note.pid) ? note.lockId : undefined;
    },
    save(lockId) {
      const note: HeldLockNote = { lockId, pid, host, takenAt: new Date().toISOString() };
      const tmp = `${path}.${pid}.tmp`;
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        writeFileSync(tmp, `${JSON.stringify(note)}\n`, { mode: 0o600 });
        renameSync(tmp, path);
      } catch {
        // Only a shortcut for a later run: without the note it waits for the lock to expire.
      }
    },
    clear() {
      try {
        rmSync(path, { force: true });
      } catch {
        // as above
      }
    },
  };
}

/** The note at `path`, if there is a well-formed one. */
export function readHeldLockNote(path: string): HeldLockNote | undefined {
  try {
    const note = JSON.parse(readFileSync(path, 'utf8')) as HeldLockNote;
    return typeof note?.lockId === 'string' && note.lockId && typeof note.pid === 'number' ? note : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a note for a lock `lock create` took for a script (so `lock status` / `lock release` find it). */
export function saveScriptLockNote(path: string, lockId: string): void {
  const note: HeldLockNote = {
    lockId,
    pid: process.pid,
    host: hostname(),
    takenAt: new Date().toISOString(),
    by: 'lock create',
  };
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(`${path}.${process.pid}.tmp`, `${JSON.stringify(note)}\n`, { mode: 0o600 });
    renameSync(`${path}.${process.pid}.tmp`, path);
  } catch {
    // only a convenience for lock status / lock release
  }
}
