/** Two runs against one account: the second stops at once with LOCK_BUSY, or waits with --wait-lock. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { CODES } from '../../src/koodrive/error-codes.js';
import { bytesOf, MiB, Sandbox, sleep, USER, writeTree, type EmulatorProcess } from './cli-unattended-harness.js';

const TOKEN = 'lock-token-77';

const box = new Sandbox();
let home: string;
let emu: EmulatorProcess;

beforeAll(async () => {
  home = await box.dir();
  emu = await box.emulator([], box.env(home, { KOODRIVE_EMULATOR_TOKEN: TOKEN }), home);
  await writeFile(join(home, 'slow.bin'), bytesOf(6 * MiB, 3));
  await writeTree(join(home, 'second'), { 'a.txt': 'second run\n' });
  await writeTree(join(home, 'third'), { 'b.txt': 'third run\n' });
});
afterAll(() => box.cleanup());

// One machine, one state folder (as three cron jobs would share): a live run's lock is not an orphan to take over.
const env = (stateDir = 'state') =>
  box.env(home, {
    KOODRIVE_ENDPOINT: emu.url,
    KOODRIVE_TOKEN: TOKEN,
    KOODRIVE_USER_ID: USER,
    KOODRIVE_STATE_DIR: join(home, stateDir),
  });

describe('backup lock contention', () => {
  it('a second run exits at once with LOCK_BUSY; with --wait-lock it completes after the first', async () => {
    // The first run holds the lock for about ten seconds: 6 MiB at 512 KiB/s. That leaves room for a
    // CLI start-up on a busy machine; the assertions below check that the margin held.
    const first = box.start(['upload', 'slow.bin', '--bwlimit', '512KiB/s', '-q'], { cwd: home, env: env() });
    const deadline = Date.now() + 30_000;
    while ((await emu.stats()).putBytes === 0 && Date.now() < deadline) await sleep(50); // the lock is held now

    // Both start at once, so that the first only has to outlast one CLI start-up. The second is as
    // another machine (its own state folder): the server's lock stops it. The waiting one shares the
    // first's state folder: this machine's lock on that folder holds it until the first ends.
    const second = box.start(['upload', 'second', '-q'], { cwd: home, env: env('state-elsewhere') });
    const sameMachine = box.start(['upload', 'second', '-q'], { cwd: home, env: env() });
    const waiting = box.start(['upload', 'third', '--wait-lock', '60s', '-q'], { cwd: home, env: env() });
    const busy = await second.done;
    const busyHere = await sameMachine.done;
    // Still running: the lock the second run met was the first's (the waiting run cannot hold it yet).
    expect(first.child.exitCode).toBeNull();
    expect(busy.code, busy.stderr).toBe(EXIT.LOCK_BUSY);
    expect(busy.stderr).toMatch(/another backup holds the lock/);
    expect(busy.stdout).toBe('');
    expect(busyHere.code, busyHere.stderr).toBe(EXIT.LOCK_BUSY);
    expect(busyHere.stderr).toMatch(
      /another koodrive-backup upload \(process \d+, since .*\) is using the state folder .*--wait-lock/,
    );
    expect(busyHere.stdout).toBe('');

    const firstResult = await first.done;
    expect(firstResult.code, firstResult.stderr).toBe(EXIT.OK);
    const waited = await waiting.done;
    expect(waited.stderr).toBe('');
    expect(waited.code, waited.stderr).toBe(EXIT.OK);
    expect(waited.endedAt).toBeGreaterThan(firstResult.endedAt);
    const busyErrors = (await emu.stats()).errors[String(CODES.LOCK_BUSY)] ?? 0;
    // the run of the other machine; those of this one waited, or stopped, on the state folder
    expect(busyErrors).toBe(1);

    const stats = await emu.stats();
    expect(stats.recordsCompleted).toBe(2); // the first and the waiting run; the busy one never got a record
    const files = await emu.files();
    const manifest = '.koodrive-backup/manifest.ndjson';
    expect(
      files
        .filter((f) => f.description !== manifest)
        .map((f) => f.description)
        .sort(),
    ).toEqual(['b.txt', 'slow.bin']);
    expect(files.filter((f) => f.description === manifest)).toHaveLength(2); // each completed record has its manifest
  });
});
