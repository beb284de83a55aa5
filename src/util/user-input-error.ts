/**
 * The base of every error the user fixes in what they gave us (a flag, a path, a filter, a config
 * value, a part size): the command exits with EXIT.USAGE. The subclasses live beside what they
 * check (config/, scan/, hash/, restore/, cli/); this one sits low so none of them imports cli/.
 */
export class UserInputError extends Error {
  override readonly name: string = 'UserInputError';
}
