/**
 * One upload at a time per state folder, enforced by the operating system: the run holds an
 * exclusive flock(2) (LockFileEx on Windows) on `<stateDir>/run.lock` from before it takes the
 * backup lock until it has released it. The kernel drops the lock the instant the process ends —
 * SIGKILL and power loss included — so a rerun after a crash never waits for anything to go stale,
 * and of two reruns started together exactly one gets it: only that one may take over the server
 * lock a dead run left behind (held-lock.ts), so the same files are never sent twice into one record.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { abortableSleep } from '../retry/retry.js';
import type { EventSink } from './events.js';

/** Another live run holds the state folder. */
export class StateFolderBusyError extends Error {
  override readonly name = 'StateFolderBusyError';
}

export interface StateLock {
  /** False when the OS lock is unavailable on this platform (the run goes on without it). */
  readonly exclusive: boolean;
  release(): void;
}

interface NativeLocks {
  tryLock(fd: number): boolean;
}

let native: NativeLocks | null | undefined;

function nativeLocks(): NativeLocks | null {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)('fs-native-extensions') as NativeLocks;
    } catch {
      native = null;
    }
  }
  return native;
}

/** How long a refused run waits for the holder's note when the lock file is still empty. */
const HOLDER_NOTE_GRACE_MS = 100;

/** The lock file of a state folder. */
export function stateLockPath(stateDir: string): string {
  return join(stateDir, 'run.lock');
}

export interface StateLockOptions {
  /** Keep trying this long while another run holds it (--wait-lock); 0 = fail at once. */
  waitMs: number;
  signal?: AbortSignal;
  /** Told before each wait. */
  onWait?(reason: string, delayMs: number): void;
}

/** Takes the state folder's lock, or throws StateFolderBusyError naming the run that holds it. */
export async function lockStateFolder(stateDir: string, opts: StateLockOptions): Promise<StateLock> {
  const locks = nativeLocks();
  if (!locks) return { exclusive: false, release: () => undefined };
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = stateLockPath(stateDir);
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    const fd = openSync(path, 'a+', 0o600);
    let taken = false;
    try {
      taken = locks.tryLock(fd);
    } catch {
      // A file system without locks (some network mounts): go on as before, unguarded.
      closeSync(fd);
      return { exclusive: false, release: () => undefined };
    }
    if (taken) {
      try {
        ftruncateSync(fd, 0);
        writeSync(
          fd,
          `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`,
          0,
        );
      } catch {
        // only a hint for the message of a run that finds the folder busy
      }
      let released = false;
      return {
        exclusive: true,
        release: () => {
          if (released) return;
          released = true;
          closeSync(fd); // closing the descriptor drops the lock
        },
      };
    }
    closeSync(fd);
    let holder = holderOf(path);
    // The holder writes its note just after it takes the lock: a run that looks in between reads
    // an empty file, and a moment later the note.
    if (!holder) {
      await abortableSleep(HOLDER_NOTE_GRACE_MS, opts.signal);
      holder = holderOf(path);
    }
    const now = Date.now();
    if (now >= deadline) {
      throw new StateFolderBusyError(
        `another koodrive-backup ` +
          `upload${holder} is using the state folder ${stateDir}; wait for it to end, or pass --wait-lock ` +
          `10m to wait for it`,
      );
    }
    const wait = Math.min(1000, deadline - now);
    opts.onWait?.(`another upload${holder} is using the state folder`, wait);
    await abortableSleep(wait, opts.signal);
  }
}

function holderOf(path: string): string {
  try {
    const note = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; since?: unknown };
    if (typeof note.pid === 'number')
      return ` (process ${note.pid}${typeof note.since === 'string' ? `, since ${note.since}` : ''})`;
  } catch {
    // written by a run that died mid-write, or not at all
  }
  return '';
}

/**
 * Runs `work` holding the state folder's OS lock: one upload per state folder on this machine, so
 * only one rerun can take over a backup lock a killed run left behind. Waits are `retry` events.
 */
export async function underStateLock<T>(
  stateDir: string,
  opts: { waitMs: number; signal: AbortSignal; emit: EventSink },
  work: () => Promise<T>,
): Promise<T> {
  const lock = await lockStateFolder(stateDir, {
    waitMs: opts.waitMs,
    signal: opts.signal,
    onWait: (reason, delayMs) =>
      opts.emit({ type: 'retry', what: 'take the state folder', attempt: 0, delayMs, reason }),
  });
  if (!lock.exclusive) opts.emit({ type: 'warning', warning: { type: 'state-folder:unlocked', stateDir } });
  try {
    return await work();
  } finally {
    lock.release();
  }
}
