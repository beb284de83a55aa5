/** Every filter through the built CLI: `upload r --dry-run --json` plans exactly the files kept. */
import { mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { events, plannedPaths, Sandbox, writeTree } from './cli-unattended-harness.js';

const CACHE_TAG = 'Signature: 8a477f597d28d172789f06886806bc55\n# a cache folder\n';

/** The tree under r/, with every file's content (so sizes are known). */
const TREE: Record<string, string> = {
  'a.txt': 'a\n',
  'a.tmp': 'temp\n',
  'keep.log': 'root log\n',
  'top.ts': 'export {};\n',
  'docs/x.md': '# x\n',
  'docs/y.txt': 'y\n',
  'sub/docs/z.md': '# z\n',
  'sub/docs/w.txt': 'w\n',
  'sub/deep/k.ts': 'export const k = 1;\n',
  'src/main.ts': 'main();\n',
  'src/lib/util.ts': 'util();\n',
  'cache/CACHEDIR.TAG': CACHE_TAG,
  'cache/c.bin': 'cached\n',
  'fakecache/CACHEDIR.TAG': 'Signature: not the right one\n',
  'fakecache/f.bin': 'not a cache\n',
  'nob/.nobackup': 'x',
  'nob/n.txt': 'no backup\n',
  'ign/.koodriveignore': '# gitignore syntax\n*.log\n!important.log\n/local/\n',
  'ign/a.log': 'ignored\n',
  'ign/important.log': 're-included\n',
  'ign/local/l.txt': 'anchored away\n',
  'ign/sub/local/m.txt': 'not anchored here\n',
  'ign/b.txt': 'kept\n',
  'sizes/one': '1',
  'sizes/hundred': 'h'.repeat(100),
  'sizes/big': 'b'.repeat(10 * 1024),
};

/** What the .koodriveignore alone leaves out; every run sees it. */
const IGNORED = ['ign/a.log', 'ign/local/l.txt'];
const ALL = Object.keys(TREE)
  .filter((p) => !IGNORED.includes(p))
  .sort();

const box = new Sandbox();
let home: string;

beforeAll(async () => {
  home = await box.dir();
  await writeTree(join(home, 'r'), TREE);
  await writeFile(join(home, 'excludes.txt'), '# exclude list\n\n*.md\n/src/   \n');
});
afterAll(() => box.cleanup());

/** An environment with a state folder of its own. */
const envFor = () => box.env(home, { KOODRIVE_STATE_DIR: join(home, `state-${Math.random().toString(36).slice(2)}`) });

async function planned(...flags: string[]): Promise<string[]> {
  const result = await box.run(['upload', 'r', '--emulator', '--dry-run', '--json', ...flags], {
    cwd: home,
    env: envFor(),
  });
  expect(result.stderr).toBe('');
  expect(result.code, result.stderr).toBe(EXIT.OK);
  const files = plannedPaths(result.stdout);
  // the summary counts the planned files (it lists only the files that need attention)
  const summary = events(result.stdout).find((e) => e.type === 'summary')!;
  expect(summary.totals).toMatchObject({ files: files.length, plannedFiles: files.length });
  expect(summary.files).toEqual([]);
  return files;
}

const without = (...drop: string[]) => ALL.filter((p) => !drop.includes(p));

describe('filters through the CLI (dry run plans exactly the kept files)', () => {
  it(
    'with no flags keeps everything but what .koodriveignore leaves out (gitignore rules, ! re-include, / ' +
      'anchoring)',
    async () => {
      expect(await planned()).toEqual(ALL);
    },
  );

  it(
    '--exclude: a name at any depth, a leading / anchored to the root, ** across folders, a trailing / for ' +
      'folders',
    async () => {
      // "/docs/" leaves sub/docs alone; "/sub/**/*.md" reaches into sub/docs
      expect(await planned('--exclude', '*.tmp', '--exclude', '/docs/', '--exclude', '/sub/**/*.md')).toEqual(
        without('a.tmp', 'docs/x.md', 'docs/y.txt', 'sub/docs/z.md'),
      );
      expect(await planned('--exclude', 'docs/')).toEqual(
        without('docs/x.md', 'docs/y.txt', 'sub/docs/z.md', 'sub/docs/w.txt'),
      );
    },
  );

  it('--include: a leading / anchors, ** crosses folders, excludes win over includes', async () => {
    expect(await planned('--include', '/*.ts', '--include', '**/docs/*.md')).toEqual([
      'docs/x.md',
      'sub/docs/z.md',
      'top.ts',
    ]);
    expect(await planned('--include', '/src/**/*.ts', '--exclude', '/src/main.ts')).toEqual(['src/lib/util.ts']);
  });

  it('--exclude-from FILE: one glob a line, # comments and blank lines skipped, trailing spaces trimmed', async () => {
    expect(await planned('--exclude-from', 'excludes.txt')).toEqual(
      without('docs/x.md', 'sub/docs/z.md', 'src/main.ts', 'src/lib/util.ts'),
    );
    const missing = await box.run(['upload', 'r', '--emulator', '--dry-run', '--exclude-from', 'nope.txt'], {
      cwd: home,
      env: envFor(),
    });
    expect(missing.code, missing.stderr).toBe(EXIT.USAGE);
    expect(missing.stderr).toMatch(/nope\.txt/);
  });

  it('--exclude-if-present NAME and --exclude-caches (only a valid CACHEDIR.TAG)', async () => {
    expect(await planned('--exclude-if-present', '.nobackup', '--exclude-caches')).toEqual(
      without('nob/.nobackup', 'nob/n.txt', 'cache/CACHEDIR.TAG', 'cache/c.bin'),
    );
  });

  it('--max-size / --min-size keep files of exactly the bound', async () => {
    const size = (p: string) => Buffer.byteLength(TREE[p]!);
    const kept = await planned('--max-size', '100B', '--min-size', '2');
    expect(kept).toEqual(ALL.filter((p) => size(p) >= 2 && size(p) <= 100));
    expect(kept).toContain('sizes/hundred');
    expect(kept).not.toContain('sizes/one');
  });

  it('--one-file-system does not follow a link into another filesystem', async (ctx) => {
    // /dev/shm is a tmpfs on Linux; skip where it is missing or on the same device as the temp folder.
    const other = await mkdtemp('/dev/shm/kd-ofs-').catch(() => undefined);
    if (!other) return ctx.skip();
    try {
      if ((await stat(other)).dev === (await stat(home)).dev) return ctx.skip();
      const root = join(home, 'ofs');
      await writeTree(root, { 'here.txt': 'here\n' });
      await writeFile(join(other, 'there.txt'), 'there\n');
      await symlink(other, join(root, 'shm'));
      const run = async (...flags: string[]) => {
        const r = await box.run(['upload', 'ofs', '--emulator', '--dry-run', '--json', '--follow-symlinks', ...flags], {
          cwd: home,
          env: envFor(),
        });
        expect(r.code, r.stderr).toBe(EXIT.OK);
        return plannedPaths(r.stdout);
      };
      expect(await run()).toEqual(['here.txt', 'shm/there.txt']);
      expect(await run('--one-file-system')).toEqual(['here.txt']);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('--explain-filters PATH…: one line per path with the rule that decided', async () => {
    const env = envFor();
    const flags = [
      '--exclude',
      '*.tmp',
      '--exclude-caches',
      '--exclude-if-present',
      '.nobackup',
      '--max-size',
      '100B',
      '--include',
      '*.txt',
      '--include',
      '*.log',
      '--include',
      'sizes/',
    ];
    const asked = [
      'r/a.tmp',
      'r/a.txt',
      'r/cache/c.bin',
      'r/nob/n.txt',
      'r/ign/a.log',
      'r/ign/important.log',
      'r/sizes/big',
      'r/top.ts',
      'r/missing.txt',
      'elsewhere/x.txt',
    ];
    const result = await box.run(['upload', 'r', ...flags, '--explain-filters', ...asked], { cwd: home, env });
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(EXIT.OK);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      'drop  r/a.tmp  (exclude "*.tmp")',
      'keep  r/a.txt  (include "*.txt")',
      'drop  r/cache/c.bin  (exclude-caches (valid CACHEDIR.TAG), on folder cache)',
      'drop  r/nob/n.txt  (exclude-if-present ".nobackup", on folder nob)',
      expect.stringMatching(/^drop {2}r\/ign\/a\.log {2}\(.*koodriveignore "\*\.log"\)$/),
      'keep  r/ign/important.log  (include "*.log")',
      'drop  r/sizes/big  (max-size 100 B (file is 10.0 KiB))',
      'drop  r/top.ts  (no include pattern matched)',
      'keep  r/missing.txt  (include "*.txt" (path not found; judged by its name as a file))',
      'drop  elsewhere/x.txt  (outside every backup root)',
    ]);
    // --json: one object per path
    const json = await box.run(['upload', 'r', ...flags, '--json', '--explain-filters', 'r/a.tmp', 'r/a.txt'], {
      cwd: home,
      env,
    });
    expect(events(json.stdout)).toEqual([
      { path: 'r/a.tmp', kept: false, rule: 'exclude "*.tmp"' },
      { path: 'r/a.txt', kept: true, rule: 'include "*.txt"' },
    ]);
  });

  it('--explain-filters with no path lists every entry; its "keep" lines are exactly what a run plans', async () => {
    const env = envFor();
    const flags = ['--exclude', '/docs/', '--exclude-caches', '--include', '*.ts', '--include', '*.md'];
    const result = await box.run(['upload', 'r', ...flags, '--explain-filters', '--json'], { cwd: home, env });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const lines = events(result.stdout) as Array<{ path: string; kept: boolean; rule: string }>;
    const kept = lines
      .filter((l) => l.kept)
      .map((l) => l.path.replace(/^r\//, ''))
      .sort();
    expect(kept).toEqual(await planned(...flags));
    expect(lines).toContainEqual({ path: 'r/top.ts', kept: true, rule: 'include "*.ts"' });
    expect(lines).toContainEqual({ path: 'r/docs', kept: false, rule: 'exclude "/docs/"' });
    expect(lines).toContainEqual({ path: 'r/cache', kept: false, rule: 'exclude-caches (valid CACHEDIR.TAG)' });
    expect(lines).toContainEqual({ path: 'r/a.txt', kept: false, rule: 'no include pattern matched' });
  });
});
