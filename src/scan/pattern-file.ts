import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileGlob, type GlobRule } from './glob-rule.js';
import { errnoCode, ScanFilterError } from './scan-errors.js';

/** Parses the text of an --exclude-from file: one glob a line; blank lines and "#" comments skipped. */
export function parsePatternLines(text: string, displayName: string): GlobRule[] {
  const rules: GlobRule[] = [];
  text.split('\n').forEach((line, index) => {
    // Trailing whitespace (and a CR from Windows editors) is almost never meant to be part of a name.
    const pattern = line.replace(/\s+$/, '');
    if (pattern.trim() === '' || pattern.trimStart().startsWith('#')) return;
    rules.push(compileGlob(pattern, `exclude-from ${displayName}:${index + 1}`));
  });
  return rules;
}

/** Reads an --exclude-from file (small by nature, so read whole) into rules. */
export async function readPatternFile(file: string, cwd: string): Promise<GlobRule[]> {
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8');
  } catch (err) {
    const why =
      errnoCode(err) === 'ENOENT' ? 'does not exist' : `cannot be read (${errnoCode(err) ?? (err as Error).message})`;
    throw new ScanFilterError(`exclude-from file ${file} ${why}; check the path given to --exclude-from`);
  }
  return parsePatternLines(text, file);
}
