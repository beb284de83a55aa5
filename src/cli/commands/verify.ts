import type { Command } from 'commander';
import { givenFlags } from '../flags.js';
import { addFilterOptions } from './filter-options.js';
import type { CliIo } from '../io.js';
import { addApiOptions } from './api-options.js';

/** Adds `verify <path> --record-id ID`. */
export function registerVerifyCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('verify')
    .description('compare local files and folders with the files of a backup record (by path, size and SHA-256)')
    .argument('<path...>', 'the files or folders that were backed up (the same paths as for upload)')
    .requiredOption('--record-id <id>', 'the backup record to compare with (see records list)')
    .option('--deep', "download the server's bytes and hash them instead of trusting the listed SHA-256")
    .option('--container-id <id>', 'the space holding the files, for --deep (default: the one the record names)');
  addFilterOptions(cmd, 'compare');
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
  $ koodrive-backup verify /x/data /y/data --record-id "$RECORD" --deep      several roots; hash the server's bytes

Exit codes: 0 identical, 8 differences found (missing on server, extra on server, size differs,
content differs), 2 usage, 3 auth, 1 other failure.`,
  );
  cmd.action(async (paths: string[], _opts: unknown, self: Command) => {
    io.exitCode = await (await import('../verify-run.js')).runVerifyCommand(paths, givenFlags(self), io);
  });
}
