/** The pure parts of restore and records: path guard, restore plan, manifest lines, root prefixes, prune policy. */
import { describe, expect, it } from 'vitest';
import { decidePrune, keepFrom, parseKeepWithin } from '../../src/backup/prune-policy.js';
import { entryLine, headerLine, ManifestError, parseEntry, parseHeader } from '../../src/manifest/manifest-format.js';
import { localNameProblem, MANIFEST_DESCRIPTION, toDescription } from '../../src/names/file-name.js';
import { destinationOf, safeRelativePath, UnsafePathError } from '../../src/restore/path-guard.js';
import { nameFromFileName, planRestore } from '../../src/restore/restore-plan.js';
import { distinctRoots, rootPrefixes } from '../../src/scan/root-prefixes.js';

const SHA = 'a'.repeat(64);

describe('path guard', () => {
  it.each([
    ['a/b.txt', 'a/b.txt'],
    ['a//b/./c', 'a/b/c'],
    ['we\\ird.txt', 'we\\ird.txt'],
    ['..a/b..', '..a/b..'],
    ['é/日本語.txt', 'é/日本語.txt'],
  ])('accepts %j as %j', (given, want) => expect(safeRelativePath(given)).toBe(want));

  it.each([
    ['/etc/passwd', 'it is absolute'],
    ['../x', 'it has a ".." segment'],
    ['a/../../x', 'it has a ".." segment'],
    ['a/..', 'it has a ".." segment'],
    ['..', 'it has a ".." segment'],
    ['a\u0000b', 'it holds a NUL character'],
    ['', 'it names no file'],
    ['./.', 'it names no file'],
  ])('refuses %j: %s', (given, why) => {
    expect(() => safeRelativePath(given)).toThrow(UnsafePathError);
    expect(() => safeRelativePath(given)).toThrow(why);
  });

  it('resolves inside the destination only', () => {
    expect(destinationOf('/d', 'a/b')).toBe('/d/a/b');
    expect(() => destinationOf('/d', '../x')).toThrow(/outside/);
  });
});

describe('restore plan', () => {
  const entry = (description: string | undefined, fileId: string, size = 1) => ({
    fileId,
    fileName: 'n',
    sha256: SHA,
    size,
    ...(description !== undefined ? { description } : {}),
  });

  it('takes paths from descriptions, the last copy of a path, modes and mtimes from the manifest', () => {
    const plan = planRestore(
      [entry('a/x.txt', 'f1'), entry('b.txt', 'f2', 5), entry('a/x.txt', 'f3')],
      [
        { type: 'file', path: 'a/x.txt', size: 1, mtimeMs: 1000, mode: 0o600 },
        // another size: not this content's metadata
        { type: 'file', path: 'b.txt', size: 4, mtimeMs: 2000, mode: 0o644 },
        { type: 'folder', path: 'empty', mode: 0o700, mtimeMs: 3000 },
        { type: 'link', path: 'l', target: '../anywhere' },
      ],
    );
    expect(plan.files).toEqual([
      { path: 'b.txt', fileId: 'f2', sha256: SHA, size: 5 },
      { path: 'a/x.txt', fileId: 'f3', sha256: SHA, size: 1, mode: 0o600, mtimeMs: 1000 },
    ]);
    expect(plan.folders).toEqual([{ path: 'empty', mode: 0o700, mtimeMs: 3000 }]);
    expect(plan.links).toEqual([{ path: 'l', target: '../anywhere' }]);
    expect(plan.refused).toEqual([]);
  });

  it('refuses hostile paths from the listing and from the manifest alike', () => {
    const plan = planRestore(
      [entry('../x', 'f1'), entry('/abs', 'f2')],
      [
        { type: 'folder', path: 'a/../..', mode: 0o755, mtimeMs: 0 },
        { type: 'link', path: '../l', target: 't' },
      ],
    );
    expect(plan.files).toEqual([]);
    expect(plan.folders).toEqual([]);
    expect(plan.links).toEqual([]);
    expect(plan.refused.map((r) => r.serverPath).sort()).toEqual(['../l', '../x', '/abs', 'a/../..']);
  });

  it('falls back to the fileName with the fullwidth mapping undone (but never to a slash)', () => {
    expect(nameFromFileName('we＼ird：＊？＜＞｜＂／.txt')).toBe('we\\ird:*?<>|"／.txt');
    expect(planRestore([entry(undefined, 'f1')], undefined).files[0]!.path).toBe('n');
  });

  it('filters with the upload glob rules, on the path and the folders above it', () => {
    const listing = [entry('img/a.png', '1'), entry('img/raw/b.raw', '2'), entry('doc/c.md', '3')];
    expect(
      planRestore(listing, undefined, { include: ['img/**'], exclude: ['raw/'] }).files.map((f) => f.path),
    ).toEqual(['img/a.png']);
    expect(planRestore(listing, undefined, { include: ['/img'] }).files.map((f) => f.path)).toEqual([
      'img/a.png',
      'img/raw/b.raw',
    ]);
    expect(planRestore(listing, undefined, { exclude: ['*.md'] }).filteredOut).toBe(1);
  });
});

describe('manifest lines', () => {
  it('round-trips each kind of entry and the header', () => {
    const entries = [
      { type: 'file', path: 'a b/é.txt', size: 3, mtimeMs: 1.5, mode: 0o640 },
      { type: 'folder', path: 'd', mode: 0o755, mtimeMs: 7 },
      { type: 'link', path: 'l', target: '/abs/target' },
    ] as const;
    entries.forEach((e, i) => expect(parseEntry(entryLine(e).trimEnd(), i + 2)).toEqual(e));
    expect(headerLine({ roots: [{ path: '/x', prefix: '' }] })).toBe(
      '{"koodriveManifest":1,"roots":[{"path":"/x","prefix":""}]}\n',
    );
    expect(parseHeader('{"koodriveManifest":1,"roots":[{"path":"/x","prefix":"x"}]}').roots).toEqual([
      { path: '/x', prefix: 'x' },
    ]);
  });

  it.each([
    ['{"koodriveManifest":1,"roots":[{"path":1}]}', /no valid roots/],
    ['{"koodriveManifest":2,"roots":[]}', /version 2/],
    ['not json', /not JSON/],
  ])('refuses the header %s', (line, why) => expect(() => parseHeader(line)).toThrow(why));

  it.each([
    '{"f":"a","size":-1,"mtimeMs":0}',
    '{"f":"a","size":1.5,"mtimeMs":0}',
    '{"f":"a","size":1,"mtimeMs":0,"mode":4096}',
    '{"d":"a","mode":"755","mtimeMs":0}',
    '{"l":"a","target":""}',
    '{"x":"a"}',
    '[1]',
  ])('refuses the entry %s', (line) => expect(() => parseEntry(line, 2)).toThrow(ManifestError));
});

describe('names and roots', () => {
  it('splits on "/" only: a backslash stays in the name', () => {
    expect(toDescription('we\\ird.txt')).toBe('we\\ird.txt');
    expect(toDescription('a//b/')).toBe('a/b');
  });

  it('checks the 512-character limit on the final path, and keeps the manifest path for the manifest', () => {
    expect(localNameProblem(`${'d/'.repeat(255)}ab`)).toBeUndefined(); // exactly 512
    expect(localNameProblem(`${'d/'.repeat(255)}abc`)).toMatch(/longer than 512/);
    expect(localNameProblem(MANIFEST_DESCRIPTION)).toMatch(/manifest/);
  });

  it('prefixes several roots by their path below the common folder', () => {
    expect(rootPrefixes(['/only'])).toEqual(['']);
    expect(rootPrefixes(['/x/data', '/y/data'])).toEqual(['x/data', 'y/data']);
    expect(rootPrefixes(['/home/u/docs', '/home/u/src'])).toEqual(['docs', 'src']);
    expect(rootPrefixes(['/a/b/c', '/a/b/d/e'])).toEqual(['c', 'd/e']);
  });

  it('drops a repeated root and refuses a root inside another', () => {
    expect(distinctRoots(['/t', '/t/'])).toEqual(['/t']);
    expect(() => distinctRoots(['/t', '/t/a'])).toThrow(
      'path /t/a is inside /t, which is also backed up; name only /t',
    );
    expect(() => distinctRoots(['/t/a', '/t'])).toThrow('path /t/a is inside /t');
    expect(distinctRoots(['/t', '/tt'])).toEqual(['/t', '/tt']);
  });
});

describe('prune policy (restic semantics)', () => {
  const day = 86_400_000;
  const t0 = Date.UTC(2026, 10, 30, 12);
  const rec = (id: string, daysAgo: number, status = 1, group = 'g') => ({
    recordId: id,
    status,
    createdMs: t0 - daysAgo * day,
    group,
  });

  it('--keep-last N keeps the N newest completed records of each group', () => {
    const d = decidePrune([rec('a', 3), rec('b', 1), rec('c', 2), rec('x', 9, 1, 'other')], { keepLast: 2 });
    expect(d.map((x) => [x.recordId, x.keep])).toEqual([
      ['a', false],
      ['b', true],
      ['c', true],
      ['x', true],
    ]);
    expect(d[1]!.reasons).toEqual(['last 2']);
  });

  it('--keep-within keeps what lies within the span before the newest record, counted by the calendar', () => {
    const d = decidePrune([rec('new', 10), rec('edge', 41), rec('old', 42)], { keepWithin: parseKeepWithin('1m') });
    // The newest is 2026-11-20 12:00 UTC; one calendar month before is 2026-10-20 12:00, exactly 41 days before t0.
    expect(keepFrom(t0 - 10 * day, { years: 0, months: 1, days: 0, hours: 0 })).toBe(Date.UTC(2026, 9, 20, 12));
    expect(d.map((x) => x.keep)).toEqual([true, true, false]);
  });

  it('never removes records that are not completed or have no readable time; rules combine with "or"', () => {
    const d = decidePrune(
      [rec('open', 100, 0), { recordId: 'notime', status: 1, group: 'g' }, rec('a', 1), rec('b', 50)],
      { keepLast: 1, keepWithin: parseKeepWithin('60d') },
    );
    expect(d.map((x) => x.keep)).toEqual([true, true, true, true]);
    expect(d[0]!.reasons).toEqual(['not completed']);
  });

  it.each(['', '5', '1w', '1d2y', '-1d'])('refuses the span %j', (text) =>
    expect(() => parseKeepWithin(text)).toThrow(/not a span/),
  );
});
