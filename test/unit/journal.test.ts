import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  foldJournal,
  isWellFormedPlan,
  Journal,
  journalPath,
  parseJournal,
  seedIdOf,
  type JournalLine,
} from '../../src/backup/journal.js';
import type { FilePlan } from '../../src/hash/file-plan.js';

const plan = (sha: string): FilePlan => ({
  sha256: sha,
  length: 10,
  partSize: 5 * 1024 * 1024,
  parts: [{ partNumber: 1, partOffset: 0, partSize: 10, hashCtx: [] }],
});
const planLine = (absPath: string, sha = 'a'.repeat(64), mtimeMs = 1): JournalLine => ({
  t: 'plan',
  absPath,
  size: 10,
  mtimeMs,
  ino: 7,
  seedId: 's',
  plan: plan(sha),
});

describe('journal folding', () => {
  it('tracks a file through created, parts and done', () => {
    const state = foldJournal([
      { t: 'record', recordId: 'r1', roots: ['/x'] },
      planLine('/x/a'),
      { t: 'created', absPath: '/x/a', recordId: 'r1', fileId: 'f1', serverName: 'a' },
      { t: 'part', absPath: '/x/a', fileId: 'f1', partNumber: 2 },
      { t: 'part', absPath: '/x/a', fileId: 'f1', partNumber: 1 },
      { t: 'part', absPath: '/x/a', fileId: 'f1', partNumber: 1 },
    ]);
    expect(state.recordId).toBe('r1');
    expect(state.files.get('/x/a')?.partsDone.sort()).toEqual([1, 2]);
    expect(state.files.get('/x/a')?.outcome).toBeUndefined();
  });

  it('ignores parts of another fileId and resets progress when the content changes', () => {
    const state = foldJournal([
      { t: 'record', recordId: 'r1', roots: [] },
      planLine('/a'),
      { t: 'created', absPath: '/a', recordId: 'r1', fileId: 'f1', serverName: 'a' },
      { t: 'part', absPath: '/a', fileId: 'other', partNumber: 1 },
      { t: 'part', absPath: '/a', fileId: 'f1', partNumber: 1 },
      planLine('/a', 'b'.repeat(64), 2),
    ]);
    const f = state.files.get('/a')!;
    expect(f.partsDone).toEqual([]);
    expect(f.fileId).toBeUndefined();
    expect(f.plan?.sha256).toBe('b'.repeat(64));
  });

  it('keeps the plan cache but not the upload state across a new record', () => {
    const state = foldJournal([
      { t: 'record', recordId: 'r1', roots: [] },
      planLine('/a'),
      { t: 'done', absPath: '/a', recordId: 'r1', fileId: 'f1', serverName: 'a', outcome: 'uploaded' },
      { t: 'record-complete', recordId: 'r1' },
      { t: 'record', recordId: 'r2', roots: [] },
    ]);
    expect(state.recordComplete).toBe(false);
    expect(state.files.get('/a')?.plan?.sha256).toBe('a'.repeat(64));
    expect(state.files.get('/a')?.outcome).toBeUndefined();
  });

  it('skips a torn last line', () => {
    const text = `${JSON.stringify({ t: 'record', recordId: 'r9', roots: [] })}\n{"t":"plan","absPa`;
    expect(parseJournal(text)).toHaveLength(1);
  });
});

describe('Journal on disk', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('survives a crash mid-line and compacts to the same state', () => {
    dir = mkdtempSync(join(tmpdir(), 'kdb-journal-'));
    const path = journalPath(dir, { endpoint: 'http://x', userId: 'u', roots: ['/r'] });
    const j = Journal.open(path);
    j.append({ t: 'record', recordId: 'r1', roots: ['/r'] });
    j.append(planLine('/r/a'));
    j.append({ t: 'created', absPath: '/r/a', recordId: 'r1', fileId: 'f1', serverName: 'a' });
    j.append({ t: 'part', absPath: '/r/a', fileId: 'f1', partNumber: 1 });
    j.close();
    appendFileSync(path, '{"t":"part","absPath":"/r/a","fileId":"f1","partNu');
    const again = Journal.open(path);
    expect(again.state.files.get('/r/a')?.partsDone).toEqual([1]);
    again.close();
    // compaction rewrote the file without the torn line
    expect(
      readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .every((l) => JSON.parse(l)),
    ).toBe(true);
    const fresh = Journal.open(path, { fresh: true });
    expect(fresh.state.files.size).toBe(0);
    fresh.close();
  });

  it('derives distinct journals per target and a seed id that hides the seed', () => {
    dir = mkdtempSync(join(tmpdir(), 'kdb-journal-'));
    const a = journalPath(dir, { endpoint: 'http://x', userId: 'u', roots: ['/r', '/s'] });
    expect(journalPath(dir, { endpoint: 'http://x', userId: 'u', roots: ['/s', '/r'] })).toBe(a);
    expect(journalPath(dir, { endpoint: 'http://y', userId: 'u', roots: ['/r', '/s'] })).not.toBe(a);
    expect(seedIdOf('secret-token')).not.toContain('secret');
    expect(seedIdOf('a')).not.toBe(seedIdOf('b'));
  });
});

describe('damaged plan lines', () => {
  it('a plan that cannot be right is ignored, so the file is hashed again', () => {
    const good = planLine('/a');
    const badSha = { ...planLine('/b'), plan: { ...plan('a'.repeat(63) + 'g') } } as JournalLine;
    const badParts = {
      ...planLine('/c'),
      plan: { ...plan('c'.repeat(64)), parts: [{ partNumber: 1, partOffset: 3, partSize: 10, hashCtx: [] }] },
    } as JournalLine;
    const badLength = { ...planLine('/d'), size: 11 } as JournalLine;
    const state = foldJournal([good, badSha, badParts, badLength]);
    expect([...state.files.keys()]).toEqual(['/a']);
    expect(isWellFormedPlan(plan('e'.repeat(64)), 10)).toBe(true);
    expect(isWellFormedPlan({ ...plan('e'.repeat(64)), parts: 'x' }, 10)).toBe(false);
  });
});

describe('FileTable', () => {
  it('reads back every entry as set, old (packed) and recent alike, and a copy read out changes nothing', () => {
    const state = foldJournal([]);
    const n = 700; // more than the window of recent entries kept as objects
    const shaOf = (i: number) => i.toString(16).padStart(64, '0');
    for (let i = 0; i < n; i++) {
      state.files.set(`/x/f${i}`, {
        absPath: `/x/f${i}`,
        size: 10,
        mtimeMs: 1000 + i,
        ino: i,
        plan: plan(shaOf(i)),
        seedId: 's',
        recordId: 'r1',
        fileId: `F${i}`,
        serverName: `f${i}`,
        partsDone: i % 2 === 0 ? [1] : [],
        outcome: i % 3 === 0 ? 'uploaded' : undefined,
      });
    }
    for (const i of [0, 1, 443, 444, 699]) {
      const copy = state.files.get(`/x/f${i}`)!;
      copy.partsDone.push(9);
      copy.fileId = 'changed';
    }
    expect(state.files.size).toBe(n);
    for (let i = 0; i < n; i++) {
      const f = state.files.get(`/x/f${i}`)!;
      expect(f.plan?.sha256).toBe(shaOf(i));
      expect(f.mtimeMs).toBe(1000 + i);
      expect(f.fileId).toBe(`F${i}`);
      expect(f.partsDone).toEqual(i % 2 === 0 ? [1] : []);
      expect(f.outcome).toBe(i % 3 === 0 ? 'uploaded' : undefined);
    }
  });
});
