/**
 * The journal's index over its file (journal-index.ts, issue 16) must know exactly what folding
 * the same facts in memory knows (FileTable, tested on its own with written-out facts): a long
 * seeded history over more files than stay objects (256), with new records, forgotten files,
 * multi-part plans and stray lines, compared at every step, after a reopen and after compaction.
 */
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldJournal, Journal, journalBase, type JournalLine, type JournalState } from '../../src/backup/journal.js';
import type { FilePlan } from '../../src/hash/file-plan.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { tempDirs } from '../fixtures/temp-dirs.js';

const tmp = tempDirs('kdb-ji-');

const MiB = 1024 * 1024;
const hex = (i: number) => (i >>> 0).toString(16).padStart(8, '0').repeat(8);
const onePart = (size: number, v: number): FilePlan => ({
  sha256: hex(v),
  length: size,
  proofCode: hex(v + 1).slice(0, 16),
  partSize: 5 * MiB,
  parts: [{ partNumber: 1, partOffset: 0, partSize: size, hashCtx: [] }],
});
const twoParts = (v: number): FilePlan => ({
  sha256: hex(v),
  length: 6 * MiB,
  partSize: 5 * MiB,
  parts: [
    { partNumber: 1, partOffset: 0, partSize: 5 * MiB, hashCtx: [] },
    { partNumber: 2, partOffset: 5 * MiB, partSize: MiB, hashCtx: [v, 2, 3, 4, 5, 6, 7, 8] },
  ],
});

/**
 * A state as plain data. Which parts were sent matters only while an upload is open: a compact
 * line (docs/resume.md) does not keep it once the file is done, so it is not compared then.
 */
const plain = (state: JournalState) =>
  JSON.parse(
    JSON.stringify({
      recordId: state.recordId,
      recordComplete: state.recordComplete,
      roots: state.roots,
      files: [...state.files.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([p, f]) => [p, f.outcome === undefined ? f : { ...f, partsDone: 'done' }]),
    }),
  ) as unknown;

/** One random step: the facts a run could journal together, about one file or the record. */
function step(rnd: () => number, paths: string[], recordId: () => string): JournalLine[] {
  const absPath = paths[Math.floor(rnd() * paths.length)]!;
  const v = Math.floor(rnd() * 4); // few contents, so plans repeat and keep their uploads
  const size = 10 + v;
  const fileId = `F${Math.floor(rnd() * 3)}`;
  const serverName = rnd() < 0.8 ? absPath.split('/').pop()! : `renamed_${v}.bin`;
  const plan: JournalLine = {
    t: 'plan',
    absPath,
    size: v === 3 ? 6 * MiB : size,
    mtimeMs: 1_764_000_000_000 + v,
    ino: 100 + v,
    seedId: rnd() < 0.9 ? 'seed0001' : 'seed0002',
    plan: v === 3 ? twoParts(v) : onePart(size, v),
  };
  const created: JournalLine = { t: 'created', absPath, recordId: recordId(), fileId, serverName };
  const outcome = ['uploaded', 'rapid', 'exist', 'unchanged'][Math.floor(rnd() * 4)]!;
  const done: JournalLine = { t: 'done', absPath, recordId: recordId(), fileId, serverName, outcome };
  const part = (n: number): JournalLine => ({ t: 'part', absPath, fileId, partNumber: n });
  const r = rnd();
  if (r < 0.25) return [plan, created];
  if (r < 0.35) return [plan, done];
  if (r < 0.4) return [plan, { ...done, fileId: undefined }];
  if (r < 0.45) return [plan];
  if (r < 0.6) return [created];
  if (r < 0.7) return [part(1)];
  if (r < 0.75) return [part(2)];
  if (r < 0.85) return [done];
  if (r < 0.9) return [{ t: 'forget', absPath }];
  if (r < 0.92) return [{ t: 'record-complete', recordId: recordId() }];
  if (r < 0.94) return [{ t: 'record', recordId: `R${Math.floor(rnd() * 1e6)}`, roots: ['/data'] }];
  return [plan, created, part(1), done];
}

describe('the journal index over its file knows what an in-memory fold knows', () => {
  it('a seeded history over 600 files: the same state at every step, after a reopen, after compaction', () => {
    const path = join(tmp(), 'j.ndjson');
    const rnd = seededRandom(16);
    const paths = Array.from({ length: 600 }, (_, i) => `/data/d${i % 7}/f${i}.bin`);
    paths.push('/elsewhere/x.bin', '/data/a\\b "q".bin', '/data/ünï/ç.bin');
    const facts: JournalLine[] = [{ t: 'record', recordId: 'R0', roots: ['/data'] }];
    let journal = Journal.open(path);
    journal.append(facts[0]!);
    const current = () => journal.state.recordId ?? 'R0';
    for (let i = 0; i < 6000; i++) {
      const lines = step(rnd, paths, current);
      facts.push(...lines);
      journal.appendAll(lines);
      if (i % 500 === 499) expect(plain(journal.state), `step ${i}`).toEqual(plain(foldJournal(facts)));
      if (i % 2000 === 1999) {
        // a new run: reopen (index rebuilt from the file), sometimes after a compacting close
        journal.close({ compact: i % 4000 === 3999 });
        journal = Journal.open(path);
        expect(plain(journal.state), `reopened at ${i}`).toEqual(plain(foldJournal(facts)));
      }
    }
    // every entry read one at a time agrees too (not only the iteration)
    const expected = foldJournal(facts);
    for (const p of paths) {
      const [got, want] = [journal.state.files.get(p), expected.files.get(p)];
      expect(got && { ...got, partsDone: got.outcome ? [] : got.partsDone }, p).toEqual(
        want && { ...want, partsDone: want.outcome ? [] : want.partsDone },
      );
    }
    journal.close({ compact: true });
    const reopened = Journal.open(path);
    expect(plain(reopened.state)).toEqual(plain(expected));
    reopened.close();
  });

  it('opening a compacted journal reads it without rewriting it; a torn last line makes it rewrite', () => {
    const path = join(tmp(), 'j.ndjson');
    const j = Journal.open(path);
    j.append({ t: 'record', recordId: 'R1', roots: ['/r'] });
    for (let i = 0; i < 50; i++) {
      const absPath = `/r/f${i}`;
      j.appendAll([
        { t: 'plan', absPath, size: 5, mtimeMs: 1, ino: i, seedId: 's1', plan: onePart(5, i) },
        { t: 'created', absPath, recordId: 'R1', fileId: `F${i}`, serverName: `f${i}` },
      ]);
    }
    j.close({ compact: true });
    const before = statSync(path);
    const again = Journal.open(path);
    expect(again.state.files.size).toBe(50);
    again.close();
    expect(statSync(path).ino).toBe(before.ino); // the same file: not rewritten
    appendFileSync(path, '["f","f1",5,1,1,"","AAAA'); // a crash mid-line
    const repaired = Journal.open(path);
    repaired.append({ t: 'forget', absPath: '/r/f2' });
    repaired.close();
    expect(statSync(path).ino).not.toBe(before.ino); // rewritten without the torn line
    const last = Journal.open(path);
    expect(last.state.files.size).toBe(49);
    expect(last.state.files.get('/r/f1')?.fileId).toBe('F1');
    last.close();
  });
});

describe('a fresh journal takes the header its run expects', () => {
  it('journalBase: the folder every file under the roots is in', () => {
    expect(journalBase(['/data/photos'])).toBe('/data/photos/');
    expect(journalBase(['/data/photos/'])).toBe('/data/photos/');
    expect(journalBase(['/data/photos', '/data/music'])).toBe('/data/');
    expect(journalBase(['/srv/a', '/home/b'])).toBe('/');
    expect(journalBase(['C:\\Users\\me\\docs'])).toBe('C:\\Users\\me\\docs\\');
    expect(journalBase([])).toBeUndefined();
  });

  it('lines appended to a fresh journal are relative to the roots and name no seed', () => {
    const path = join(tmp(), 'j.ndjson');
    const j = Journal.open(path, { expect: { base: '/data/photos/', seedId: 's1' } });
    j.append({ t: 'record', recordId: 'R1', roots: ['/data/photos'] });
    const absPath = '/data/photos/2024/a.jpg';
    j.appendAll([
      { t: 'plan', absPath, size: 5, mtimeMs: 1, ino: 9, seedId: 's1', plan: onePart(5, 1) },
      { t: 'created', absPath, recordId: 'R1', fileId: 'F1', serverName: 'a.jpg' },
    ]);
    j.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!)).toEqual(['h', '/data/photos/', 's1']);
    expect(JSON.parse(lines.at(-1)!).slice(0, 2)).toEqual(['f', '2024/a.jpg']);
    expect(JSON.parse(lines.at(-1)!)[5]).toBe('');
    const again = Journal.open(path);
    expect(again.state.files.get(absPath)).toMatchObject({ fileId: 'F1', seedId: 's1', serverName: 'a.jpg' });
    again.close();
  });
});
