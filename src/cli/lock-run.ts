import { openApiSession } from './api-session.js';
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
  if (required && lockId === undefined) throw new UsageError('name the lock: --lock-id ID or KOODRIVE_LOCK_ID (the id `koodrive-backup lock create` printed)');
  return lockId;
}

export type LockAction = 'create' | 'renew' | 'release';

/**
 * `lock create|renew|release`, for scripts that group several commands under one lock. create
 * prints only the lock id on stdout (LOCK=$(koodrive-backup lock create)).
 */
export function runLockCommand(action: LockAction, flags: Record<string, unknown>, io: CliIo): Promise<number> {
  return runReporting(io, flags, async () => {
    const lockId = action === 'create' ? undefined : lockIdOf(flags, io, true);
    const session = await openApiSession(flags, io);
    try {
      const { client } = session;
      const json = flags.json === true;
      if (action === 'create') {
        const created = await client.createLock();
        io.stdout.write(json ? `${JSON.stringify({ lockId: created })}\n` : `${created}\n`);
        if (!json && flags.quiet !== true && io.stderr.isTTY) {
          io.stderr.write('lock held for 10 minutes: renew it with `lock renew --lock-id ID`, free it with `lock release --lock-id ID`\n');
        }
        return EXIT.OK;
      }
      client.setLock(lockId);
      if (action === 'renew') await client.renewLock();
      else await client.releaseLock();
      const done = action === 'renew' ? 'renewed' : 'released';
      if (json) io.stdout.write(`${JSON.stringify({ lockId, [done]: true })}\n`);
      else if (flags.quiet !== true) io.stdout.write(`${done} lock ${lockId}\n`);
      return EXIT.OK;
    } finally {
      await session.close();
    }
  });
}
