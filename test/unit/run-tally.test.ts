import { describe, expect, it } from 'vitest';
import type { FileOutcome } from '../../src/backup/events.js';
import { JobWindow } from '../../src/backup/file-pass.js';
import { RunTally } from '../../src/backup/run-tally.js';

const sha = (c: string) => c.repeat(64);
const file = (path: string, outcome: FileOutcome['outcome'], size = 10, extra: Partial<FileOutcome> = {}): FileOutcome => ({ path, absPath: `/r/${path}`, size, outcome, bytesSent: outcome === 'uploaded' ? size : 0, sha256: sha('a'), ...extra });

describe('RunTally: totals and the files that need attention, not every file', () => {
  it('adds up like the old totals and keeps only failed and conflicting files', () => {
    const tally = new RunTally(true);
    for (const f of [file('a', 'uploaded', 5), file('b', 'rapid', 7), file('c', 'exist', 11), file('d', 'unchanged', 13), file('e', 'failed', 17, { sha256: undefined }), file('f', 'conflict', 19), file('g', 'skipped', 23), file('h', 'planned', 29)]) tally.add(f);
    expect(tally.totals(1000)).toEqual({
      files: 8, uploaded: 1, rapid: 1, exist: 1, unchanged: 1, skipped: 2, conflict: 1, failed: 1,
      bytesTotal: 124, bytesBackedUp: 36, bytesSent: 5, durationMs: 1000, plannedFiles: 1, bytesRapid: 7, bytesExist: 11,
    });
    expect(tally.attention.map((f) => f.path)).toEqual(['e', 'f']);
    expect(tally.allStored).toBe(false);
    expect([...tally.storedFiles()]).toEqual(['a', 'b', 'c', 'd'].map((p) => ({ relPath: p, absPath: `/r/${p}`, sha256: sha('a') })));
  });

  it('keeps no stored list unless asked (dry runs), and paths with odd characters survive', () => {
    expect(new RunTally().storedCount).toBe(0);
    const tally = new RunTally(true);
    tally.add(file('dir/ä b\tc.txt', 'uploaded'));
    expect([...tally.storedFiles()][0]).toMatchObject({ relPath: 'dir/ä b\tc.txt', absPath: '/r/dir/ä b\tc.txt' });
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
