/**
 * Journal folding, one fact per test, each checked right after the line that should (or should
 * not) change it: a later line can no longer hide a wrong step (issue 15: a filter on fileId that
 * was dropped passed, because the test's last line reset the state anyway).
 */
import { describe, expect, it } from 'vitest';
import {
  abandonedUploads,
  applyJournalLine,
  foldJournal,
  isWellFormedPlan,
  type JournalLine,
} from '../../src/backup/journal.js';
import type { FilePlan } from '../../src/hash/file-plan.js';

const MiB = 1024 * 1024;
const plan = (sha = 'a'.repeat(64), length = 10): FilePlan => ({
  sha256: sha,
  length,
  partSize: 5 * MiB,
  parts: [{ partNumber: 1, partOffset: 0, partSize: length, hashCtx: [] }],
});
const planLine = (
  absPath: string,
  o: { sha?: string; mtimeMs?: number; ino?: number; size?: number } = {},
): JournalLine => ({
  t: 'plan',
  absPath,
  size: o.size ?? 10,
  mtimeMs: o.mtimeMs ?? 1,
  ino: o.ino ?? 7,
  seedId: 's',
  plan: plan(o.sha, o.size ?? 10),
});
const created = (absPath: string, fileId: string, recordId = 'r1'): JournalLine => ({
  t: 'created',
  absPath,
  recordId,
  fileId,
  serverName: absPath.slice(1),
});
const part = (absPath: string, fileId: string, partNumber: number): JournalLine => ({
  t: 'part',
  absPath,
  fileId,
  partNumber,
});

function started(): ReturnType<typeof foldJournal> {
  return foldJournal([{ t: 'record', recordId: 'r1', roots: ['/'] }, planLine('/a'), created('/a', 'f1')]);
}

describe('journal facts, one at a time', () => {
  it('a part of another fileId is not counted as done', () => {
    const state = started();
    applyJournalLine(state, part('/a', 'f-other', 1));
    expect(state.files.get('/a')!.partsDone).toEqual([]);
    applyJournalLine(state, part('/a', 'f1', 1));
    expect(state.files.get('/a')!.partsDone).toEqual([1]);
  });

  it('a part of a file never planned is ignored', () => {
    const state = started();
    applyJournalLine(state, part('/nope', 'f1', 1));
    expect(state.files.get('/nope')).toBeUndefined();
  });

  it('a repeated part counts once', () => {
    const state = started();
    applyJournalLine(state, part('/a', 'f1', 2));
    applyJournalLine(state, part('/a', 'f1', 2));
    expect(state.files.get('/a')!.partsDone).toEqual([2]);
  });

  it('created: a new upload starts with no parts and no outcome', () => {
    const state = started();
    applyJournalLine(state, part('/a', 'f1', 1));
    applyJournalLine(state, {
      t: 'done',
      absPath: '/a',
      recordId: 'r1',
      fileId: 'f1',
      serverName: 'a',
      outcome: 'uploaded',
    });
    applyJournalLine(state, created('/a', 'f2'));
    const f = state.files.get('/a')!;
    expect(f).toMatchObject({ fileId: 'f2', recordId: 'r1', serverName: 'a', partsDone: [] });
    expect(f.outcome).toBeUndefined();
  });

  it('created or done for a file never planned adds nothing', () => {
    const state = started();
    applyJournalLine(state, created('/ghost', 'g1'));
    applyJournalLine(state, { t: 'done', absPath: '/ghost', recordId: 'r1', outcome: 'uploaded' });
    expect(state.files.get('/ghost')).toBeUndefined();
  });

  it('done records the outcome and keeps the parts', () => {
    const state = started();
    applyJournalLine(state, part('/a', 'f1', 1));
    applyJournalLine(state, {
      t: 'done',
      absPath: '/a',
      recordId: 'r1',
      fileId: 'f1',
      serverName: 'a_1',
      outcome: 'uploaded',
    });
    expect(state.files.get('/a')).toMatchObject({
      outcome: 'uploaded',
      serverName: 'a_1',
      fileId: 'f1',
      partsDone: [1],
    });
  });

  it('the same plan again (same size, mtime, inode, sha256) keeps the upload; any change drops it', () => {
    for (const [change, keeps] of [
      [{}, true],
      [{ mtimeMs: 2 }, false],
      [{ ino: 8 }, false],
      [{ sha: 'b'.repeat(64) }, false],
      [{ size: 11 }, false],
    ] as const) {
      const state = started();
      applyJournalLine(state, part('/a', 'f1', 1));
      applyJournalLine(state, planLine('/a', change));
      const f = state.files.get('/a')!;
      expect({ change, fileId: f.fileId, parts: f.partsDone }).toEqual(
        keeps ? { change, fileId: 'f1', parts: [1] } : { change, fileId: undefined, parts: [] },
      );
    }
  });

  it('a damaged plan line changes nothing', () => {
    const state = started();
    applyJournalLine(state, { ...planLine('/a'), plan: { ...plan(), sha256: 'xyz' } } as JournalLine);
    expect(state.files.get('/a')).toMatchObject({ fileId: 'f1', plan: { sha256: 'a'.repeat(64) } });
  });

  it('a new record clears every upload but keeps the plans; record-complete only for that record', () => {
    const state = started();
    applyJournalLine(state, { t: 'record-complete', recordId: 'r-other' });
    expect(state.recordComplete).toBe(false);
    applyJournalLine(state, { t: 'record-complete', recordId: 'r1' });
    expect(state.recordComplete).toBe(true);
    applyJournalLine(state, { t: 'record', recordId: 'r2', roots: ['/b'] });
    expect(state).toMatchObject({ recordId: 'r2', roots: ['/b'], recordComplete: false });
    const f = state.files.get('/a')!;
    expect(f.fileId).toBeUndefined();
    expect(f.recordId).toBeUndefined();
    expect(f.plan?.sha256).toBe('a'.repeat(64));
  });

  it('forget drops the file', () => {
    const state = started();
    applyJournalLine(state, { t: 'forget', absPath: '/a' });
    expect(state.files.get('/a')).toBeUndefined();
  });
});

describe('abandonedUploads', () => {
  const state = foldJournal([
    { t: 'record', recordId: 'r1', roots: ['/'] },
    planLine('/open'),
    created('/open', 'f1'),
    planLine('/done'),
    created('/done', 'f2'),
    { t: 'done', absPath: '/done', recordId: 'r1', fileId: 'f2', outcome: 'uploaded' },
    planLine('/planned-only'),
  ]);
  const same = { size: 10, mtimeMs: 1, ino: 7 };

  it('an open upload whose file is unchanged is not abandoned; gone or changed it is', () => {
    expect(abandonedUploads(state, 'r1', [{ absPath: '/open', ...same }])).toEqual([]);
    expect(abandonedUploads(state, 'r1', [])).toEqual(['/open']);
    expect(abandonedUploads(state, 'r1', [{ absPath: '/open', ...same, size: 11 }])).toEqual(['/open']);
    expect(abandonedUploads(state, 'r1', [{ absPath: '/open', ...same, mtimeMs: 2 }])).toEqual(['/open']);
    expect(abandonedUploads(state, 'r1', [{ absPath: '/open', ...same, ino: 8 }])).toEqual(['/open']);
    expect(abandonedUploads(state, 'r1', (p) => (p === '/open' ? same : undefined))).toEqual([]);
  });

  it('only uploads of that record count', () => {
    expect(abandonedUploads(state, 'r-other', [])).toEqual([]);
  });
});

describe('isWellFormedPlan', () => {
  it('accepts a plan that fits its size and refuses each broken field', () => {
    expect(isWellFormedPlan(plan(), 10)).toBe(true);
    expect(isWellFormedPlan(plan(), 11)).toBe(false);
    expect(isWellFormedPlan({ ...plan(), sha256: 'A'.repeat(64) }, 10)).toBe(false);
    expect(isWellFormedPlan({ ...plan(), sha256: 'a'.repeat(63) }, 10)).toBe(false);
    expect(isWellFormedPlan(null, 10)).toBe(false);
    expect(isWellFormedPlan({ ...plan(), parts: [] }, 10)).toBe(false);
  });
});
