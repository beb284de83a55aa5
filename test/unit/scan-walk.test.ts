import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_FILE_SIZE } from '../../src/hash/part-rules.js';
import { walk } from '../../src/scan/walk.js';
import { ScanRootError } from '../../src/scan/scan-errors.js';
import { isRoot, requireUnprivileged } from '../fixtures/unprivileged.js';
import type { ScanItem, ScanOptions } from '../../src/scan/scan-options.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kd-scan-walk-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes files (string content) and folders (null) under base. */
function tree(base: string, spec: Record<string, string | null>): void {
  for (const [rel, content] of Object.entries(spec)) {
    const abs = path.join(base, rel);
    if (content === null) mkdirSync(abs, { recursive: true });
    else {
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
  }
}

const BUILT_WALK = path.join(import.meta.dirname, '../../dist/scan/walk.js');

/** The walk of `root` (under `cwd`) run by `prefix` (an unprivileged user): its files and notices. */
function walkAs(prefix: string[], cwd: string, root: string): { files: string[]; notices: string[][] } {
  const script = `
    const { walk } = await import(${JSON.stringify(BUILT_WALK)});
    const files = [], notices = [];
    for await (const i of walk([${JSON.stringify(root)}], { cwd: ${JSON.stringify(cwd)} })) {
      if (i.type === 'file') files.push(i.file.relPath);
      if (i.type === 'notice') notices.push([i.notice.kind, i.notice.relPath]);
    }
    console.log(JSON.stringify({ files, notices }));`;
  const out = execFileSync(prefix[0]!, [...prefix.slice(1), process.execPath, '--input-type=module', '-e', script], {
    cwd,
    encoding: 'utf8',
  });
  return JSON.parse(out) as { files: string[]; notices: string[][] };
}

async function collect(roots: string[], opts: ScanOptions = {}) {
  const items: ScanItem[] = [];
  for await (const item of walk(roots, { cwd: tmp, ...opts })) items.push(item);
  const files = items.flatMap((i) => (i.type === 'file' ? [i.file.relPath] : []));
  const notices = items.flatMap((i) => (i.type === 'notice' ? [[i.notice.kind, i.notice.relPath]] : []));
  return { items, files, notices };
}

describe('walk: order, paths and fields', () => {
  it('walks depth-first in UTF-8 byte order of names, with POSIX relative paths', async () => {
    tree(path.join(tmp, 'r'), {
      'b.txt': 'b',
      'a/z.txt': 'z',
      'a/b/c.txt': 'c',
      'A.txt': 'A',
      'é.txt': 'e',
      'e z.txt': 'space',
      empty: '',
      '！.txt': 'fullwidth',
      '😀.txt': 'emoji',
      'nested/deeper/still/leaf.md': 'leaf',
      void: null,
    });
    const { files, notices } = await collect(['r']);
    // UTF-8 puts U+FF01 (EF BC 81) before U+1F600 (F0 9F 98 80); UTF-16 code units would not.
    expect(files).toEqual([
      'A.txt',
      'a/b/c.txt',
      'a/z.txt',
      'b.txt',
      'e z.txt',
      'empty',
      'nested/deeper/still/leaf.md',
      'é.txt',
      '！.txt',
      '😀.txt',
    ]);
    expect(notices).toEqual([]);
  });

  it('fills LocalFile from lstat, keeps the root as given, and takes a file root by its base name', async () => {
    tree(tmp, { 'r/sub/x.bin': '12345', 'single.dat': 'abc' });
    const { items } = await collect(['./r/', 'single.dat']);
    const st = statSync(path.join(tmp, 'r/sub/x.bin'));
    expect(items).toEqual([
      // Two roots: each file stands under its root's path below their common folder (root-prefixes.ts).
      {
        type: 'file',
        file: {
          absPath: path.join(tmp, 'r/sub/x.bin'),
          relPath: 'r/sub/x.bin',
          root: './r/',
          size: 5,
          mtimeMs: st.mtimeMs,
          mode: st.mode & 0o7777,
          dev: st.dev,
          ino: st.ino,
        },
      },
      expect.objectContaining({
        type: 'file',
        file: expect.objectContaining({ relPath: 'single.dat', root: 'single.dat', size: 3 }),
      }),
    ]);
  });

  it('checks every root before yielding anything: a missing root throws ScanRootError', async () => {
    tree(tmp, { 'ok/a.txt': 'a' });
    const seen: ScanItem[] = [];
    const run = async () => {
      for await (const item of walk(['ok', './nope'], { cwd: tmp })) seen.push(item);
    };
    await expect(run()).rejects.toThrow(ScanRootError);
    await expect(run()).rejects.toThrow('path ./nope does not exist; check the spelling');
    expect(seen).toEqual([]);
    await expect(collect([])).rejects.toThrow(/no path given/);
  });

  it('refuses a root that is a FIFO', async (ctx) => {
    if (!hasMkfifo()) ctx.skip('mkfifo is not available');
    execFileSync('mkfifo', [path.join(tmp, 'pipe')]);
    await expect(collect(['pipe'])).rejects.toThrow(
      'path pipe is not a file or folder (it is a FIFO (named pipe)); name a file or folder to back up',
    );
  });
});

describe('walk: symlinks, special and unreadable entries', () => {
  beforeEach(() => {
    tree(tmp, { 'r/target.txt': 't', 'r/dir/inner.txt': 'i', 'outside/o.txt': 'o' });
    symlinkSync('target.txt', path.join(tmp, 'r/link-file'));
    symlinkSync('../outside', path.join(tmp, 'r/link-dir'));
    symlinkSync('missing', path.join(tmp, 'r/broken'));
  });

  it('does not follow symlinks by default and says so', async () => {
    const { files, notices } = await collect(['r']);
    expect(files).toEqual(['dir/inner.txt', 'target.txt']);
    expect(notices).toEqual([
      ['symlink', 'broken'],
      ['symlink', 'link-dir'],
      ['symlink', 'link-file'],
    ]);
  });

  it('follows symlinks when asked, under the link path', async () => {
    const { files, notices, items } = await collect(['r'], { followSymlinks: true });
    expect(files).toEqual(['dir/inner.txt', 'link-dir/o.txt', 'link-file', 'target.txt']);
    expect(notices).toEqual([['symlink', 'broken']]);
    const linked = items.find((i) => i.type === 'file' && i.file.relPath === 'link-file');
    expect(linked?.type === 'file' && linked.file.ino).toBe(statSync(path.join(tmp, 'r/target.txt')).ino);
  });

  it('stops a symlink loop (a link back to an ancestor, and a self link)', async () => {
    symlinkSync('..', path.join(tmp, 'r/dir/up'));
    symlinkSync('self', path.join(tmp, 'r/self'));
    const { files, notices, items } = await collect(['r'], { followSymlinks: true });
    expect(files).toEqual(['dir/inner.txt', 'link-dir/o.txt', 'link-file', 'target.txt']);
    expect(notices).toEqual([
      ['symlink', 'broken'],
      ['symlink', 'dir/up'],
      ['symlink', 'self'],
    ]);
    const loop = items.find((i) => i.type === 'notice' && i.notice.relPath === 'dir/up');
    expect(loop?.type === 'notice' && loop.notice.message).toMatch(/loop/);
  });

  it('skips a FIFO with a special notice', async (ctx) => {
    if (!hasMkfifo()) ctx.skip('mkfifo is not available');
    execFileSync('mkfifo', [path.join(tmp, 'r/dir/pipe')]);
    const { items, files } = await collect(['r']);
    expect(files).toEqual(['dir/inner.txt', 'target.txt']);
    expect(items).toContainEqual({
      type: 'notice',
      notice: {
        path: 'r/dir/pipe',
        relPath: 'dir/pipe',
        kind: 'special',
        message: 'a FIFO (named pipe), skipped: only regular files and folders are backed up',
      },
    });
  });

  it('reports an entry that vanishes mid-walk as unreadable and goes on', async () => {
    tree(tmp, { 'race/a.txt': 'a', 'race/b.txt': 'b', 'race/c/d.txt': 'd', 'race/e.txt': 'e' });
    const files: string[] = [];
    const notices: string[] = [];
    for await (const item of walk(['race'], { cwd: tmp })) {
      if (item.type === 'notice') notices.push(`${item.notice.kind} ${item.notice.path}: ${item.notice.message}`);
      else if (item.type === 'file') {
        files.push(item.file.relPath);
        // The walk has listed the folder but not yet looked at the next entries: take them away.
        if (item.file.relPath === 'a.txt') {
          unlinkSync(path.join(tmp, 'race/b.txt'));
          rmSync(path.join(tmp, 'race/c'), { recursive: true });
        }
      }
    }
    expect(files).toEqual(['a.txt', 'e.txt']);
    expect(notices).toEqual([
      'unreadable race/b.txt: cannot be read (it disappeared during the scan); skipped',
      'unreadable race/c: cannot be read (it disappeared during the scan); skipped',
    ]);
  });

  it('reports a file and a folder without read permission as unreadable', async (ctx) => {
    tree(tmp, { 'perm/open.txt': 'o', 'perm/shut.txt': 's', 'perm/locked/x.txt': 'x' });
    chmodSync(path.join(tmp, 'perm/shut.txt'), 0o000);
    chmodSync(path.join(tmp, 'perm/locked'), 0o000);
    try {
      if (!isRoot) {
        const { files, notices } = await collect(['perm']);
        expect(files).toEqual(['open.txt']);
        expect(notices).toEqual([
          ['unreadable', 'locked'],
          ['unreadable', 'shut.txt'],
        ]);
        return;
      }
      // Root reads anything: walk in a child that cannot (nobody, or root without DAC override),
      // from the build (npm test builds first; CI must have it).
      if (!existsSync(BUILT_WALK)) {
        if (process.env.CI) throw new Error(`${BUILT_WALK} is missing: run npm run build before the tests`);
        return ctx.skip(`${BUILT_WALK} is missing (run npm run build)`);
      }
      const u = requireUnprivileged(BUILT_WALK, (why) => ctx.skip(why));
      if (!u) return;
      chmodSync(tmp, 0o755);
      expect(walkAs(u.prefix, tmp, 'perm')).toEqual({
        files: ['open.txt'],
        notices: [
          ['unreadable', 'locked'],
          ['unreadable', 'shut.txt'],
        ],
      });
    } finally {
      chmodSync(path.join(tmp, 'perm/locked'), 0o755);
    }
  });
});

describe('walk: files KooDrive cannot take', () => {
  it('reports a file over 200 GB as too-large (sparse, no disk used)', async () => {
    tree(tmp, { 'r/huge.img': '', 'r/ok.txt': 'ok' });
    truncateSync(path.join(tmp, 'r/huge.img'), MAX_FILE_SIZE + 1);
    const { files, notices } = await collect(['r']);
    expect(files).toEqual(['ok.txt']);
    expect(notices).toEqual([['too-large', 'huge.img']]);
  });

  it('keeps a file of exactly 200 GB', async () => {
    tree(tmp, { 'r/edge.img': '' });
    truncateSync(path.join(tmp, 'r/edge.img'), MAX_FILE_SIZE);
    expect((await collect(['r'])).files).toEqual(['edge.img']);
  });

  it('reports a name or path that cannot be stored as bad-name', async () => {
    const longName = `${'n'.repeat(251)}`;
    const deep = Array.from({ length: 6 }, (_, i) => `${String(i).repeat(90)}`).join('/');
    tree(tmp, { [`r/${longName}`]: 'x', [`r/${deep}/f.txt`]: 'y', 'r/fine:name?.txt': 'z' });
    const { files, items } = await collect(['r']);
    expect(files).toEqual(['fine:name?.txt']);
    const messages = items.flatMap((i) => (i.type === 'notice' ? [`${i.notice.kind}: ${i.notice.message}`] : []));
    expect(messages).toEqual([
      expect.stringMatching(/^bad-name: path ".*\/f\.txt" is longer than 512 characters.*; rename it or exclude it$/),
      'bad-name: fileName is longer than 250 characters; rename it or exclude it',
    ]);
  });
});

function hasMkfifo(): boolean {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
