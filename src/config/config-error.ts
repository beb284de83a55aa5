import { UserInputError } from '../util/user-input-error.js';

/** A configuration value is missing or wrong; the one-line message names the key, its source and the fix. */
export class ConfigError extends UserInputError {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** The key at fault, when there is one. */
    readonly key?: string,
    /** Where the value came from: a file path, an env var name, a --flag. */
    readonly source?: string,
  ) {
    super(message);
  }
}
