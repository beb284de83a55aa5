import type { Command } from 'commander';
import { collect, givenFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { addApiOptions } from './api-options.js';

/** Adds `restore <recordId> <dest>`. */
export function registerRestoreCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('restore')
    .description('bring back the files of a backup record into a folder (resumable; every file checked by SHA-256)')
    .argument('<recordId>', 'the record to restore (upload prints it; see records list)')
    .argument('<dest>', 'the folder to restore into (created if missing)')
    .option('--include <glob>', 'restore only matching paths (repeatable; same rules as upload)', collect)
    .option('--exclude <glob>', 'leave out matching paths (repeatable)', collect)
    .option('--overwrite', 'replace files in <dest> whose content differs (default: leave them and report)')
    .option('--concurrency <n>', 'downloads in flight')
    .option('--container-id <id>', 'the space holding the files (default: the one the record names)');
  addApiOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Paths come from the record (each file's description); modes, mtimes, empty folders and symbolic
links from its manifest. A path that is absolute or leaves <dest> is refused and reported.
Running it again skips files already restored and correct.

Examples:
  $ koodrive-backup restore 1842862763295184641 ./restored
  $ koodrive-backup restore "$RECORD" /srv/data --include 'photos/**' --overwrite
  $ koodrive-backup restore 1842862763295184641 ./back --emulator    after upload --emulator

Exit codes: 0 every file restored or already in place, 4 some files failed (run again), 2 usage,
3 auth, 130/143 interrupted (run again to resume).`,
  );
  cmd.action(async (recordId: string, dest: string, _opts: unknown, self: Command) => {
    io.exitCode = await (await import('../restore-run.js')).runRestoreCommand(recordId, dest, givenFlags(self), io);
  });
}
