import { describe, expect, it } from 'vitest';
import type { FileOutcome } from '../../src/backup/events.js';
import { JobWindow } from '../../src/backup/file-pass.js';
import { RunTally } from '../../src/backup/run-tally.js';
import { StoredFiles } from '../../src/backup/stored-files.js';
import { windowUnits, windowWeight } from '../../src/backup/small-files.js';

const sha = (c: string) => c.repeat(64);
const file = (
  path: string,
  outcome: FileOutcome['outcome'],
  size = 10,
  extra: Partial<FileOutcome> = {},
): FileOutcome => ({
  path,
  absPath: `/r/${path}`,
  size,
  outcome,
  bytesSent: outcome === 'uploaded' ? size : 0,
  sha256: sha('a'),
  ...extra,
});

describe('RunTally: totals and the files that need attention, not every file', () => {
  it('adds up like the old totals and keeps only failed and conflicting files', () => {
    const tally = new RunTally(StoredFiles.inMemory());
    for (const f of [
      file('a', 'uploaded', 5),
      file('b', 'rapid', 7),
      file('c', 'exist', 11),
      file('d', 'unchanged', 13),
      file('e', 'failed', 17, { sha256: undefined }),
      file('f', 'conflict', 19),
      file('g', 'skipped', 23),
      file('h', 'planned', 29),
    ])
      tally.add(f);
    expect(tally.totals(1000)).toEqual({
      files: 8,
      uploaded: 1,
      rapid: 1,
      exist: 1,
      unchanged: 1,
      skipped: 2,
      conflict: 1,
      failed: 1,
      bytesTotal: 124,
      bytesBackedUp: 36,
      bytesSent: 5,
      durationMs: 1000,
      plannedFiles: 1,
      bytesRapid: 7,
      bytesExist: 11,
    });
    expect(tally.attention.map((f) => f.path)).toEqual(['e', 'f']);
    expect(tally.allStored).toBe(false);
    expect([...tally.stored!.all()]).toEqual(
      ['a', 'b', 'c', 'd'].map((p) => ({ relPath: p, absPath: `/r/${p}`, sha256: sha('a') })),
    );
  });

  it('keeps no stored list unless asked (dry runs), and paths with odd characters survive', () => {
    expect(new RunTally().storedCount).toBe(0);
    const tally = new RunTally(StoredFiles.inMemory());
    tally.add(file('dir/ä b\tc.txt', 'uploaded'));
    expect([...tally.stored!.all()][0]).toMatchObject({ relPath: 'dir/ä b\tc.txt', absPath: '/r/dir/ä b\tc.txt' });
  });
});

describe('JobWindow: a producer waits while the window is full', () => {
  it('never runs more than its size at once and drains', async () => {
    const window = new JobWindow(3);
    let active = 0;
    let peak = 0;
    let done = 0;
    for (let i = 0; i < 20; i++) {
      await window.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 1 + (i % 3)));
        active--;
        done++;
      });
      expect(active).toBeLessThanOrEqual(3);
    }
    await window.drain();
    expect(done).toBe(20);
    expect(peak).toBe(3);
  });
});

describe('JobWindow with weights: small files share a slot', () => {
  // The default window: 4 file slots of 16 units; a file up to 1 MiB weighs 1, a larger one 16.
  it('lets 64 small files overlap but only 4 large ones, and a large one waits for room', async () => {
    const run = async (sizes: number[]): Promise<{ peak: number; order: string[] }> => {
      const window = new JobWindow(windowUnits(4));
      const gates: Array<() => void> = [];
      let active = 0;
      let peak = 0;
      const order: string[] = [];
      const producer = (async () => {
        for (const [i, size] of sizes.entries()) {
          await window.run(async () => {
            active++;
            peak = Math.max(peak, active);
            order.push(`start ${i}`);
            await new Promise<void>((r) => gates.push(r));
            active--;
          }, windowWeight(size));
        }
      })();
      // Let the producer fill the window, then release every job one by one.
      for (let released = 0; released < sizes.length; released++) {
        while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
        await new Promise((r) => setTimeout(r, 2));
        gates.shift()!();
      }
      await producer;
      await window.drain();
      return { peak, order };
    };
    expect((await run(Array(80).fill(4096))).peak).toBe(64);
    expect((await run(Array(6).fill(1024 * 1024 + 1))).peak).toBe(4);
    // 60 small files are in flight; the large one needs 16 units and starts only once 12 more are free.
    const mixed = await run([...Array(60).fill(100), 5 * 1024 * 1024, 100]);
    expect(mixed.peak).toBeLessThanOrEqual(60);
    expect(mixed.order.indexOf('start 60')).toBeGreaterThan(mixed.order.indexOf('start 59'));
  });

  it('sizes at the edge: 1 MiB is small, one byte more is not; a job heavier than the window runs alone', async () => {
    expect(windowWeight(1024 * 1024)).toBe(1);
    expect(windowWeight(1024 * 1024 + 1)).toBe(16);
    expect(windowUnits(1)).toBe(16);
    const window = new JobWindow(2);
    let ran = false;
    await window.run(async () => {
      ran = true;
    }, 5);
    await window.drain();
    expect(ran).toBe(true);
  });
});
