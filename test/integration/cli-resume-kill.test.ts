/**
 * Issue 3, requirements 4 and 5: the built CLI is SIGKILLed mid-upload; the rerun takes over the
 * lock the dead run left, resumes the same record, sends only the parts that were not stored, and
 * the result is byte-identical. Then incremental runs: unchanged files are not re-hashed,
 * --checksum re-hashes, changed files are re-planned, --no-resume starts afresh.
 */
import { open, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJournal } from '../../src/backup/journal.js';
import {
  cleanupAll,
  cliEnv,
  inProcessEmulator,
  jsonEvents,
  makeTree,
  MiB,
  patternBytes,
  runCli,
  sha256Of,
  spawnCli,
  storedMismatches,
  tempDir,
  waitFor,
  type EmulatorStatsView,
  type TestEmulator,
} from './cli-harness.js';

const PART = 5 * MiB;
const FIXED_MTIME = 1_700_000_000; // seconds; set explicitly so that an in-place edit can restore it exactly

describe('resume after SIGKILL, and incremental runs', () => {
  let emu: TestEmulator;
  let dir: string;
  let root: string;
  let env: Record<string, string | undefined>;
  const tree: Record<string, Buffer> = {
    'one.bin': patternBytes(11 * MiB + 100, 21),
    'two.bin': patternBytes(12 * MiB + 64, 22),
    'three.bin': patternBytes(13 * MiB - 7, 23),
    'note.txt': Buffer.from('a small file\n'),
  };
  const fileBytes = Object.values(tree).reduce((n, b) => n + b.length, 0);
  const partsOf = (n: number) => Math.max(1, Math.ceil(n / PART));
  const totalParts = Object.values(tree).reduce((n, b) => n + partsOf(b.length), 0);
  const upload = (...extra: string[]) => ['upload', root, '--part-size', '5MiB', '--json', ...extra];

  beforeAll(async () => {
    dir = await tempDir('kdb-resume-');
    root = join(dir, 'tree');
    await makeTree(root, tree);
    for (const rel of Object.keys(tree)) await utimes(join(root, rel), FIXED_MTIME, FIXED_MTIME);
    emu = await inProcessEmulator();
    env = cliEnv(emu, join(dir, 'state'));
  });
  afterAll(cleanupAll);

  /** Bytes of the manifest the run stored in its record, when it was sent (not a rapid upload). */
  async function sentManifestBytes(stdout: string): Promise<number> {
    const recordId = jsonEvents(stdout).find((e) => e.type === 'summary')!.recordId as string;
    const manifest = (await emu.files()).find(
      (f) => f.recordId === recordId && f.description === '.koodrive-backup/manifest.ndjson',
    )!;
    return manifest.rapid ? 0 : manifest.size;
  }

  let killedRecord: string;
  let atKill: EmulatorStatsView;

  it('a SIGKILLed run resumes: no stored part is sent again, the result is byte-identical', async () => {
    // Two parts in flight at 5 MiB/s; PUTs 6 and 7 hang, so the run is surely mid-way when killed.
    await emu.setFaults({
      rules: [
        { kind: 'put', nth: 6, stallMs: 30_000 },
        { kind: 'put', nth: 7, stallMs: 30_000 },
      ],
    });
    const first = spawnCli(upload('--concurrency', '2', '--bwlimit', '5MiB/s'), { env });
    await waitFor(
      'a stored part',
      async () => ((await emu.stats()).putAccepted >= 1 ? true : undefined),
      30_000,
      () => !first.running,
    );
    // A second run of the same backup meanwhile: refused (lock busy), and it must leave the
    // first run's journal alone (the parts journalled from now on count below).
    const second = await runCli(upload(), { env });
    expect(second.code).toBe(6);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    await waitFor(
      'five stored parts and two hanging',
      async () => {
        const s = await emu.stats();
        return s.putAccepted >= 5 && (s.requests.put ?? 0) >= 7 ? true : undefined;
      },
      30_000,
      () => !first.running,
    );
    first.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    // Every part the server stored is in the journal, but for those in flight (two at most).
    const journalDir = join(dir, 'state', 'journals');
    const journal = parseJournal(await readFile(join(journalDir, (await readdir(journalDir))[0]!), 'utf8'));
    atKill = await emu.stats();
    expect(journal.filter((l) => l.t === 'part').length).toBeGreaterThanOrEqual(atKill.putAccepted - 2);
    killedRecord = jsonEvents(killed.stdout).find((e) => e.type === 'run:start')!.recordId as string;
    expect(atKill.putAccepted).toBeLessThan(totalParts);
    expect(await emu.lockIsFree()).toBe(false); // the dead run's lock is still held
    await emu.setFaults({});

    const rerun = await runCli(upload(), { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    const events = jsonEvents(rerun.stdout);
    expect(
      events
        .filter((e) => e.type === 'warn')
        .map((e) => e.message)
        .join('\n'),
    ).toMatch(/took over the backup lock left by an earlier run/);
    expect(events.find((e) => e.type === 'run:start')!.recordId).toBe(killedRecord);
    expect(await storedMismatches(emu, tree)).toEqual([]);

    const after = await emu.stats();
    // Every byte beyond the files' own is from the (at most two) parts in flight when it died.
    expect(after.putBytes).toBeLessThanOrEqual(fileBytes + 2 * PART);
    expect(after.putAccepted).toBeLessThanOrEqual(totalParts + 2);
    const summary = events.find((e) => e.type === 'summary')!;
    // The rerun PUT only the parts the server did not hold (plus those in flight at the kill).
    expect(after.putAccepted - atKill.putAccepted).toBeLessThanOrEqual(totalParts - atKill.putAccepted + 2);
    expect(after.recordsCompleted).toBe(1);
    expect(await emu.lockIsFree()).toBe(true);
    console.log(
      `resume: killed after ${atKill.putAccepted} parts stored (${atKill.putBytes} bytes received); rerun sent ` +
        `${summary.totals.bytesSent}; total putBytes ${after.putBytes} for ${fileBytes} file bytes`,
    );
  }, 60_000);

  it(
    'an unchanged tree is not re-hashed (an in-place edit with the same size and mtime goes unseen); ' +
      '--checksum sees it',
    async () => {
      // Same size, same mtime, same inode, different bytes: only re-hashing can notice.
      const edited = Buffer.from(tree['note.txt']!);
      edited[0] = 'A'.charCodeAt(0);
      const fd = await open(join(root, 'note.txt'), 'r+');
      await fd.write(edited, 0, edited.length, 0);
      await fd.close();
      await utimes(join(root, 'note.txt'), FIXED_MTIME, FIXED_MTIME);

      const before = await emu.stats();
      const plain = await runCli(upload(), { env });
      expect(plain.code, plain.stderr).toBe(0);
      const plainFiles = jsonEvents(plain.stdout)
        .filter((e) => e.type === 'file:done')
        .map((e) => e.file) as Array<Record<string, any>>;
      // The journal's plan was trusted: the old sha256, already stored, so nothing is sent.
      expect(plainFiles.find((f) => f.path === 'note.txt')!.sha256).toBe(sha256Of(tree['note.txt']!));
      expect((await emu.stats()).putBytes).toBe(before.putBytes);

      const checked = await runCli(upload('--checksum'), { env });
      expect(checked.code, checked.stderr).toBe(0);
      const checkedFiles = jsonEvents(checked.stdout)
        .filter((e) => e.type === 'file:done')
        .map((e) => e.file) as Array<Record<string, any>>;
      expect(checkedFiles.find((f) => f.path === 'note.txt')).toMatchObject({
        outcome: 'uploaded',
        sha256: sha256Of(edited),
      });
      expect((await emu.stats()).putBytes).toBe(before.putBytes + edited.length);
      tree['note.txt'] = edited;
      expect(await storedMismatches(emu, tree)).toEqual([]);
    },
  );

  it('a changed file is re-planned and sent; the others are not sent again', async () => {
    const grown = Buffer.concat([tree['one.bin']!, patternBytes(5000, 99)]);
    await writeFile(join(root, 'one.bin'), grown);
    const before = await emu.stats();
    const run = await runCli(upload(), { env });
    expect(run.code, run.stderr).toBe(0);
    const files = jsonEvents(run.stdout)
      .filter((e) => e.type === 'file:done')
      .map((e) => e.file) as Array<Record<string, any>>;
    expect(files.find((f) => f.path === 'one.bin')).toMatchObject({
      outcome: 'uploaded',
      bytesSent: grown.length,
      sha256: sha256Of(grown),
    });
    for (const f of files.filter((x) => x.path !== 'one.bin')) expect(f.bytesSent).toBe(0);
    // The file's bytes, and the record's manifest (one.bin's size and mtime in it changed).
    expect((await emu.stats()).putBytes).toBe(before.putBytes + grown.length + (await sentManifestBytes(run.stdout)));
    tree['one.bin'] = grown;
    expect(await storedMismatches(emu, tree)).toEqual([]);
  });

  it('--no-resume ignores the journal: a fresh record, every file hashed and planned again', async () => {
    const fresh = patternBytes(11 * MiB, 77);
    await writeFile(join(root, 'fresh.bin'), fresh);
    // Part 1 of fresh.bin goes up, part 2 hangs: the run is killed with the file half sent.
    await emu.setFaults({ rules: [{ kind: 'put', nth: 2, stallMs: 30_000 }] });
    const base = await emu.stats();
    const first = spawnCli(upload('--concurrency', '1'), { env });
    await waitFor(
      'part 1 of fresh.bin stored, part 2 hanging',
      async () => {
        const s = await emu.stats();
        return s.putAccepted > base.putAccepted && s.faults.stalls > base.faults.stalls ? true : undefined;
      },
      30_000,
      () => !first.running,
    );
    first.kill('SIGKILL');
    const killed = await first.done;
    const killedAt = jsonEvents(killed.stdout).find((e) => e.type === 'run:start')!.recordId as string;
    await emu.setFaults({});

    const before = await emu.stats();
    const run = await runCli(upload('--no-resume'), { env });
    expect(run.code, run.stderr).toBe(0);
    const events = jsonEvents(run.stdout);
    expect(events.find((e) => e.type === 'run:start')!.recordId).not.toBe(killedAt);
    // The half-sent file starts over: all of its bytes go again.
    const files = events.filter((e) => e.type === 'file:done').map((e) => e.file) as Array<Record<string, any>>;
    expect(files.find((f) => f.path === 'fresh.bin')).toMatchObject({ outcome: 'uploaded', bytesSent: fresh.length });
    expect(
      files.filter((f) => f.bytesSent > 0 && f.path !== 'fresh.bin'),
      JSON.stringify(files),
    ).toEqual([]);
    expect((await emu.stats()).putBytes - before.putBytes).toBe(fresh.length + (await sentManifestBytes(run.stdout)));
    tree['fresh.bin'] = fresh;
    expect(await storedMismatches(emu, tree)).toEqual([]);
    expect(await emu.lockIsFree()).toBe(true);
  }, 60_000);
});
