/**
 * --bwlimit end to end: 40 MiB at 4 MiB/s through the built CLI, the rate measured where it counts,
 * at the receiving end (the emulator's putBytes, sampled over time).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { bytesOf, MiB, Sandbox, sleep, USER, type EmulatorProcess } from './cli-unattended-harness.js';

const TOKEN = 'bw-token-51';
const LIMIT = 4 * MiB; // bytes per second
const SIZE = 40 * MiB;

const box = new Sandbox();
let home: string;
let emu: EmulatorProcess;

beforeAll(async () => {
  home = await box.dir();
  emu = await box.emulator([], box.env(home, { KOODRIVE_EMULATOR_TOKEN: TOKEN }), home);
  // One file of eight parts: all eight PUTs are in flight at once and share the one limiter.
  await writeFile(join(home, 'big.bin'), bytesOf(SIZE, 11));
});
afterAll(() => box.cleanup());

/** Least-squares slope of bytes over seconds. */
function slope(samples: ReadonlyArray<{ t: number; bytes: number }>): number {
  const n = samples.length;
  const mt = samples.reduce((s, p) => s + p.t, 0) / n;
  const mb = samples.reduce((s, p) => s + p.bytes, 0) / n;
  const cov = samples.reduce((s, p) => s + (p.t - mt) * (p.bytes - mb), 0);
  const vt = samples.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return cov / vt;
}

describe('--bwlimit', () => {
  it('holds the upload to the limit (within 10%, measured by the receiver)', async () => {
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
    const samples: Array<{ t: number; bytes: number }> = [];
    while (!finished) {
      const t = Date.now();
      const { putBytes } = await emu.stats();
      samples.push({ t: (t + Date.now()) / 2000, bytes: putBytes }); // mid-point of the request, in seconds
      await sleep(200);
    }
    const result = await run.done;
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const manifest = (await emu.files()).find((f) => f.description === '.koodrive-backup/manifest.ndjson')!;
    expect((await emu.stats()).putBytes).toBe(SIZE + manifest.size); // the file, then the record's manifest
    // The steady state: past the first burst (one second's worth) and before the last bytes.
    const steady = samples.filter((s) => s.bytes >= 2 * LIMIT && s.bytes <= SIZE - LIMIT);
    expect(steady.length).toBeGreaterThan(15);
    const rate = slope(steady);
    const seconds = (result.endedAt - started) / 1000;
    // Reported for the record: achieved rate against the limit.
    console.log(
      `bwlimit 4 MiB/s: steady ${(rate / MiB).toFixed(3)} MiB/s over ${steady.length} samples; whole run ` +
        `${(SIZE / MiB / seconds).toFixed(2)} MiB/s in ${seconds.toFixed(1)} s`,
    );
    expect(rate).toBeGreaterThan(LIMIT * 0.9);
    expect(rate).toBeLessThan(LIMIT * 1.1);
    // The whole run cannot beat the limit by more than the initial burst.
    expect(seconds).toBeGreaterThan(((SIZE - LIMIT) / LIMIT) * 0.95);
  });
});
