import { isatty } from 'node:tty';
import { Command, CommanderError } from 'commander';
import { registerUploadCommand } from './commands/upload.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerVerifyCommand } from './commands/verify.js';
import { registerRestoreCommand } from './commands/restore.js';
import { registerRecordsCommand } from './commands/records.js';
import { registerLockCommand } from './commands/lock.js';
import { registerConfigCommand } from './commands/config.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { VERSION } from './version.js';

/** Builds the program; commands set io.exitCode. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('koodrive-backup')
    .description('Resumable, verifiable backups to Huawei Cloud KooDrive')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();
  registerUploadCommand(program, io);
  registerVerifyCommand(program, io);
  registerRestoreCommand(program, io);
  registerRecordsCommand(program, io);
  registerLockCommand(program, io);
  registerConfigCommand(program, io);
  registerEmulatorCommand(program);
  // rclone and restic users type `version`; it says the same as --version.
  program
    .command('version')
    .description('print the version')
    .action(() => {
      io.stdout.write(`${VERSION}\n`);
    });
  program.addHelpText(
    'after',
    `
Examples:
  $ koodrive-backup upload ./docs --emulator     back up ./docs to a local emulator
  $ koodrive-backup upload /srv --dry-run --json  print the requests a backup would send
  $ koodrive-backup emulator --port 8088 --data ./emu --token T --user-id U

Docs: README.md and docs/ (configuration, exit codes, JSON events, cron, CI, emulator).`,
  );
  return program;
}

/** A reader that went away (`| head`) must not crash a backup: later writes are dropped. */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}

async function main(): Promise<void> {
  ignoreClosedPipes();
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: { isTTY: isatty(0) }, env: process.env, cwd: process.cwd(), exitCode: 0 };
  const program = buildProgram(io);
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage mistakes exit with the usage code (commander printed the line).
      process.exitCode = err.exitCode === 0 ? 0 : EXIT.USAGE;
      return;
    }
    process.stderr.write(`koodrive-backup: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.FAILURE;
    return;
  }
  process.exitCode = io.exitCode;
}

await main();
