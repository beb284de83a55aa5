/**
 * fileName rules of createBackupFile (reference §3.9, §9, X5): not empty, ".", ".."; at most 250
 * characters (13000417 beyond); none of < > | : " * ? / (and \ , the user guide's rule); a space
 * only when the emulator is told to follow the English page.
 */

export const NAME_LIMIT = 250;
export const DESCRIPTION_LIMIT = 512;

const FORBIDDEN = ['<', '>', '|', ':', '"', '*', '?', '/', '\\'];

/** Characters as the reference counts them: Unicode code points, not UTF-16 units. */
export function charCount(text: string): number {
  return Array.from(text).length;
}

export function nameTooLong(name: string): boolean {
  return charCount(name) > NAME_LIMIT;
}

/** Why the name is refused (length aside), or undefined when it is legal. */
export function nameRuleBroken(name: string, forbidSpace: boolean): string | undefined {
  if (name === '') return 'fileName is empty';
  if (name === '.' || name === '..') return `fileName "${name}" is not allowed`;
  for (const ch of name) {
    if (FORBIDDEN.includes(ch)) return `fileName "${name}" contains the forbidden character "${ch}"`;
  }
  if (forbidSpace && name.includes(' ')) return `fileName "${name}" contains a space`;
  return undefined;
}
