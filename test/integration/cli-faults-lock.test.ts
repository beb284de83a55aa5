/**
 * Issue 3, requirement 3: a backup lock lost for good stops the run cleanly, says so, and exits
 * with LOCK_LOST (7) — whether a call needing the lock finds it gone, or the renewal timer does.
 * The rerun resumes.
 */
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
  spawnCli,
  storedMismatches,
  tempDir,
  waitFor,
  type TestEmulator,
} from './cli-harness.js';

describe('lock lost during a run', () => {
  let emu: TestEmulator;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('kdb-lock-');
    emu = await inProcessEmulator();
  });
  afterAll(cleanupAll);

  it('found by the next file create: the run stops with exit 7 and the rerun finishes the job', async () => {
    const tree = { 'a.bin': patternBytes(6 * MiB, 71), 'b.bin': patternBytes(6 * MiB, 72) };
    const root = join(dir, 'create');
    await makeTree(root, tree);
    const env = cliEnv(emu, join(dir, 'state-create'));
    // a.bin's second part is held 3 s: time enough to take the lock away before b.bin is created.
    await emu.setFaults({ rules: [{ kind: 'put', nth: 2, stallMs: 3000 }] });
    const base = await emu.stats();
    const child = spawnCli(['upload', root, '--part-size', '5MiB', '--file-concurrency', '1', '--json'], { env });
    await waitFor(
      'a.bin under way',
      async () => ((await emu.stats()).faults.stalls > base.faults.stalls ? true : undefined),
      20_000,
      () => !child.running,
    );
    await emu.expireLocks();
    const result = await child.done;
    expect(result.code).toBe(7);
    const summary = jsonEvents(result.stdout).find((e) => e.type === 'summary')!;
    expect(summary.reason).toMatch(/backup lock is missing or expired.*run the backup again/);
    expect(jsonEvents(result.stdout).find((e) => e.type === 'file:done' && e.file.path === 'b.bin')!.file.outcome).toBe(
      'skipped',
    );
    expect(await emu.lockIsFree()).toBe(true);

    await emu.setFaults({});
    const rerun = await runCli(['upload', root, '--part-size', '5MiB'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await storedMismatches(emu, tree)).toEqual([]);
  }, 40_000);

  it('found by the renewal timer: in-flight parts stop, exit 7, and it says so', async () => {
    const tree = { 'big.bin': patternBytes(11 * MiB, 73) };
    const root = join(dir, 'renew');
    await makeTree(root, tree);
    const env = cliEnv(emu, join(dir, 'state-renew'));
    // The first PUT hangs for 30 s: the renewal at 10 s comes while it is in flight.
    await emu.setFaults({ rules: [{ kind: 'put', nth: 1, stallMs: 30_000 }] });
    const base = await emu.stats();
    const child = spawnCli(['upload', root, '--part-size', '5MiB', '--lock-renew-interval', '10s', '--json'], { env });
    await waitFor(
      'big.bin under way',
      async () => ((await emu.stats()).faults.stalls > base.faults.stalls ? true : undefined),
      20_000,
      () => !child.running,
    );
    await emu.expireLocks();
    const result = await child.done;
    expect(result.code).toBe(7);
    const summary = jsonEvents(result.stdout).find((e) => e.type === 'summary')!;
    expect(summary.reason).toMatch(/the backup lock was lost .*the run stopped\. Run the same command again to resume/);
    expect(jsonEvents(result.stdout).find((e) => e.type === 'file:done')!.file.outcome).toBe('skipped');
    expect((await emu.files()).filter((f) => f.description === 'big.bin' && f.status === 'complete')).toEqual([]);
    expect(await emu.lockIsFree()).toBe(true);
    await emu.setFaults({});
  }, 40_000);
});
