import { describe, expect, it } from 'vitest';
import {
  compareTrees,
  pathsToHash,
  serverPath,
  STATUS_TEXT,
  type LocalEntry,
  type ServerEntry,
  type VerifyStatus,
} from '../../src/verify/compare.js';

const H = (c: string) => c.repeat(64);

function server(
  description: string | undefined,
  size: number,
  sha: string,
  fileName = description?.split('/').pop() ?? 'x',
): ServerEntry {
  return {
    fileId: `F-${fileName}-${size}-${sha.slice(0, 2)}`,
    fileName,
    size,
    sha256: sha,
    ...(description === undefined ? {} : { description }),
  };
}

function statuses(result: ReturnType<typeof compareTrees>): Record<string, VerifyStatus> {
  return Object.fromEntries(result.items.map((i) => [i.path, i.status]));
}

describe('serverPath', () => {
  it.each([
    ['docs/a.txt', 'a.txt', 'docs/a.txt'],
    ['docs\\win\\a.txt', 'a.txt', 'docs\\win\\a.txt'], // a backslash is part of a POSIX name, never a separator
    ['/docs//a.txt', 'a.txt', 'docs/a.txt'],
    [undefined, 'legacy.txt', 'legacy.txt'],
    ['', 'empty-description.txt', 'empty-description.txt'],
  ])('description %j, fileName %j → %j', (description, fileName, expected) => {
    expect(serverPath(server(description, 1, H('a'), fileName))).toBe(expected);
  });
});

describe('pathsToHash', () => {
  it('names only local files with a same-size file on the server', () => {
    const local: LocalEntry[] = [
      { relPath: 'same.txt', size: 5 },
      { relPath: 'bigger.txt', size: 9 },
      { relPath: 'new.txt', size: 5 },
      { relPath: 'dup.txt', size: 3 },
    ];
    const remote = [
      server('same.txt', 5, H('a')),
      server('bigger.txt', 8, H('b')),
      server('dup.txt', 7, H('c')),
      server('dup.txt', 3, H('d')),
    ];
    expect(pathsToHash(local, remote)).toEqual(['same.txt', 'dup.txt']);
  });

  it('keys by the POSIX form of the local path: "/" separates, "\\" does not', () => {
    expect(pathsToHash([{ relPath: 'sub//x.bin', size: 1 }], [server('sub/x.bin', 1, H('e'))])).toEqual(['sub/x.bin']);
    expect(pathsToHash([{ relPath: 'sub\\x.bin', size: 1 }], [server('sub/x.bin', 1, H('e'))])).toEqual([]);
  });
});

describe('compareTrees', () => {
  const cases: Array<{
    name: string;
    local: LocalEntry[];
    remote: ServerEntry[];
    hashes: Record<string, string>;
    expected: Record<string, VerifyStatus>;
    identical: boolean;
  }> = [
    { name: 'both empty', local: [], remote: [], hashes: {}, expected: {}, identical: true },
    {
      name: 'identical',
      local: [
        { relPath: 'a', size: 1 },
        { relPath: 'd/b', size: 0 },
      ],
      remote: [server('a', 1, H('a')), server('d/b', 0, H('e'))],
      hashes: { a: H('a'), 'd/b': H('e') },
      expected: { a: 'ok', 'd/b': 'ok' },
      identical: true,
    },
    {
      name: 'upper-case server hash still matches',
      local: [{ relPath: 'a', size: 1 }],
      remote: [server('a', 1, H('A'))],
      hashes: { a: H('a') },
      expected: { a: 'ok' },
      identical: true,
    },
    {
      name: 'local only → missing on server',
      local: [{ relPath: 'new', size: 4 }],
      remote: [],
      hashes: {},
      expected: { new: 'missing' },
      identical: false,
    },
    {
      name: 'server only → extra on server',
      local: [],
      remote: [server('gone', 4, H('a'))],
      hashes: {},
      expected: { gone: 'extra' },
      identical: false,
    },
    {
      name: 'size differs (no hash needed)',
      local: [{ relPath: 'a', size: 2 }],
      remote: [server('a', 1, H('a'))],
      hashes: {},
      expected: { a: 'size-differs' },
      identical: false,
    },
    {
      name: 'content differs',
      local: [{ relPath: 'a', size: 1 }],
      remote: [server('a', 1, H('a'))],
      hashes: { a: H('b') },
      expected: { a: 'content-differs' },
      identical: false,
    },
    {
      name: 'a duplicate on the server: ok when any copy matches',
      local: [{ relPath: 'a', size: 1 }],
      remote: [server('a', 1, H('a')), server('a', 1, H('b'), 'a_20251218_093235')],
      hashes: { a: H('a') },
      expected: { a: 'ok' },
      identical: true,
    },
    {
      name: 'a duplicate of another size does not hide a content match',
      local: [{ relPath: 'a', size: 1 }],
      remote: [server('a', 1, H('a')), server('a', 7, H('c'))],
      hashes: { a: H('a') },
      expected: { a: 'ok' },
      identical: true,
    },
    {
      name: 'legacy entry without description matches by fileName',
      local: [{ relPath: 'top.txt', size: 3 }],
      remote: [server(undefined, 3, H('f'), 'top.txt')],
      hashes: { 'top.txt': H('f') },
      expected: { 'top.txt': 'ok' },
      identical: true,
    },
    {
      name: 'every status at once',
      local: [
        { relPath: 'ok', size: 1 },
        { relPath: 'new', size: 1 },
        { relPath: 'grown', size: 5 },
        { relPath: 'edited', size: 2 },
      ],
      remote: [
        server('ok', 1, H('a')),
        server('grown', 4, H('b')),
        server('edited', 2, H('c')),
        server('removed', 9, H('d')),
      ],
      hashes: { ok: H('a'), edited: H('9') },
      expected: { ok: 'ok', new: 'missing', grown: 'size-differs', edited: 'content-differs', removed: 'extra' },
      identical: false,
    },
  ];

  it.each(cases)('$name', ({ local, remote, hashes, expected, identical }) => {
    const result = compareTrees(local, remote, new Map(Object.entries(hashes)));
    expect(statuses(result)).toEqual(expected);
    expect(result.identical).toBe(identical);
    const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
    expect(total).toBe(result.items.length);
  });

  it('sorts by path and counts each status', () => {
    const result = compareTrees(
      [
        { relPath: 'b/z', size: 1 },
        { relPath: 'a', size: 1 },
      ],
      [server('c', 1, H('a')), server('a', 1, H('a'))],
      new Map([['a', H('a')]]),
    );
    expect(result.items.map((i) => i.path)).toEqual(['a', 'b/z', 'c']);
    expect(result.counts).toEqual({ ok: 1, missing: 1, extra: 1, 'size-differs': 0, 'content-differs': 0 });
  });

  it('carries both sides for a difference so a report can show them', () => {
    const [item] = compareTrees([{ relPath: 'a', size: 1 }], [server('a', 1, H('a'))], new Map([['a', H('b')]])).items;
    expect(item).toEqual({
      path: 'a',
      status: 'content-differs',
      local: { size: 1, sha256: H('b') },
      server: { fileId: 'F-a-1-aa', fileName: 'a', size: 1, sha256: H('a') },
    });
  });

  it('reports a duplicate path on the server once, against its latest copy', () => {
    const result = compareTrees([], [server('x', 1, H('a'), 'x'), server('x', 2, H('b'), 'x_2')], new Map());
    expect(result.items).toHaveLength(1);
    expect(result.items[0]!.server!.fileName).toBe('x_2');
  });

  it('refuses to decide without a hash it needs', () => {
    expect(() => compareTrees([{ relPath: 'a', size: 1 }], [server('a', 1, H('a'))], new Map())).toThrow(
      /no local SHA-256 for a/,
    );
  });

  it('refuses a local tree that names a path twice', () => {
    expect(() =>
      compareTrees(
        [
          { relPath: 'a/b', size: 1 },
          { relPath: 'a//b', size: 1 },
        ],
        [],
        new Map(),
      ),
    ).toThrow(/names a\/b twice/);
  });

  it('has words for every status', () => {
    expect(Object.keys(STATUS_TEXT).sort()).toEqual(['content-differs', 'extra', 'missing', 'ok', 'size-differs']);
    expect(STATUS_TEXT.missing).toBe('missing on server');
  });
});
