import { type Command, Option } from 'commander';
import { givenFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { addConnectionOptions } from './upload.js';

/** Adds `config show` and `config init`. */
export function registerConfigCommand(program: Command, io: CliIo): void {
  const config = program.command('config').description('show the resolved configuration, or write a .koodriverc');
  config.addHelpText(
    'after',
    `
Examples:
  $ koodrive-backup config show
  $ koodrive-backup config init`,
  );

  const show = config
    .command('show')
    .description('print every setting, its value (secrets as ***) and where it came from');
  addConnectionOptions(show);
  show.addHelpText(
    'after',
    `
Sources: default, file:<path>, env:<NAME>, flag:--name (later wins).

Examples:
  $ koodrive-backup config show
  $ KOODRIVE_CONCURRENCY=4 koodrive-backup config show --endpoint http://127.0.0.1:8088
  $ koodrive-backup config show --json | jq -r '.values.endpoint.source'`,
  );
  show.action(async (_opts: unknown, self: Command) => {
    io.exitCode = await (await import('../config-run.js')).runConfigShow(givenFlags(self), io);
  });

  const init = config
    .command('init')
    .description(
      'write a commented .koodriverc with the values given as flags, KOODRIVE_* variables or typed at prompts',
    )
    .argument('[file]', 'the file to write', '.koodriverc')
    .option('--endpoint <url>', 'KooDrive API endpoint')
    .option('--token <token>', 'access token (prefer KOODRIVE_TOKEN or the hidden prompt: flags show in ps)')
    .option('--user-id <id>', 'KooDrive user id')
    .addOption(new Option('--auth <mode>', 'authentication mode').choices(['token', 'app']))
    .option('--app-id <id>', 'AppId for app-signature auth (the AppSecret: KOODRIVE_APP_SECRET or the prompt)')
    .option('--state-dir <dir>', 'where the journal and device id live')
    .option('--force', 'replace an existing file')
    .option('--no-input', 'never prompt (also the case when stdin is not a terminal)')
    .option('-q, --quiet', 'print nothing on success')
    .option('-v, --verbose', 'stack traces on errors');
  init.addHelpText(
    'after',
    `
On a terminal it asks for what is still missing (endpoint, auth, user id, token or AppId/AppSecret);
secrets are read without echo. A file holding a secret is written with mode 0600.

Examples:
  $ koodrive-backup config init
  $ KOODRIVE_TOKEN=… koodrive-backup config init --user-id 1505084218764547200 --no-input
  $ koodrive-backup config init ~/.koodriverc --auth app --app-id my-app --force`,
  );
  init.action(async (file: string, _opts: unknown, self: Command) => {
    io.exitCode = await (await import('../config-run.js')).runConfigInit(file, givenFlags(self), io);
  });
}
