/**
 * The rest of the life cycle through the built CLI: prune (restic's --keep-last / --keep-within,
 * dry run, under the lock), records delete (content shared with a kept record stays), a restore
 * killed mid-file and run again, and restore memory that does not grow with the file size.
 */
import { open, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PATHS } from '../../src/koodrive/wire-types.js';
import {
  cleanupAll,
  cliEnv,
  inProcessEmulator,
  jsonEvents,
  makeTree,
  MiB,
  patternBytes,
  runCli,
  spawnCli,
  tempDir,
  waitFor,
  type TestEmulator,
} from './cli-harness.js';
import { snapshotTree } from './tree-snapshot.js';
import { concatRegex } from '../support/concat-regex.js';

afterAll(cleanupAll);

const RSS_PRELOAD = join(import.meta.dirname, '../fixtures/report-max-rss.mjs');

async function upload(work: string, env: Record<string, string | undefined>, ...paths: string[]): Promise<string> {
  const r = await runCli(['upload', ...paths, '--json'], { cwd: work, env });
  expect(r.code, r.stderr).toBe(0);
  return String(jsonEvents(r.stdout).find((e) => e.type === 'summary')!.recordId);
}

async function recordIds(work: string, env: Record<string, string | undefined>): Promise<string[]> {
  const r = await runCli(['records', 'list', '--json'], { cwd: work, env });
  expect(r.code, r.stderr).toBe(0);
  return jsonEvents(r.stdout).map((e) => String(e.recordId));
}

describe('prune and records delete', () => {
  let emu: TestEmulator;
  let work: string;
  let env: Record<string, string | undefined>;
  const ids: string[] = [];

  it('prune --dry-run says what would go and deletes nothing; with no rule it refuses (exit 2)', async () => {
    emu = await inProcessEmulator();
    work = await tempDir('kdb-prune-');
    env = cliEnv(emu, join(work, 'state'));
    await makeTree(join(work, 'tree'), { 'shared.bin': patternBytes(300_000, 4), 'v.txt': 'v1\n' });
    ids.push(await upload(work, env, 'tree'));
    await writeFile(join(work, 'tree/v.txt'), 'v2\n');
    ids.push(await upload(work, env, 'tree'));
    await writeFile(join(work, 'tree/v.txt'), 'v3\n');
    ids.push(await upload(work, env, 'tree'));

    const dry = await runCli(['prune', '--keep-last', '1', '-n'], { cwd: work, env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would remove  ${ids[0]}`);
    expect(dry.stdout).toContain(`would remove  ${ids[1]}`);
    expect(dry.stdout).toMatch(new RegExp(`keep\\s+${ids[2]}.*\\(last 1\\)`));
    expect(dry.stdout).toContain('3 records: 1 kept, 2 would be removed (dry run: nothing deleted)');
    expect(await recordIds(work, env)).toEqual(ids);

    const none = await runCli(['prune'], { cwd: work, env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/prune needs a rule/);
  });

  it('records list names the host and the backed-up paths of each record, like restic snapshots', async () => {
    const r = await runCli(['records', 'list'], { cwd: work, env });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.endsWith(`  ${hostname()}  ${join(work, 'tree')}`), line).toBe(true);
  });

  it('prune waits for no one: while a backup holds the lock it exits 6 and deletes nothing', async () => {
    const held = (await emu.call('POST', PATHS.lock, { moduleCode: '100' })).json.data.lockId as string;
    const r = await runCli(['prune', '--keep-last', '1'], { cwd: work, env });
    expect(r.code).toBe(6);
    expect(await recordIds(work, env)).toEqual(ids);
    await emu.call('DELETE', PATHS.lock, undefined, held);
  });

  it('prune keeps unfinished records and the newest; the kept one restores whole (shared content stays)', async () => {
    // An unfinished record of this device: never pruned, a later run may resume it.
    const deviceId = (await readFile(join(work, 'state/device-id'), 'utf8')).trim();
    const lock = (await emu.call('POST', PATHS.lock, { moduleCode: '100' })).json.data.lockId as string;
    const open = (await emu.call('POST', PATHS.record, { moduleCode: '100', deviceId }, lock)).json.data
      .recordId as string;
    await emu.call('DELETE', PATHS.lock, undefined, lock);

    const r = await runCli(['prune', '--keep-last', '1', '--json'], { cwd: work, env });
    expect(r.code, r.stderr).toBe(0);
    const decided = jsonEvents(r.stdout).filter((e) => e.type === 'record');
    expect(decided.find((e) => e.recordId === open)).toMatchObject({ action: 'keep', reasons: ['not completed'] });
    expect(
      decided
        .filter((e) => e.action === 'removed')
        .map((e) => e.recordId)
        .sort(),
    ).toEqual([ids[0], ids[1]].sort());
    expect((await recordIds(work, env)).sort()).toEqual([ids[2]!, open].sort());
    expect(await emu.lockIsFree()).toBe(true);

    const dest = join(work, 'back');
    const restored = await runCli(['restore', ids[2]!, dest], { cwd: work, env });
    expect(restored.code, restored.stderr).toBe(0);
    expect(await snapshotTree(dest, { folderTimes: false })).toEqual(
      await snapshotTree(join(work, 'tree'), { folderTimes: false }),
    );
  });

  it('records delete removes a record and its files; the server drops content no record refers to', async () => {
    for (const id of await recordIds(work, env)) {
      const r = await runCli(['records', 'delete', id], { cwd: work, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`deleted record ${id} and its files\n`);
    }
    expect(await recordIds(work, env)).toEqual([]);
    expect(await readdir(join(emu.dataDir, 'blobs'))).toEqual([]);
    const unknown = await runCli(['records', 'delete', ids[0]!], { cwd: work, env });
    expect(unknown.code).toBe(1);
  });
});

describe('restore resumes and stays small', () => {
  it('a restore killed mid-file is finished by the next run, with no temporary file left', async () => {
    const emu = await inProcessEmulator();
    const work = await tempDir('kdb-resume-');
    const env = cliEnv(emu, join(work, 'state'));
    await makeTree(join(work, 'tree'), { 'big.bin': patternBytes(12 * MiB, 5), 'small.txt': 'small\n' });
    const recordId = await upload(work, env, 'tree');
    const dest = join(work, 'dest');
    // GET 1 is the manifest; the two files' GETs (2 and 3) hang until the kill.
    await emu.setFaults({
      rules: [
        { kind: 'get', nth: 2, stallMs: 20_000 },
        { kind: 'get', nth: 3, stallMs: 20_000 },
      ],
    });
    const first = spawnCli(['restore', recordId, dest, '--concurrency', '2'], { cwd: work, env });
    await waitFor('a temporary file in the destination', async () =>
      (await readdir(dest).catch(() => [] as string[])).some((n) => n.endsWith('.koodrive-restore')),
    );
    first.kill('SIGKILL');
    await first.done;
    await emu.setFaults({});
    const again = await runCli(['restore', recordId, dest, '--json'], { cwd: work, env });
    expect(again.code, again.stderr).toBe(0);
    expect(await snapshotTree(dest, { folderTimes: false })).toEqual(
      await snapshotTree(join(work, 'tree'), { folderTimes: false }),
    );
  });

  it('peak memory does not grow with the size of the file restored (8 MiB vs 160 MiB)', async () => {
    const emu = await inProcessEmulator();
    const work = await tempDir('kdb-rss-');
    const env = cliEnv(emu, join(work, 'state'));
    const peak: number[] = [];
    for (const [i, size] of [8 * MiB, 160 * MiB].entries()) {
      await makeTree(join(work, `t${i}`), { 'f.bin': patternBytes(size, 7 + i) });
      const recordId = await upload(work, env, `t${i}`);
      const rssFile = join(work, `rss-${i}`);
      const r = await runCli(['restore', recordId, join(work, `r${i}`), '--quiet'], {
        cwd: work,
        env: { ...env, KDB_RSS_FILE: rssFile },
        nodeArgs: ['--import', RSS_PRELOAD],
      });
      expect(r.code, r.stderr).toBe(0);
      peak.push(Number(await readFile(rssFile, 'utf8')) / 1024);
    }
    console.log(`restore peak RSS: ${peak.map((p) => p.toFixed(1)).join(' MiB, ')} MiB`);
    // Twenty times the bytes: a whole-file buffer would add ≥ 152 MiB; streaming adds next to
    // nothing. The bound sits halfway, far from both, so a loaded machine's noise cannot cross it.
    expect(peak[1]! - peak[0]!).toBeLessThan(76);
  }, 300_000); // two uploads and restores of up to 160 MiB: generous, a loaded machine is slow, not wrong
});

describe('damaged content on the server', () => {
  it(
    'verify trusts the listing, verify --deep hashes the bytes and finds the damage; restore refuses the ' +
      'damaged file',
    async () => {
      const emu = await inProcessEmulator();
      const work = await tempDir('kdb-damage-');
      const env = cliEnv(emu, join(work, 'state'));
      const content = patternBytes(200_000, 3);
      await makeTree(join(work, 'tree'), { 'keep.txt': 'fine\n', 'hurt.bin': content });
      const recordId = await upload(work, env, 'tree');
      // Flip one byte of the stored copy, behind the server's back.
      const blob = (await emu.files()).find((f) => f.description === 'hurt.bin')!.blobPath!;
      const fd = await open(blob, 'r+');
      await fd.write(Buffer.from([content[1000]! ^ 0xff]), 0, 1, 1000);
      await fd.close();

      const plain = await runCli(['verify', 'tree', '--record-id', recordId], { cwd: work, env });
      expect(plain.code, plain.stdout).toBe(0);
      const deep = await runCli(['verify', 'tree', '--record-id', recordId, '--deep'], { cwd: work, env });
      expect(deep.code, deep.stdout + deep.stderr).toBe(8);
      expect(deep.stdout).toMatch(/^content differs\s+hurt\.bin/m);

      const dest = join(work, 'back');
      const r = await runCli(['restore', recordId, dest], { cwd: work, env });
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(
        concatRegex(
          /hurt\.bin: the downloaded bytes hash to [0-9a-f]{64}, the record lists [0-9a-f]{64}; the /,
          /stored copy is damaged/,
        ),
      );
      expect(await readdir(dest)).toEqual(['keep.txt']); // nothing half-written, no temporary file left
    },
  );
});

describe('what rclone and restic users reach for', () => {
  it('`version` prints what --version prints; `upload -n` is a dry run that sends nothing', async () => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    const v = await runCli(['version']);
    expect(v).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    expect((await runCli(['--version'])).stdout).toBe(v.stdout);
    const emu = await inProcessEmulator();
    const work = await tempDir('kdb-n-');
    await makeTree(join(work, 'tree'), { 'a.txt': 'a\n' });
    const r = await runCli(['upload', 'tree', '-n', '--json'], { cwd: work, env: cliEnv(emu, join(work, 'state')) });
    expect(r.code, r.stderr).toBe(0);
    expect(
      jsonEvents(r.stdout)
        .filter((e) => e.type === 'file:planned')
        .map((e) => e.path),
    ).toEqual(['a.txt']);
    expect((await emu.stats()).requests).toEqual({});
  });
});
