/**
 * Issue 3, requirement 6: a file written to while the built CLI uploads it. The part verifier
 * aborts the PUT of a part whose bytes no longer match the plan, so the server never holds a torn
 * file under another version's sha256: either a consistent version is stored, or the file is
 * reported failed with a clear message. The rerun backs up the new version (and completes the
 * record, although the first run left an unfinished upload in it).
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  type TestEmulator,
} from './cli-harness.js';

/** Overwrites `bytes` at `offset` in place (same size, same inode). */
async function overwrite(path: string, offset: number, bytes: Buffer): Promise<void> {
  const fd = await open(path, 'r+');
  await fd.write(bytes, 0, bytes.length, offset);
  await fd.close();
}

describe('a file changed during its upload', () => {
  let emu: TestEmulator;
  let dir: string;
  const original = patternBytes(7 * MiB + 10, 31); // two parts: 5 MiB and 2 MiB + 10
  const patch = Buffer.from('written while the backup read this file');

  beforeAll(async () => {
    dir = await tempDir('kdb-change-');
    emu = await inProcessEmulator();
  });
  afterAll(cleanupAll);

  /**
   * Starts a one-part-, one-file-at-a-time upload of `root` (files in name order, each planned when
   * its turn comes) whose PUT number `nth` is held for 2 s, and waits
   * until that PUT has arrived (and so every part before it is stored).
   */
  async function uploadHeldAt(root: string, state: string, nth: number) {
    await emu.setFaults({ rules: [{ kind: 'put', nth, stallMs: 2000 }] });
    const base = await emu.stats();
    const run = spawnCli(
      ['upload', root, '--part-size', '5MiB', '--concurrency', '1', '--file-concurrency', '1', '--json'],
      { env: cliEnv(emu, state) },
    );
    await waitFor(
      `PUT ${nth} held`,
      async () => ((await emu.stats()).faults.stalls > base.faults.stalls ? true : undefined),
      30_000,
      () => !run.running,
    );
    return run;
  }

  it('a change ahead of the upload: that part is refused locally, the file is reported failed; the rerun ' +
    'stores the new version', async () => {
    const root = join(dir, 'ahead');
    const state = join(dir, 'state-ahead');
    await makeTree(root, { 'changing.bin': original, 'steady.txt': 'steady\n' });
    const run = await uploadHeldAt(root, state, 1); // part 1 is held; part 2 is not read yet
    await overwrite(join(root, 'changing.bin'), 6 * MiB, patch); // inside part 2
    const result = await run.done;
    await emu.setFaults({});

    const changed = Buffer.from(original);
    patch.copy(changed, 6 * MiB);
    expect(result.code).toBe(4); // PARTIAL: the other file made it
    const failed = (
      jsonEvents(result.stdout).find((e) => e.type === 'summary')!.files as Array<Record<string, any>>
    ).find((f) => f.path === 'changing.bin')!;
    expect(failed.outcome).toBe('failed');
    expect(failed.error).toMatch(/changing\.bin.* changed while it was being read/);
    // Nothing complete on the server for that path: no torn file under either hash.
    const stored = await emu.files();
    expect(stored.filter((f) => f.description === 'changing.bin' && f.status === 'complete')).toEqual([]);
    expect(stored.find((f) => f.description === 'changing.bin')!.partsReceived).toBeLessThan(2);

    const rerun = await runCli(['upload', root, '--part-size', '5MiB', '--json'], { env: cliEnv(emu, state) });
    expect(rerun.code, rerun.stdout.slice(-1500)).toBe(0);
    const files = jsonEvents(rerun.stdout)
      .filter((e) => e.type === 'file:done')
      .map((e) => e.file) as Array<Record<string, any>>;
    expect(files.find((f) => f.path === 'changing.bin')).toMatchObject({
      outcome: 'uploaded',
      sha256: sha256Of(changed),
    });
    expect(await storedMismatches(emu, { 'changing.bin': changed, 'steady.txt': 'steady\n' })).toEqual([]);
    expect(await emu.lockIsFree()).toBe(true);
  }, 60_000);

  it('a change behind the upload: the server keeps the planned version; the rerun sends the new one', async () => {
    const root = join(dir, 'behind');
    const state = join(dir, 'state-behind');
    await makeTree(root, { 'changing.bin': original });
    const run = await uploadHeldAt(root, state, 2); // part 1 stored, part 2 held
    await overwrite(join(root, 'changing.bin'), 1000, patch); // inside part 1, already sent
    const result = await run.done;
    await emu.setFaults({});

    expect(result.code, result.stdout.slice(-1500)).toBe(0);
    // What the server holds is exactly the version that was planned (and read): the original.
    expect(await storedMismatches(emu, { 'changing.bin': original })).toEqual([]);

    const changed = Buffer.from(original);
    patch.copy(changed, 1000);
    const rerun = await runCli(['upload', root, '--part-size', '5MiB', '--json'], { env: cliEnv(emu, state) });
    expect(rerun.code, rerun.stdout.slice(-1500)).toBe(0);
    expect(await storedMismatches(emu, { 'changing.bin': changed })).toEqual([]);
  }, 60_000);
});
