import { UserInputError } from '../util/user-input-error.js';

/** A path named on the command line cannot be scanned at all; the message says why and what to do. */
export class ScanRootError extends UserInputError {
  override readonly name = 'ScanRootError';
  constructor(
    readonly root: string,
    message: string,
  ) {
    super(message);
  }
}

/** A filter option is unusable (bad glob, missing --exclude-from file); the message names it and the fix. */
export class ScanFilterError extends UserInputError {
  override readonly name = 'ScanFilterError';
  constructor(message: string) {
    super(message);
  }
}

/** The errno codes that mean "this entry cannot be read now", which a walk reports and steps over. */
export const UNREADABLE_CODES = new Set(['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'ELOOP', 'EIO', 'ESTALE']);

/** The `code` of a Node system error, or undefined. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}
