import type { Command } from 'commander';
import { collect, givenFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { runVerifyCommand } from '../verify-run.js';
import { addApiOptions } from './api-options.js';

/** Adds `verify <path> --record-id ID`. */
export function registerVerifyCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('verify')
    .description('compare a local folder with the files of a backup record (by path, size and SHA-256)')
    .argument('<path>', 'the file or folder that was backed up')
    .requiredOption('--record-id <id>', 'the backup record to compare with (see records list)')
    .option('--include <glob>', 'compare only matching files (repeatable; same rules as upload)', collect)
    .option('--exclude <glob>', 'leave out matching files or folders (repeatable)', collect)
    .option('--exclude-from <file>', 'read exclude globs from a file (repeatable)', collect)
    .option('--exclude-if-present <name>', 'leave out folders holding a file with this name (repeatable)', collect)
    .option('--exclude-caches', 'leave out folders with a CACHEDIR.TAG')
    .option('--max-size <size>', 'leave out files larger than this')
    .option('--min-size <size>', 'leave out files smaller than this')
    .option('--one-file-system', 'do not cross into other filesystems')
    .option('--follow-symlinks', 'follow symbolic links')
    .option('--hash-workers <n>', 'files hashed at once');
  addApiOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Use the same filters as the upload, or excluded files show as "extra on server".
Prints only the differences (all paths with --verbose) and a summary line.

Examples:
  $ koodrive-backup verify ./photos --record-id 1842862763295184641
  $ koodrive-backup verify /srv/data --record-id "$RECORD" --exclude '*.tmp' --json
  $ koodrive-backup verify ./docs --record-id 1842862763295184641 --emulator   after upload --emulator

Exit codes: 0 identical, 8 differences found (missing on server, extra on server, size differs,
content differs), 2 usage, 3 auth, 1 other failure.`,
  );
  cmd.action(async (path: string, _opts: unknown, self: Command) => {
    io.exitCode = await runVerifyCommand(path, givenFlags(self), io);
  });
}
