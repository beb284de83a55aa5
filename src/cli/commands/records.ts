import type { Command } from 'commander';
import { givenFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { addApiOptions } from './api-options.js';

/** Adds `records get|complete|list`. */
export function registerRecordsCommand(program: Command, io: CliIo): void {
  const records = program.command('records').description('read, list and complete backup records');
  records.addHelpText(
    'after',
    `
Examples:
  $ koodrive-backup records list
  $ koodrive-backup records get 1842862763295184641 --files
  $ koodrive-backup records complete 1842862763295184641`,
  );

  const get = records
    .command('get')
    .description('show one backup record')
    .argument('<recordId>', 'the record id (upload prints it; see records list)')
    .option('--files', 'also list the record\'s files (sha256, size, path)');
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
}
