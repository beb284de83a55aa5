/** A mistake in how the command was called; exits with EXIT.USAGE. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
