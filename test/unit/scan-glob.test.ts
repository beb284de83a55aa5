import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../src/scan/glob-rule.js';
import { parsePatternLines } from '../../src/scan/pattern-file.js';
import { ScanFilterError } from '../../src/scan/scan-errors.js';

// [pattern, relPath, isDir, expected]
const cases: [string, string, boolean, boolean][] = [
  // no "/": the base name at any depth
  ['*.tmp', 'a.tmp', false, true],
  ['*.tmp', 'x/y/a.tmp', false, true],
  ['*.tmp', 'a.tmp.txt', false, false],
  ['*.tmp', 'dir.tmp', true, true],
  ['*', '.hidden', false, true],
  ['node_modules', 'a/node_modules', true, true],
  ['node_modules', 'a/node_modules_old', true, false],
  // leading "/": anchored to the root
  ['/a.tmp', 'a.tmp', false, true],
  ['/a.tmp', 'x/a.tmp', false, false],
  ['/docs/*', 'docs/img', true, true],
  ['/docs/*', 'docs/img/logo.png', false, false],
  // "/" inside, not leading: trailing whole path elements
  ['docs/*.md', 'docs/guide.md', false, true],
  ['docs/*.md', 'site/docs/guide.md', false, true],
  ['docs/*.md', 'mydocs/guide.md', false, false],
  ['docs/*.md', 'docs/sub/guide.md', false, false],
  // "**" crosses folders, "*" does not
  ['/src/**/*.ts', 'src/main.ts', false, true],
  ['/src/**/*.ts', 'src/lib/deep/util.ts', false, true],
  ['/src/*.ts', 'src/lib/util.ts', false, false],
  // trailing "/": folders only
  ['build/', 'build', true, true],
  ['build/', 'build', false, false],
  ['build/', 'x/build', true, true],
  // case-sensitive, braces and classes
  ['*.jpg', 'b.JPG', false, false],
  ['*.{jpg,png}', 'p/a.png', false, true],
  ['file[0-9].txt', 'file7.txt', false, true],
  // unicode and spaces
  ['é *.txt', 'dir/é z.txt', false, true],
];

describe('compileGlob (rclone/restic semantics)', () => {
  it.each(cases)('%s vs %s (dir=%s) → %s', (pattern, relPath, isDir, expected) => {
    expect(compileGlob(pattern, 'exclude').matches(relPath, isDir)).toBe(expected);
  });

  it.each(['', '/', '//'])('refuses the empty pattern %j with a fix', (pattern) => {
    expect(() => compileGlob(pattern, 'exclude')).toThrow(ScanFilterError);
    expect(() => compileGlob(pattern, 'exclude')).toThrow(/matches nothing; write a name or glob/);
  });
});

describe('parsePatternLines (--exclude-from)', () => {
  it('skips blanks and comments, trims line ends, and names file:line in the origin', () => {
    const rules = parsePatternLines('# caches\n\n*.tmp\r\n  # indented comment\nbuild/   \n', 'list.txt');
    expect(rules.map((r) => [r.pattern, r.origin, r.dirOnly])).toEqual([
      ['*.tmp', 'exclude-from list.txt:3', false],
      ['build/', 'exclude-from list.txt:5', true],
    ]);
  });
});
