import type { Command } from 'commander';
import { givenFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { addApiOptions } from './api-options.js';

/** Adds `records get|complete|list|delete` and `prune`. */
export function registerRecordsCommand(program: Command, io: CliIo): void {
  const records = program.command('records').description('read, list, complete and delete backup records');
  records.addHelpText(
    'after',
    `
Examples:
  $ koodrive-backup records list
  $ koodrive-backup records get 1842862763295184641 --files
  $ koodrive-backup records complete 1842862763295184641
  $ koodrive-backup records delete 1842862763295184641`,
  );

  const get = records
    .command('get')
    .description('show one backup record')
    .argument('<recordId>', 'the record id (upload prints it; see records list)')
    .option('--files', "also list the record's files (sha256, size, path)");
  addApiOptions(get);
  get.addHelpText(
    'after',
    `
Examples:
  $ koodrive-backup records get 1842862763295184641
  $ koodrive-backup records get 1842862763295184641 --files --json | jq '.files | length'`,
  );
  get.action(async (recordId: string, _opts: unknown, self: Command) => {
    io.exitCode = await (await import('../records-run.js')).runRecordsGet(recordId, givenFlags(self), io);
  });

  const complete = records
    .command('complete')
    .description('mark a backup record completed (takes and releases the backup lock, or uses --lock-id)')
    .argument('<recordId>', 'the record id')
    .option('--lock-id <id>', 'use this held lock instead of taking one (env KOODRIVE_LOCK_ID); it stays held');
  addApiOptions(complete);
  complete.addHelpText(
    'after',
    `
Examples:
  $ koodrive-backup records complete 1842862763295184641
  $ LOCK=$(koodrive-backup lock create) && koodrive-backup records complete "$RECORD" --lock-id "$LOCK"

Exit codes: 0 completed, 5 already completed or files still uploading, 6 another run holds the lock.`,
  );
  complete.action(async (recordId: string, _opts: unknown, self: Command) => {
    io.exitCode = await (await import('../records-run.js')).runRecordsComplete(recordId, givenFlags(self), io);
  });

  const list = records
    .command('list')
    .description('list the folder-backup records, oldest first')
    .option('--device-id <id>', 'only the records of this device');
  addApiOptions(list);
  list.addHelpText(
    'after',
    `
Prints one line per record: id, status, creation time, device (one JSON object per line with --json).

Examples:
  $ koodrive-backup records list
  $ koodrive-backup records list --device-id my-laptop --json`,
  );
  list.action(async (_opts: unknown, self: Command) => {
    io.exitCode = await (await import('../records-run.js')).runRecordsList(givenFlags(self), io);
  });

  const del = records
    .command('delete')
    .description('delete a backup record and its files (under the backup lock, or --lock-id)')
    .argument('<recordId>', 'the record id')
    .option('--lock-id <id>', 'use this held lock instead of taking one (env KOODRIVE_LOCK_ID); it stays held');
  addApiOptions(del);
  del.addHelpText(
    'after',
    `
Stored content that another record still refers to is kept by the server.

Examples:
  $ koodrive-backup records delete 1842862763295184641

Exit codes: 0 deleted, 6 a backup run holds the lock, 1 unknown record or other failure.`,
  );
  del.action(async (recordId: string, _opts: unknown, self: Command) => {
    io.exitCode = await (await import('../prune-run.js')).runRecordsDelete(recordId, givenFlags(self), io);
  });

  const prune = program
    .command('prune')
    .description("delete the backup records no keep rule keeps (restic's --keep-last / --keep-within)")
    .option('--keep-last <n>', 'keep the n newest completed records (of each device and set of roots)')
    .option(
      '--keep-within <span>',
      'keep the records made within this span before the newest one, e.g. 30d, 6m (months), 1y, 12h',
    )
    .option('-n, --dry-run', 'say what would be deleted; delete nothing')
    .option('--device-id <id>', "prune this device's records (default: this machine's)")
    .option('--all-devices', 'prune the records of every device (each device kept apart)')
    .option('--lock-id <id>', 'use this held lock instead of taking one (env KOODRIVE_LOCK_ID); it stays held');
  addApiOptions(prune);
  prune.addHelpText(
    'after',
    `
A record any rule keeps is kept; records never completed are always kept (a later run may resume
them; delete one with records delete). Records are grouped by device and backed-up paths, and the
rules apply to each group. Deleting happens under the backup lock, so never during a backup run.

Examples:
  $ koodrive-backup prune --keep-last 7 --dry-run
  $ koodrive-backup prune --keep-last 3 --keep-within 30d

Exit codes: 0 done, 2 no rule given, 6 a backup run holds the lock.`,
  );
  prune.action(async (_opts: unknown, self: Command) => {
    io.exitCode = await (await import('../prune-run.js')).runPrune(givenFlags(self), io);
  });
}
