/**
 * Issue 10, the soak: 20 cycles of start the built CLI and SIGKILL it at a seeded random moment,
 * with the emulator answering ~10 % of requests (API calls and PUTs) with 503s and resets; then one
 * plain run of the same command must exit 0. At the end every file is stored byte-identical, the
 * record of the last run is complete and holds the whole tree, and the bytes the server received
 * over all runs are reported against the tree's size.
 */
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PATHS } from '../../src/koodrive/wire-types.js';
import { seededRandom } from '../../src/util/seeded-random.js';
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
} from './cli-harness.js';

const CYCLES = 20;
const SEED = 20261130;

afterAll(cleanupAll);

describe('soak: kills at random moments under 10 % faults', () => {
  it(`${CYCLES} killed runs, then one plain run: exit 0, every byte stored, the record complete`, async () => {
    const tree: Record<string, Buffer> = {
      'big/a.bin': patternBytes(12 * MiB + 321, 61),
      'big/b.bin': patternBytes(10 * MiB - 64, 62),
      'c.bin': patternBytes(7 * MiB + 5, 63),
      'd.bin': patternBytes(6 * MiB, 64),
      'small/one.txt': Buffer.from('one small file\n'),
      'small/two.bin': patternBytes(200_000, 65),
      'small/three.bin': patternBytes(65_536, 66),
      'small/empty.txt': Buffer.alloc(0),
      'notes.md': patternBytes(4097, 67),
    };
    const treeBytes = Object.values(tree).reduce((n, b) => n + b.length, 0);
    const dir = await tempDir('kdb-soak-');
    const root = join(dir, 'tree');
    await makeTree(root, tree);
    for (const rel of Object.keys(tree)) await utimes(join(root, rel), 1_700_000_000, 1_700_000_000);
    // A short lock life: a lock whose create answer a kill cut off (the one lock no rerun can take
    // over) expires within seconds instead of ten minutes; --wait-lock waits for it.
    const emu = await inProcessEmulator({
      lockTtlSeconds: 20,
      faults: { seed: SEED, failRate: 0.05, resetRate: 0.05 },
    });
    const env = cliEnv(emu, join(dir, 'state'));
    const command = [
      'upload',
      root,
      '--part-size',
      '5MiB',
      '--json',
      '--concurrency',
      '3',
      '--bwlimit',
      '24MiB/s',
      '--wait-lock',
      '2m',
      '--lock-renew-interval',
      '10s',
    ];
    const random = seededRandom(SEED);

    const started = Date.now();
    const ended: Array<number | null> = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const killAfterMs = Math.round(300 + random() * 2500);
      const run = spawnCli(command, { env });
      const timer = setTimeout(() => run.kill('SIGKILL'), killAfterMs);
      const result = await run.done;
      clearTimeout(timer);
      ended.push(result.signal === 'SIGKILL' ? null : result.code);
    }
    const killed = ended.filter((c) => c === null).length;
    const selfEnded = ended.filter((c): c is number => c !== null);

    const final = await runCli(command, { env });
    const seconds = (Date.now() - started) / 1000;
    expect(final.code, final.stderr).toBe(0);
    const events = jsonEvents(final.stdout);
    const summary = events.find((e) => e.type === 'summary')!;
    expect(summary.totals.failed).toBe(0);

    await emu.setFaults({}); // the checks' own calls go through the API too
    expect(await storedMismatches(emu, tree)).toEqual([]);
    // The last run's record is complete and holds every file of the tree.
    const recordId = summary.recordId as string;
    const record = await emu.call('GET', PATHS.recordById(recordId));
    expect(record.json.data?.status, JSON.stringify(record.json)).toBe(1);
    const inRecord = (await emu.files())
      .filter((f) => f.recordId === recordId && f.status === 'complete')
      .map((f) => f.description);
    for (const rel of Object.keys(tree)) expect(inRecord, rel).toContain(rel);
    expect(await emu.lockIsFree()).toBe(true);

    const stats = await emu.stats();
    const ratio = stats.putBytes / treeBytes;
    const faults = stats.faults.status503 + stats.faults.resets;
    console.log(
      `soak: ${CYCLES} cycles (${killed} killed, ${selfEnded.length} ended by themselves with ` +
        `${JSON.stringify(selfEnded)}) + final run in ${seconds.toFixed(1)} s; ` +
        `${faults} faults injected (${stats.faults.status503} × 503, ${stats.faults.resets} resets) over ` +
        `${Object.values(stats.requests).reduce((n, c) => n + (c ?? 0), 0)} requests; ` +
        `received ${(stats.putBytes / MiB).toFixed(1)} MiB for a ${(treeBytes / MiB).toFixed(1)} MiB tree = ` +
        `${ratio.toFixed(2)}×; ${stats.recordsCompleted} records completed`,
    );
    expect(faults).toBeGreaterThan(0);
    // Aim: under 1.3×; measured 1.0–2.2× (each kill mid-transfer loses the parts in flight, up to
    // 3 × 5 MiB). Asserted generously.
    expect(ratio).toBeLessThan(4);
  }, 180_000);
});
