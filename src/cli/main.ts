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
export function buildProgram(io: CliIo, argv: readonly string[] = process.argv.slice(2)): Command {
  const program = new Command('koodrive-backup')
    .description('Resumable, verifiable backups to Huawei Cloud KooDrive')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // The parser's own mistakes (unknown option, missing argument) in the documented one-line form.
      outputError: (s, write) => write(commanderErrorLine(s, commandPath(program, argv))),
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

/** The (sub)command the arguments name, e.g. "records list", for the --help hint of a parse error. */
export function commandPath(program: Command, argv: readonly string[]): string {
  const names: string[] = [];
  let cmd = program;
  for (const token of argv) {
    if (token.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === token || c.aliases().includes(token));
    if (!sub) break;
    names.push(sub.name());
    cmd = sub;
  }
  return names.join(' ');
}

/**
 * Commander's error text ("error: unknown option '--x'\n(Did you mean --y?)") as the documented
 * line: `koodrive-backup: <what>; <what to do>`. A line already in that form passes unchanged.
 */
export function commanderErrorLine(text: string, command: string): string {
  const raw = text.trim();
  if (raw.startsWith('koodrive-backup: ')) return `${raw}\n`;
  const [first = 'the command line is not valid', ...rest] = raw
    .replace(/^error:\s*/i, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const help = `koodrive-backup${command ? ` ${command}` : ''} --help`;
  const suggestion = rest.join(' ').replace(/^\(Did you mean (.*)\?\)$/i, 'did you mean $1?');
  const choices = /^(.*) is invalid\. Allowed choices are (.*?)\.?$/.exec(first);
  if (choices)
    return `koodrive-backup: ${choices[1]} is not one of the choices; use one of ${choices[2]} (${help} lists them)\n`;
  const what = first.replace(/\.$/, '').replace(/\. /g, ': ');
  return `koodrive-backup: ${what}; ${suggestion ? `${suggestion} See` : 'see'} ${help} for the usage\n`;
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
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: { isTTY: isatty(0) },
    env: process.env,
    cwd: process.cwd(),
    exitCode: 0,
  };
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
