import { isAbsolute, relative, resolve } from 'node:path';
import { LockLostError } from '../backup/lock-keeper.js';
import { RecordCompletedError } from '../backup/open-record.js';
import type { BackupRunResult } from '../backup/run-backup.js';
import { StateFolderBusyError } from '../backup/state-lock.js';
import { KooDriveError } from '../koodrive/koodrive-error.js';
import { UserInputError } from '../util/user-input-error.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { InterruptedError } from './interrupts.js';

/** A lock a running upload of this machine holds, which `lock release` will not break without --force. */
export class LockInUseError extends Error {
  override readonly name = 'LockInUseError';
}

/** The one place that turns an error into an exit code and a one-line message. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof UserInputError) return EXIT.USAGE;
  if (err instanceof LockInUseError) return EXIT.LOCK_BUSY;
  if (err instanceof LockLostError) return EXIT.LOCK_LOST;
  if (err instanceof RecordCompletedError) return EXIT.CONFLICT;
  if (err instanceof StateFolderBusyError) return EXIT.LOCK_BUSY;
  if (err instanceof KooDriveError) {
    switch (err.kind) {
      case 'auth':
      case 'clock':
        return EXIT.AUTH;
      case 'lock-busy':
        return EXIT.LOCK_BUSY;
      case 'lock-lost':
        return EXIT.LOCK_LOST;
      case 'conflict':
        return EXIT.CONFLICT;
      default:
        return EXIT.FAILURE;
    }
  }
  return EXIT.FAILURE;
}

/** The exit code of a run the user stopped: Ctrl-C and SIGTERM differ, so scripts can tell. */
export function exitCodeOfSignal(signal: NodeJS.Signals): ExitCode {
  return signal === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED;
}

/** A finished upload's exit code: stopped, then partial, then conflict, else OK (docs/exit-codes.md). */
export function exitCodeOfRun(result: BackupRunResult, signal: NodeJS.Signals | undefined): ExitCode {
  if (signal || result.stopped instanceof InterruptedError) return exitCodeOfSignal(signal ?? 'SIGINT');
  if (result.stopped) return exitCodeOf(result.stopped);
  if (result.totals.failed > 0) return EXIT.PARTIAL;
  if (result.totals.conflict > 0) return EXIT.CONFLICT;
  return EXIT.OK;
}

/** A Node.js system error (fs, net): "ENOTDIR: not a directory, mkdir '/x/y'". */
interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
}

function isSystemError(err: unknown): err is SystemError {
  return (
    err instanceof Error &&
    typeof (err as SystemError).code === 'string' &&
    typeof (err as SystemError).path === 'string'
  );
}

// Node's messages name the code and the syscall but not the fix; these say what to do.
const SYSTEM_ADVICE: Record<string, string> = {
  ENOENT: 'it does not exist; check the path',
  ENOTDIR: 'part of the path is a file, not a folder; check the path',
  EISDIR: 'it is a folder, a file was expected; check the path',
  EACCES: 'permission denied; check its permissions or choose another path',
  EPERM: 'not permitted; check its permissions or choose another path',
  EROFS: 'the filesystem is read-only; choose another path',
  ENOSPC: 'the disk is full; free some space',
  EDQUOT: 'the disk quota is used up; free some space',
  EEXIST: 'it already exists; remove it or choose another path',
};

const SYSCALL_VERB: Record<string, string> = {
  mkdir: 'create folder',
  open: 'open',
  rename: 'replace',
  unlink: 'remove',
  write: 'write',
  scandir: 'read folder',
  stat: 'read',
  lstat: 'read',
};

// The state folder (journal, device id, lock notes) full, read-only or not ours: what fixes it.
const STATE_ADVICE: Record<string, string> = {
  ENOSPC:
    'the disk is full; free space there, or set --state-dir (KOODRIVE_STATE_DIR) to a folder on a disk ' +
    'with room, then run the same command again to resume',
  EDQUOT:
    'the disk quota is used up; free space there, or set --state-dir (KOODRIVE_STATE_DIR) to a folder on a ' +
    'disk with room, then run the same command again to resume',
  EROFS:
    'the filesystem is read-only; set --state-dir (KOODRIVE_STATE_DIR) to a writable folder, e.g. ' +
    '~/.local/state/koodrive-backup',
  EACCES:
    'permission denied; make the state folder writable by this user (chown/chmod), or set --state-dir ' +
    '(KOODRIVE_STATE_DIR) to a folder of your own',
  EPERM:
    'not permitted; make the state folder writable by this user (chown/chmod), or set --state-dir ' +
    '(KOODRIVE_STATE_DIR) to a folder of your own',
};

let stateFolder: string | undefined;

/** Names the run's state folder, so that a failure to write in it says how to fix that folder. */
export function setStateFolder(dir: string | undefined): void {
  stateFolder = dir === undefined ? undefined : resolve(dir);
}

function inStateFolder(path: string): boolean {
  if (!stateFolder) return false;
  const rel = relative(stateFolder, resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function describeSystemError(err: SystemError): string {
  const verb = (err.syscall && SYSCALL_VERB[err.syscall]) ?? err.syscall ?? 'use';
  const stateAdvice = STATE_ADVICE[err.code];
  if (stateAdvice && err.path !== undefined && inStateFolder(err.path)) {
    return (
      `cannot ${verb} ${err.path} in the state folder ${stateFolder} (journal, device id, lock notes): ` +
      `${stateAdvice} (${err.code})`
    );
  }
  const advice = SYSTEM_ADVICE[err.code] ?? 'check the path';
  // The folders the CLI creates itself are the state dir and what lies under it: name the knob.
  const stateHint = err.syscall === 'mkdir' ? '; the state folder is set by --state-dir or KOODRIVE_STATE_DIR' : '';
  return `cannot ${verb} ${err.path}: ${advice} (${err.code})${stateHint}`;
}

/** One line: what went wrong and what to do. */
export function describeError(err: unknown): string {
  if (isSystemError(err)) return describeSystemError(err);
  if (err instanceof Error) return (err.message.split('\n')[0] ?? '').trim() || err.name;
  return String(err);
}

/** True when an error (or one it wraps) says a file is not there: ENOENT, also as text from a worker. */
function isMissingFile(err: unknown): boolean {
  for (
    let e: unknown = err, depth = 0;
    e instanceof Error && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || /\bENOENT\b|no such file or directory/.test(e.message))
      return true;
  }
  return false;
}

/**
 * describeError for one file of a run. A file the scan listed and that is gone when it is read
 * was deleted or moved while the run lasted: say so, instead of Node's "ENOENT: no such file".
 */
export function describeFileError(err: unknown): string {
  if (isMissingFile(err))
    return (
      'the file vanished during the run (deleted or moved after the scan), so it is not in this backup; ' +
      'nothing to do if that was meant, else put it back and run again'
    );
  return describeError(err);
}
