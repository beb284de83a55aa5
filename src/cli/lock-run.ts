import { hostname } from 'node:os';
import {
  heldLockFile,
  heldLockPath,
  processIsGone,
  readHeldLockNote,
  saveScriptLockNote,
  type HeldLockNote,
} from '../backup/held-lock.js';
import { openApiSession } from './api-session.js';
import { LockInUseError } from './error-report.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { runReporting } from './report-failure.js';
import { UsageError } from './usage-error.js';

/** The lock a command should use: --lock-id, else KOODRIVE_LOCK_ID; a usage error when required and absent. */
export function lockIdOf(flags: Record<string, unknown>, io: CliIo, required: true): string;
export function lockIdOf(flags: Record<string, unknown>, io: CliIo, required: boolean): string | undefined;
export function lockIdOf(flags: Record<string, unknown>, io: CliIo, required: boolean): string | undefined {
  const fromFlag = typeof flags.lockId === 'string' && flags.lockId.trim() !== '' ? flags.lockId.trim() : undefined;
  const fromEnv = io.env.KOODRIVE_LOCK_ID?.trim() || undefined;
  const lockId = fromFlag ?? fromEnv;
  if (required && lockId === undefined)
    throw new UsageError(
      'name the lock: --lock-id ID or KOODRIVE_LOCK_ID (the id `koodrive-backup lock create` printed)',
    );
  return lockId;
}

export type LockAction = 'create' | 'renew' | 'release' | 'status';

/**
 * `lock create|renew|release`, for scripts that group several commands under one lock. create
 * prints only the lock id on stdout (LOCK=$(koodrive-backup lock create)).
 */
export function runLockCommand(action: LockAction, flags: Record<string, unknown>, io: CliIo): Promise<number> {
  return runReporting(io, flags, async () => {
    // release may name no lock: then the one this machine's note names (restic's `unlock`).
    const given = action === 'create' || action === 'status' ? undefined : lockIdOf(flags, io, action === 'renew');
    const session = await openApiSession(flags, io);
    try {
      const { client } = session;
      const json = flags.json === true;
      const notePath = heldLockPath(session.config.stateDir, {
        endpoint: session.target.endpoint,
        userId: session.target.userId,
      });
      const note = readHeldLockNote(notePath);
      if (action === 'status') {
        io.stdout.write(lockStatusText(note, notePath, json));
        return EXIT.OK;
      }
      if (action === 'create') {
        const created = await client.createLock();
        saveScriptLockNote(notePath, created); // so that a lost id can be found (lock status) and freed (lock release)
        io.stdout.write(json ? `${JSON.stringify({ lockId: created })}\n` : `${created}\n`);
        if (!json && flags.quiet !== true && io.stderr.isTTY) {
          io.stderr.write(
            'lock held for 10 minutes: renew it with `lock renew --lock-id ID`, free it with `lock release ' +
              '--lock-id ID` (or `lock release` on this machine)\n',
          );
        }
        return EXIT.OK;
      }
      const lockId = given ?? noteLockFor(note, notePath, flags.force === true);
      client.setLock(lockId);
      if (action === 'renew') await client.renewLock();
      else {
        try {
          await client.releaseLock();
        } finally {
          // Released, or unknown to the server: either way the note no longer names a held lock.
          if (note?.lockId === lockId) heldLockFile(notePath).clear();
        }
      }
      const done = action === 'renew' ? 'renewed' : 'released';
      if (json) io.stdout.write(`${JSON.stringify({ lockId, [done]: true })}\n`);
      else if (flags.quiet !== true) io.stdout.write(`${done} lock ${lockId}\n`);
      return EXIT.OK;
    } finally {
      await session.close();
    }
  });
}

/** Whether the process that holds a noted lock still runs (on this machine; false elsewhere). */
function holderRuns(note: HeldLockNote): boolean {
  return note.by !== 'lock create' && note.host === hostname() && !processIsGone(note.pid);
}

/** `lock status`: the backup lock this machine's state folder notes, if any (it asks the server nothing). */
export function lockStatusText(note: HeldLockNote | undefined, notePath: string, json: boolean): string {
  if (json)
    return (
      JSON.stringify(note ? { ...note, running: holderRuns(note), note: notePath } : { lockId: null, note: notePath }) +
      '\n'
    );
  if (!note)
    return (
      `no backup lock of this machine is noted ` +
      `(${notePath}); upload and lock create note the lock they take there\n`
    );
  const holder =
    note.by === 'lock create'
      ? 'lock create (a script holds it)'
      : `upload process ${note.pid} on ${note.host}, ` +
        `${holderRuns(note) ? 'still running' : 'gone (the next upload takes the lock over)'}`;
  return (
    `lock ${note.lockId}, taken ${note.takenAt} by ${holder}; free it with koodrive-backup lock release (it ` +
    `expires by itself 10 min after its last renewal)\n`
  );
}

/**
 * The lock `lock release` frees when no id is given: the one noted in the state folder. A lock a
 * running upload holds is not broken without --force: that run would stop with "lock lost".
 */
function noteLockFor(note: HeldLockNote | undefined, notePath: string, force: boolean): string {
  if (!note) {
    throw new UsageError(
      `name the lock: --lock-id ID or KOODRIVE_LOCK_ID; no lock of this machine is noted in ` +
        `${notePath} (koodrive-backup lock status shows it)`,
    );
  }
  if (holderRuns(note) && !force) {
    throw new LockInUseError(
      `lock ${note.lockId} is held by upload process ${note.pid}, which is still running; let it finish or ` +
        `stop it (kill ${note.pid}), or pass --force to release the lock anyway (that run then stops with ` +
        `"lock lost")`,
    );
  }
  return note.lockId;
}
