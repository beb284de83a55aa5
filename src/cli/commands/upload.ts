import { type Command, Option } from 'commander';
import { givenFlags } from '../flags.js';
import { addFilterOptions } from './filter-options.js';
import type { CliIo } from '../io.js';

/** Adds the options every command that talks to KooDrive shares. */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--endpoint <url>', 'KooDrive API endpoint (env KOODRIVE_ENDPOINT)')
    .option(
      '--ca-file <pem>',
      "trust the CA certificates in this PEM file besides the system's (env KOODRIVE_CA_FILE; " +
        'NODE_EXTRA_CA_CERTS works too)',
    )
    .option('--token <token>', 'access token for token auth (prefer env KOODRIVE_TOKEN: flags show in ps)')
    .option('--user-id <id>', 'KooDrive user id sent as X-User-Id (env KOODRIVE_USER_ID)')
    .addOption(new Option('--auth <mode>', 'authentication mode').choices(['token', 'app']))
    .option('--app-id <id>', 'AppId for app-signature auth (env KOODRIVE_APP_ID)')
    .option(
      '--app-secret <secret>',
      'AppSecret for app-signature auth (prefer env KOODRIVE_APP_SECRET: flags show in ps)',
    )
    .option('--bare-token', 'send the token without the "Bearer " prefix')
    .addOption(
      new Option('--proof-seed <source>', 'what seeds proofCode').choices([
        'userId',
        'authorization',
        'authorizationBareToken',
      ]),
    )
    .option(
      '--emulator',
      'run against an embedded local KooDrive emulator (without it, used only in a terminal when nothing ' +
        'at all is configured)',
    )
    .option('--config <file>', 'read this config file instead of searching for .koodriverc')
    .option('--state-dir <dir>', 'where the journal and device id live (env KOODRIVE_STATE_DIR)')
    .option('--timeout <duration>', 'per-request timeout, e.g. 60s')
    .option('--retries <n>', 'attempts per call or part before giving up')
    .option('--clock-skew <duration>', 'add this to the local clock for X-Date (e.g. 17m when the machine is behind)')
    .option('--json', 'one JSON event per line on stdout')
    .option('-q, --quiet', 'only errors and the final summary')
    .option('-v, --verbose', 'more detail, and stack traces on errors');
}

export function registerUploadCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('upload')
    .description('back up files and folders to KooDrive (resumable)')
    .argument('<path...>', 'files or folders to back up')
    .option(
      '-n, --dry-run',
      'say which files would be sent (the journal knows the unchanged ones) and print their ' +
        'create-backup-file requests; send nothing',
    )
    .option('--concurrency <n>', 'part uploads in flight (all files together)')
    .option('--file-concurrency <n>', 'files in flight (small files of up to 1 MiB count 1/16 each)')
    .option('--part-size <size>', 'part size, e.g. 8MiB (default: automatic, ≥ 5 MiB)')
    .option('--record-id <id>', 'add to this existing, unfinished backup record')
    .addOption(
      new Option(
        '--on-conflict <policy>',
        'when the name exists: rename (autoRename 2), fail (3), skip-identical (4)',
      ).choices(['rename', 'fail', 'skip-identical']),
    )
    .option('--parent-folder <id>', 'parent folder id (default root)')
    .option('--container-id <id>', 'target space id')
    .option(
      '--explain-filters [path...]',
      'say which rule keeps or drops each path (default: every path under the roots), then exit',
    )
    .option('--no-resume', 'ignore the journal and start afresh')
    .option('--checksum', 're-hash files even when size and mtime match the journal')
    .option('--bwlimit <rate>', 'limit upload bandwidth, e.g. 20MiB/s; a bare number is KiB/s (shared by all parts)')
    .option('--lock-renew-interval <duration>', 'renew the backup lock this often (default 3m; the lock lives 10m)')
    .option('--device-id <id>', 'device id for the backup record (default: one kept in the state folder)')
    .option('--wait-lock <duration>', 'wait this long for a backup lock held by another run (e.g. 10m)')
    .option(
      '--lock-id <id>',
      'use this backup lock, held by a script (`lock create`), and leave it held (env KOODRIVE_LOCK_ID)',
    )
    .option('--report <file>', 'write a JSON report of the run to this file')
    .option('--on-success <cmd>', 'run this shell command after a successful run (summary JSON on stdin)')
    .option('--on-failure <cmd>', 'run this shell command after a failed run (summary JSON on stdin)');
  addFilterOptions(cmd, 'back up');
  cmd.option('--hash-backend <name>', 'SHA-256 engine: auto, native or noble');
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Examples:
  $ koodrive-backup upload ./photos --emulator          try it against a local emulator
  $ KOODRIVE_TOKEN=… koodrive-backup upload /srv/data --exclude '*.tmp' --json
  $ koodrive-backup upload ~/docs --dry-run --json       show the requests, send nothing`,
  );
  cmd.action(async (paths: string[], _opts: unknown, self: Command) => {
    io.exitCode = await (await import('../upload-run.js')).runUploadCommand(paths, givenFlags(self), io);
  });
}
