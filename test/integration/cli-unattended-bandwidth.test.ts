/**
 * --bwlimit end to end: 40 MiB at 4 MiB/s through the built CLI, the rate measured where it counts,
 * at the receiving end (the emulator's putBytes, sampled over time).
 *
 * No bound here depends on how busy the machine is (issue 15). The claim is "at most the limit": a
 * token bucket releases at most burst + rate·T bytes in any span T (docs/unattended.md: the burst is
 * a tenth of a second's worth, at least 256 KiB), so every byte the receiver has counted by a moment
 * t was released after the run started and is bounded by burst + rate·(t − start). A loaded machine
 * only makes the run slower, which these bounds allow without limit. The other direction ("not far
 * below the limit") is a time bound and so is kept far from both outcomes: a third of the rate an
 * unlimited run of the same size reaches on this machine at this time, or of the limit, whichever is
 * smaller. That still fails a limiter off by a unit (bits for bytes: 8× too slow) while a busy
 * machine cannot fail it. The exact arithmetic is pinned with a fake clock in
 * test/unit/transfer-rate-limiter.test.ts.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { bytesOf, MiB, Sandbox, sleep, USER, type EmulatorProcess } from './cli-unattended-harness.js';

const TOKEN = 'bw-token-51';
const LIMIT = 4 * MiB; // bytes per second
const SIZE = 40 * MiB;
/** The bucket's burst (docs/unattended.md): a tenth of a second's worth, at least 256 KiB. */
const BURST = Math.max(256 * 1024, LIMIT / 10);

const box = new Sandbox();
let home: string;
let emu: EmulatorProcess;

beforeAll(async () => {
  home = await box.dir();
  emu = await box.emulator([], box.env(home, { KOODRIVE_EMULATOR_TOKEN: TOKEN }), home);
  // One file of eight parts: all eight PUTs are in flight at once and share the one limiter.
  await writeFile(join(home, 'big.bin'), bytesOf(SIZE, 11));
  // The same size, other bytes (not a rapid upload): the unlimited run beside it.
  await writeFile(join(home, 'free.bin'), bytesOf(SIZE, 12));
});
afterAll(() => box.cleanup());

describe('--bwlimit', () => {
  it('holds the upload to at most the limit (measured by the receiver), and not far below it', async () => {
    const env = box.env(home, {
      KOODRIVE_ENDPOINT: emu.url,
      KOODRIVE_TOKEN: TOKEN,
      KOODRIVE_USER_ID: USER,
      KOODRIVE_STATE_DIR: join(home, 'state'),
    });
    const started = Date.now();
    const run = box.start(['upload', 'big.bin', '--bwlimit', '4MiB/s', '--json'], { cwd: home, env });
    let finished = false;
    void run.done.then(() => (finished = true));
    // Each sample: the bytes counted, and the time its answer came back (the count was read before).
    const samples: Array<{ t: number; bytes: number }> = [];
    while (!finished) {
      const { putBytes } = await emu.stats();
      samples.push({ t: (Date.now() - started) / 1000, bytes: putBytes });
      await sleep(200);
    }
    const result = await run.done;
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const manifest = (await emu.files()).find((f) => f.description === '.koodrive-backup/manifest.ndjson')!;
    expect((await emu.stats()).putBytes).toBe(SIZE + manifest.size); // the file, then the record's manifest
    const seconds = (result.endedAt - started) / 1000;

    // At most the limit: at every sample (and at the end), no more than burst + rate·(time since start).
    // The manifest is let through as slack: it goes after the file, whatever path it takes.
    expect(samples.length).toBeGreaterThan(10);
    for (const s of samples)
      expect(s.bytes, `${s.bytes} B at ${s.t} s`).toBeLessThanOrEqual(BURST + LIMIT * s.t + manifest.size);
    expect(seconds).toBeGreaterThanOrEqual((SIZE - BURST) / LIMIT);

    // Not far below it: against an unlimited upload of the same size, run now on the same machine.
    const freeStarted = Date.now();
    const free = await box.run(['upload', 'free.bin', '--json'], { cwd: home, env });
    expect(free.code, free.stderr).toBe(EXIT.OK);
    const freeRate = SIZE / ((free.endedAt - freeStarted) / 1000);
    const rate = SIZE / seconds;
    console.log(
      `bwlimit 4 MiB/s: ${(rate / MiB).toFixed(2)} MiB/s over the whole run (${seconds.toFixed(1)} s); ` +
        `unlimited ${(freeRate / MiB).toFixed(1)} MiB/s`,
    );
    expect(rate).toBeGreaterThan(Math.min(LIMIT, freeRate) / 3);
  });
});
