import { describeError, exitCodeOf } from './error-report.js';
import type { CliIo } from './io.js';

/** Prints the one-line error (the stack only with --verbose) and returns its exit code. */
export function reportFailure(err: unknown, io: CliIo, verbose: boolean): number {
  io.stderr.write(`koodrive-backup: ${describeError(err)}\n`);
  if (verbose && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return exitCodeOf(err);
}

/** Runs a command body; any error becomes a one-line message and its exit code. */
export async function runReporting(
  io: CliIo,
  flags: Record<string, unknown>,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (err) {
    return reportFailure(err, io, flags.verbose === true);
  }
}
