import type { Command } from 'commander';
import { givenFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import type { LockAction } from '../lock-run.js';
import { addApiOptions } from './api-options.js';

const ACTIONS: ReadonlyArray<[LockAction, string]> = [
  ['create', 'take the backup lock (valid 10 minutes) and print its id, alone, on stdout'],
  ['renew', "reset the lock's validity to 10 minutes"],
  ['release', 'release the lock so other runs can start (without an id: the one this machine holds, as restic unlock)'],
  ['status', 'show the backup lock this machine holds, as noted in the state folder'],
];

/** Adds `lock create|renew|release`, for scripts that run several commands under one lock. */
export function registerLockCommand(program: Command, io: CliIo): void {
  const lock = program.command('lock').description('take, renew and release the backup lock (for scripts)');
  const examples = `
Examples:
  $ LOCK=$(koodrive-backup lock create)
  $ koodrive-backup lock renew --lock-id "$LOCK"
  $ KOODRIVE_LOCK_ID="$LOCK" koodrive-backup upload /srv/data   uses the script's lock, leaves it held
  $ KOODRIVE_LOCK_ID="$LOCK" koodrive-backup lock release
  $ koodrive-backup lock status          the lock this machine holds (a lost id), then: lock release

Exit codes: 0 done, 6 another run holds the lock (create; release of a running upload's lock
without --force), 7 the lock is unknown or expired.`;
  lock.addHelpText('after', examples);
  for (const [action, description] of ACTIONS) {
    const cmd = lock.command(action).description(description);
    if (action === 'renew') cmd.option('--lock-id <id>', 'the lock (env KOODRIVE_LOCK_ID)');
    if (action === 'release') {
      cmd.option('--lock-id <id>', 'the lock (env KOODRIVE_LOCK_ID; default: the one noted in the state folder)');
      cmd.option('--force', 'release the noted lock even when the upload that holds it still runs');
    }
    addApiOptions(cmd);
    cmd.addHelpText('after', examples);
    cmd.action(async (_opts: unknown, self: Command) => {
      io.exitCode = await (await import('../lock-run.js')).runLockCommand(action, givenFlags(self), io);
    });
  }
}
