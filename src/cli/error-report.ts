import { LockLostError } from '../backup/lock-keeper.js';
import { KooDriveError } from '../koodrive/koodrive-error.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { UsageError } from './usage-error.js';

/** The one place that turns an error into an exit code and a one-line message. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof UsageError) return EXIT.USAGE;
  if (err instanceof LockLostError) return EXIT.LOCK_LOST;
  if (err instanceof KooDriveError) {
    switch (err.kind) {
      case 'auth':
      case 'clock':
        return EXIT.AUTH;
      case 'lock-busy':
        return EXIT.LOCK_BUSY;
      case 'lock-lost':
        return EXIT.LOCK_LOST;
      case 'conflict':
        return EXIT.CONFLICT;
      default:
        return EXIT.FAILURE;
    }
  }
  const name = err instanceof Error ? err.name : '';
  if (['ConfigError', 'ScanRootError', 'ScanFilterError', 'PartSizeError'].includes(name)) return EXIT.USAGE;
  return EXIT.FAILURE;
}

/** One line: what went wrong and what to do. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
