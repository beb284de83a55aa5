/**
 * Issue 9 end to end: every record a run completes is a full snapshot of that run. The built CLI
 * backs up a tree three times (first, changed, unchanged) to the emulator under both name scopes;
 * each record lists every file, verifies identical against the tree as it was, and restores to
 * exactly that tree (content, paths, modes, mtimes, links, empty folders), resumably.
 */
import { chmod, cp, mkdir, readdir, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupAll,
  cliEnv,
  inProcessEmulator,
  jsonEvents,
  makeTree,
  MiB,
  patternBytes,
  runCli,
  tempDir,
  type TestEmulator,
} from './cli-harness.js';
import { snapshotTree, type TreeEntry } from './tree-snapshot.js';

afterAll(cleanupAll);

const MANIFEST = '.koodrive-backup/manifest.ndjson';

/** The tree of the first run: unicode folders, forbidden characters, repeated base names, 0 B, 2 parts. */
const FIRST: Record<string, Buffer | string> = {
  'dossier/été/日本語/note.txt': 'bonjour\n',
  'we\\ird:*?.txt': 'forbidden characters in a name\n',
  'we/ird:*?.txt': 'a different file, a folder deeper\n',
  'a/same.txt': 'first same\n',
  'b/same.txt': 'second same, other content\n',
  'c/dup.txt': 'identical twins\n',
  'd/dup.txt': 'identical twins\n',
  'empty.txt': '',
  'big.bin': patternBytes(6 * MiB + 123, 9),
};

interface Run {
  recordId: string;
  tree: TreeEntry[];
  copy: string;
  files: number;
}

async function setUpTree(root: string): Promise<void> {
  await makeTree(root, FIRST);
  await mkdir(join(root, 'void/deeper-void'), { recursive: true });
  await symlink('a/same.txt', join(root, 'link-to-same'));
  await symlink('/nonexistent/target', join(root, 'dangling'));
  await chmod(join(root, 'a/same.txt'), 0o600);
  await chmod(join(root, 'big.bin'), 0o751);
  await chmod(join(root, 'dossier/été'), 0o750);
  await utimes(join(root, 'empty.txt'), new Date('2001-02-03T04:05:06.789Z'), new Date('2001-02-03T04:05:06.789Z'));
  await utimes(join(root, 'void'), new Date('2010-01-01T00:00:00Z'), new Date('2010-01-01T00:00:00Z'));
}

/** The reference's fileName mapping, written out here: forbidden characters → fullwidth twins. */
const serverName = (base: string) =>
  base.replace(
    /[<>|:"*?\\]/g,
    (c) => ({ '<': '＜', '>': '＞', '|': '｜', ':': '：', '"': '＂', '*': '＊', '?': '？', '\\': '＼' })[c]!,
  );

const fileCount = (tree: TreeEntry[]) => tree.filter((e) => e.kind === 'file').length;

describe.each(['record', 'folder'] as const)('records are snapshots (emulator --name-scope %s)', (nameScope) => {
  let emu: TestEmulator;
  let work: string;
  let env: Record<string, string | undefined>;
  const runs: Run[] = [];

  async function backUp(): Promise<Run> {
    const r = await runCli(['upload', 'tree', '--json'], { cwd: work, env });
    expect(r.code, r.stderr).toBe(0);
    const summary = jsonEvents(r.stdout).find((e) => e.type === 'summary')!;
    const copy = join(work, `as-of-run-${runs.length + 1}`);
    await cp(join(work, 'tree'), copy, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    const tree = await snapshotTree(join(work, 'tree'));
    const run = { recordId: String(summary.recordId), tree, copy, files: fileCount(tree) };
    runs.push(run);
    return run;
  }

  it('back up, change (edit, add, delete), back up, back up unchanged: three records', async () => {
    emu = await inProcessEmulator({ nameScope });
    work = await tempDir('kdb-snap-');
    env = cliEnv(emu, join(work, 'state'));
    await setUpTree(join(work, 'tree'));
    await backUp();
    await writeFile(join(work, 'tree/a/same.txt'), 'first same, edited\n');
    await writeFile(join(work, 'tree/new.txt'), 'added later\n');
    await unlink(join(work, 'tree/b/same.txt'));
    await backUp();
    await backUp();
    expect(new Set(runs.map((r) => r.recordId)).size).toBe(3);
    // The stored files a run spilled to disk for finishing its record are gone with the run.
    const left = (await readdir(join(work, 'state'), { recursive: true })).filter((p) => p.endsWith('.stored.tmp'));
    expect(left).toEqual([]);
  });

  it('records get --files lists every file of each run (plus its manifest), and nothing more', async () => {
    for (const run of runs) {
      const r = await runCli(['records', 'get', run.recordId, '--files', '--json'], { cwd: work, env });
      expect(r.code, r.stderr).toBe(0);
      const listed = (JSON.parse(r.stdout) as { files: Array<{ description: string; fileName: string }> }).files;
      const described = listed.map((f) => f.description).sort();
      const expected = [...run.tree.filter((e) => e.kind === 'file').map((e) => e.path), MANIFEST].sort();
      expect(described).toEqual(expected);
      expect(described).toContain('we\\ird:*?.txt'); // a backslash is part of the name, not a separator
      expect(listed.find((f) => f.description === 'we\\ird:*?.txt')!.fileName).toMatch(
        /^we＼ird：＊？(_\d{8}_\d{6}(_\d+)?)?\.txt$/,
      );
    }
  });

  it(
    nameScope === 'record'
      ? 'no run adds a renamed copy of an unchanged file'
      : 'completeness costs at most one renamed copy per file per run',
    async () => {
      const stored = await emu.files();
      for (const run of runs) {
        const mine = stored.filter((f) => f.recordId === run.recordId && f.status === 'complete');
        expect(mine).toHaveLength(run.files + 1);
        if (nameScope === 'record') {
          // Only the second of two same-named files of one run may be renamed, never an unchanged file of an earlier
          // run.
          const baseNames = run.tree.filter((e) => e.kind === 'file').map((e) => e.path.split('/').pop()!);
          const renamed = mine.filter(
            (f) => f.description !== MANIFEST && f.fileName !== serverName(f.description!.split('/').pop()!),
          );
          for (const f of renamed)
            expect(
              baseNames.filter((b) => b === f.description!.split('/').pop()).length,
              f.description,
            ).toBeGreaterThan(1);
        }
      }
    },
  );

  it('verify of each record against the tree as it was says identical, also --deep', async () => {
    for (const run of runs) {
      const r = await runCli(['verify', run.copy, '--record-id', run.recordId], { cwd: work, env });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`${run.files} paths: ${run.files} ok; identical`);
    }
    const deep = await runCli(['verify', runs[0]!.copy, '--record-id', runs[0]!.recordId, '--deep', '--json'], {
      cwd: work,
      env,
    });
    expect(deep.code, deep.stderr).toBe(0);
    expect(jsonEvents(deep.stdout).find((e) => e.type === 'summary')).toMatchObject({ identical: true });
    // The later tree is not the first record: verify says so.
    const differs = await runCli(['verify', runs[2]!.copy, '--record-id', runs[0]!.recordId], { cwd: work, env });
    expect(differs.code).toBe(8);
  });

  it('restoring each record gives exactly the tree of that run; a second restore downloads nothing', async () => {
    for (const [i, run] of runs.entries()) {
      const dest = join(work, `restored-${i + 1}`);
      const r = await runCli(['restore', run.recordId, dest, '--json'], { cwd: work, env });
      expect(r.code, r.stderr).toBe(0);
      expect(await snapshotTree(dest)).toEqual(run.tree);
      const summary = jsonEvents(r.stdout).find((e) => e.type === 'summary')!;
      expect(summary.totals).toMatchObject({ files: run.files, restored: run.files, failed: 0, links: 2 });

      const again = await runCli(['restore', run.recordId, dest, '--json'], { cwd: work, env });
      expect(again.code, again.stderr).toBe(0);
      expect(jsonEvents(again.stdout).find((e) => e.type === 'summary')!.totals).toMatchObject({
        restored: 0,
        unchanged: run.files,
        bytesDownloaded: 0,
      });
      expect(await snapshotTree(dest)).toEqual(run.tree);
    }
  });
});

describe('restore choices', () => {
  let emu: TestEmulator;
  let work: string;
  let env: Record<string, string | undefined>;
  let recordId: string;

  it(
    '--include/--exclude pick paths; a different existing file is kept without --overwrite (exit 4) and ' +
      'replaced with it',
    async () => {
      emu = await inProcessEmulator();
      work = await tempDir('kdb-restore-');
      env = cliEnv(emu, join(work, 'state'));
      await makeTree(join(work, 'tree'), {
        'docs/a.md': 'a\n',
        'docs/b.md': 'b\n',
        'img/x.png': 'png\n',
        'img/raw/y.raw': 'raw\n',
      });
      const up = await runCli(['upload', 'tree', '--json'], { cwd: work, env });
      expect(up.code, up.stderr).toBe(0);
      recordId = String(jsonEvents(up.stdout).find((e) => e.type === 'summary')!.recordId);

      const picked = join(work, 'picked');
      const r = await runCli(['restore', recordId, picked, '--include', 'img/**', '--exclude', 'raw/'], {
        cwd: work,
        env,
      });
      expect(r.code, r.stderr).toBe(0);
      expect((await snapshotTree(picked)).filter((e) => e.kind === 'file').map((e) => e.path)).toEqual(['img/x.png']);

      const dest = join(work, 'dest');
      await makeTree(dest, { 'docs/a.md': 'local edit\n' });
      const kept = await runCli(['restore', recordId, dest], { cwd: work, env });
      expect(kept.code).toBe(4);
      expect(kept.stderr).toMatch(/docs\/a\.md exists in the destination with other content; pass --overwrite/);
      expect((await snapshotTree(dest)).find((e) => e.path === 'docs/a.md')!.sha256).toBe(
        createHash('sha256').update('local edit\n').digest('hex'),
      );
      const replaced = await runCli(['restore', recordId, dest, '--overwrite'], { cwd: work, env });
      expect(replaced.code, replaced.stderr).toBe(0);
      const files = (await snapshotTree(dest)).filter((e) => e.kind === 'file');
      const original = (await snapshotTree(join(work, 'tree'))).filter((e) => e.kind === 'file');
      expect(files.map((f) => [f.path, f.sha256])).toEqual(original.map((f) => [f.path, f.sha256]));
    },
  );

  it('an unknown record fails with one line and exit 1; a bad record id is a usage error', async () => {
    const unknown = await runCli(['restore', '1800000000000000001', join(work, 'x')], { cwd: work, env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    const bad = await runCli(['restore', '../etc', join(work, 'x')], { cwd: work, env });
    expect(bad.code).toBe(2);
  });
});

describe('several roots', () => {
  it('two roots with the same base name are kept apart; verify takes both; restore brings both back', async () => {
    const emu = await inProcessEmulator();
    const work = await tempDir('kdb-roots-');
    const env = cliEnv(emu, join(work, 'state'));
    await makeTree(join(work, 'x/data'), { 'same.txt': 'from x\n' });
    await makeTree(join(work, 'y/data'), { 'same.txt': 'from y\n' });
    const up = await runCli(['upload', 'x/data', 'y/data', '--json'], { cwd: work, env });
    expect(up.code, up.stderr).toBe(0);
    const recordId = String(jsonEvents(up.stdout).find((e) => e.type === 'summary')!.recordId);
    const listed = await runCli(['records', 'get', recordId, '--files', '--json'], { cwd: work, env });
    const descriptions = (JSON.parse(listed.stdout) as { files: Array<{ description: string }> }).files
      .map((f) => f.description)
      .sort();
    expect(descriptions).toEqual([MANIFEST, 'x/data/same.txt', 'y/data/same.txt']);
    const verify = await runCli(['verify', 'x/data', 'y/data', '--record-id', recordId], { cwd: work, env });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain('2 paths: 2 ok; identical');
    const dest = join(work, 'back');
    expect((await runCli(['restore', recordId, dest], { cwd: work, env })).code).toBe(0);
    const restored = (await snapshotTree(dest)).filter((e) => e.kind === 'file').map((e) => e.path);
    expect(restored).toEqual(['x/data/same.txt', 'y/data/same.txt']);
  });

  it('a root inside another is refused before anything is sent (exit 2)', async () => {
    const emu = await inProcessEmulator();
    const work = await tempDir('kdb-roots-');
    await makeTree(join(work, 't/a'), { 'f.txt': 'f\n' });
    const r = await runCli(['upload', 't', 't/a'], { cwd: work, env: cliEnv(emu, join(work, 'state')) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/t\/a is inside .*t, which is also backed up; name only/);
    expect((await emu.stats()).requests['lock.create'] ?? 0).toBe(0);
    await rm(join(work, 't'), { recursive: true });
  });
});
