import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHEDIR_SIGNATURE } from '../../src/scan/dir-markers.js';
import { ScanFilterError } from '../../src/scan/scan-errors.js';
import type { ScanOptions } from '../../src/scan/scan-options.js';
import { walk } from '../../src/scan/walk.js';

let tmp: string;
let root: string;

const FILES: Record<string, string> = {
  'README.md': 'readme',
  'notes.txt': 'notes',
  'a.tmp': 'tmp',
  '.hidden': 'h',
  'empty.txt': '',
  'big.bin': 'x'.repeat(2000),
  'docs/guide.md': 'guide',
  'docs/draft.tmp': 'draft',
  'docs/build': 'a file named build',
  'docs/img/logo.png': 'png',
  'src/main.ts': 'main',
  'src/lib/main.ts': 'lib main',
  'src/lib/util.ts': 'util',
  'src/lib/cache/CACHEDIR.TAG': `${CACHEDIR_SIGNATURE}\n# a cache\n`,
  'src/lib/cache/x.bin': 'cached',
  'src/lib/fakecache/CACHEDIR.TAG': 'Signature: not the real one\n',
  'src/lib/fakecache/y.bin': 'kept',
  'build/out.js': 'out',
  'node_modules/pkg/index.js': 'pkg',
  'photos/2024/a.jpg': 'a',
  'photos/2024/b.JPG': 'b',
  'photos/skip/.nobackup': '',
  'photos/skip/c.jpg': 'c',
  'photos/my album/d é.jpg': 'd',
};
const ALL = Object.keys(FILES).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kd-scan-filters-'));
  root = path.join(tmp, 'root');
  for (const [rel, content] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  writeFileSync(path.join(tmp, 'excludes.txt'), '# build output\n\nbuild/\n*.tmp\n  # indented comment\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function kept(opts: ScanOptions): Promise<string[]> {
  const files: string[] = [];
  for await (const item of walk([root], { cwd: tmp, ...opts })) if (item.type === 'file') files.push(item.file.relPath);
  return files;
}
const without = (...drop: string[]) =>
  ALL.filter((f) => !drop.some((d) => (d.endsWith('/') ? f.startsWith(d) : f === d)));

describe('filters: each kind gives the expected kept set', () => {
  const table: [string, ScanOptions, string[]][] = [
    ['no filters', {}, ALL],
    ['exclude base-name glob at any depth', { exclude: ['*.tmp'] }, without('a.tmp', 'docs/draft.tmp')],
    ['exclude anchored to the root', { exclude: ['/main.ts', '/a.tmp'] }, without('a.tmp')],
    ['exclude anchored path', { exclude: ['/src/main.ts'] }, without('src/main.ts')],
    ['exclude folder-only pattern keeps a file of that name', { exclude: ['build/'] }, without('build/')],
    ['exclude a name drops a folder and all below', { exclude: ['node_modules'] }, without('node_modules/')],
    [
      'exclude trailing path elements',
      { exclude: ['lib/main.ts', 'img/logo.png'] },
      without('src/lib/main.ts', 'docs/img/logo.png'),
    ],
    [
      'exclude ** across folders',
      { exclude: ['/src/**/*.ts'] },
      without('src/main.ts', 'src/lib/main.ts', 'src/lib/util.ts'),
    ],
    ['exclude a dotfile with *', { exclude: ['.*'] }, without('.hidden', 'photos/skip/.nobackup')],
    [
      'include by base name (case-sensitive)',
      { include: ['*.jpg'] },
      ['photos/2024/a.jpg', 'photos/my album/d é.jpg', 'photos/skip/c.jpg'],
    ],
    ['include a folder takes all below it', { include: ['photos/'] }, ALL.filter((f) => f.startsWith('photos/'))],
    ['include anchored', { include: ['/README.md', '/docs/*.md'] }, ['README.md', 'docs/guide.md']],
    ['include and exclude together', { include: ['*.md'], exclude: ['docs/'] }, ['README.md']],
    [
      'exclude-from file with comments',
      { excludeFrom: ['excludes.txt'] },
      without('build/', 'a.tmp', 'docs/draft.tmp'),
    ],
    ['exclude-if-present', { excludeIfPresent: ['.nobackup', 'absent-marker'] }, without('photos/skip/')],
    ['exclude-caches needs the real signature', { excludeCaches: true }, without('src/lib/cache/')],
    ['max-size', { maxSize: 1000 }, without('big.bin')],
    ['min-size', { minSize: 1 }, without('empty.txt', 'photos/skip/.nobackup')],
    ['max-size and min-size bounds are inclusive', { maxSize: 2000, minSize: 2000 }, ['big.bin']],
  ];
  it.each(table)('%s', async (_name, opts, expected) => {
    expect(await kept(opts)).toEqual(expected);
  });

  it('reports excluded entries only when asked, with the rule', async () => {
    const notices: string[] = [];
    for await (const item of walk([root], {
      cwd: tmp,
      exclude: ['node_modules', '*.tmp'],
      excludeCaches: true,
      reportExcluded: true,
    })) {
      if (item.type === 'notice') notices.push(`${item.notice.kind} ${item.notice.relPath} | ${item.notice.rule}`);
    }
    expect(notices).toEqual([
      'excluded a.tmp | exclude "*.tmp"',
      'excluded docs/draft.tmp | exclude "*.tmp"',
      'excluded node_modules | exclude "node_modules"',
      'excluded src/lib/cache | exclude-caches (valid CACHEDIR.TAG)',
    ]);
    const silent: string[] = [];
    for await (const item of walk([root], { cwd: tmp, exclude: ['node_modules'] }))
      if (item.type === 'notice') silent.push(item.notice.kind);
    expect(silent).toEqual([]);
  });

  it('throws ScanFilterError for a missing exclude-from file and a bad pattern', async () => {
    await expect(kept({ excludeFrom: ['nope.txt'] })).rejects.toThrow(ScanFilterError);
    await expect(kept({ excludeFrom: ['nope.txt'] })).rejects.toThrow(
      'exclude-from file nope.txt does not exist; check the path given to --exclude-from',
    );
    await expect(kept({ include: ['/'] })).rejects.toThrow('include pattern "/" matches nothing');
  });
});

describe('filters: .koodriveignore files', () => {
  let ig: string;
  beforeAll(() => {
    ig = path.join(tmp, 'ig');
    const spec: Record<string, string> = {
      '.koodriveignore': '# root rules\n*.tmp\nlogs/\n',
      'keep.txt': 'k',
      'a.tmp': 't',
      'logs/x.log': 'l',
      'docs/.koodriveignore': '!draft.tmp\nimg/\n/local.txt\n',
      'docs/draft.tmp': 'd',
      'docs/other.tmp': 'o',
      'docs/local.txt': 'anchored to docs',
      'docs/deeper/local.txt': 'not anchored here',
      'docs/img/p.png': 'p',
      'img/q.png': 'above the docs rules',
      'Logs/y.log': 'case differs',
    };
    for (const [rel, content] of Object.entries(spec)) {
      mkdirSync(path.dirname(path.join(ig, rel)), { recursive: true });
      writeFileSync(path.join(ig, rel), content);
    }
  });

  it('applies rules below their folder, relative to it, deeper files overriding', async () => {
    const files: string[] = [];
    const rules: string[] = [];
    for await (const item of walk([ig], { reportExcluded: true })) {
      if (item.type === 'file') files.push(item.file.relPath);
      else if (item.type === 'notice') rules.push(`${item.notice.relPath} | ${item.notice.rule}`);
    }
    expect(files).toEqual([
      '.koodriveignore',
      'Logs/y.log',
      'docs/.koodriveignore',
      'docs/deeper/local.txt',
      'docs/draft.tmp',
      'img/q.png',
      'keep.txt',
    ]);
    expect(rules).toEqual([
      'a.tmp | .koodriveignore "*.tmp"',
      'docs/img | docs/.koodriveignore "img/"',
      'docs/local.txt | docs/.koodriveignore "/local.txt"',
      'docs/other.tmp | .koodriveignore "*.tmp"',
      'logs | .koodriveignore "logs/"',
    ]);
  });
});

describe('filters: one-file-system', () => {
  it('does not cross into another filesystem (followed link into /dev/shm)', async (ctx) => {
    let shm: string;
    try {
      shm = mkdtempSync('/dev/shm/kd-scan-');
    } catch {
      ctx.skip('/dev/shm is not available');
      return;
    }
    try {
      if (statSync(shm).dev === statSync(tmp).dev) ctx.skip('/dev/shm is on the same filesystem as the temp folder');
      const fs1 = path.join(tmp, 'fs1');
      mkdirSync(fs1);
      writeFileSync(path.join(fs1, 'here.txt'), 'h');
      writeFileSync(path.join(shm, 'there.txt'), 't');
      symlinkSync(shm, path.join(fs1, 'mnt'));
      const files = async (opts: ScanOptions) => {
        const out: string[] = [];
        for await (const item of walk([fs1], { followSymlinks: true, ...opts }))
          if (item.type === 'file') out.push(item.file.relPath);
        return out;
      };
      expect(await files({})).toEqual(['here.txt', 'mnt/there.txt']);
      expect(await files({ oneFileSystem: true })).toEqual(['here.txt']);
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  });
});
