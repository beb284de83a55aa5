/**
 * Issue 14: no line over 120 characters in src/, test/, bench/ and scripts/. Biome's formatter
 * wraps code at 120 but leaves long strings, regexes and comments alone; this catches those.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const MAX = 120;
/** Built or generated, not written by hand. */
const SKIP = new Set(['node_modules', 'build', 'results', 'dist']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs|cjs)$/.test(e.name) ? [path] : [];
  });
}

/** "file:line (n characters)" for each line longer than `max` characters (not bytes). */
function longLines(path: string, text: string, max = MAX): string[] {
  return text.split('\n').flatMap((line, i) => {
    const length = [...line].length;
    return length > max ? [`${path}:${i + 1} (${length} characters)`] : [];
  });
}

describe('line length', () => {
  it('counts characters, not bytes, and names the file and line', () => {
    expect(longLines('a.ts', `${'é'.repeat(120)}\nok\n${'x'.repeat(121)}`)).toEqual(['a.ts:3 (121 characters)']);
  });

  it(`no line in src/, test/, bench/ or scripts/ is over ${MAX} characters`, () => {
    const files = ['src', 'test', 'bench', 'scripts'].flatMap((dir) => sourceFiles(join(ROOT, dir)));
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) => longLines(relative(ROOT, file), readFileSync(file, 'utf8')));
    expect(found).toEqual([]);
  });
});
