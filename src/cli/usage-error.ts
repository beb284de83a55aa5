import { UserInputError } from '../util/user-input-error.js';

/** A mistake in how the command was called; exits with EXIT.USAGE. */
export class UsageError extends UserInputError {
  override readonly name = 'UsageError';
}
