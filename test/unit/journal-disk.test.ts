/**
 * The journal on disk through its public face only (issue 15, journal group): what a file holds
 * comes back from a load, whichever way it was written; nothing here depends on how an append is
 * done. Formats and promises from docs/resume.md ("The journal", "Compact lines").
 */
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FileTable,
  foldJournal,
  isWellFormedPlan,
  Journal,
  type JournalFile,
  type JournalLine,
  journalPath,
  seedIdOf,
  snapshotLines,
} from '../../src/backup/journal.js';
import type { FilePlan } from '../../src/hash/file-plan.js';
import { tempDirs } from '../fixtures/temp-dirs.js';

const tmp = tempDirs('kdb-jd-');

const MiB = 1024 * 1024;
const SHA = 'ab'.repeat(32);
const onePart = (size: number, sha = SHA): FilePlan => ({
  sha256: sha,
  length: size,
  partSize: 5 * MiB,
  parts: [{ partNumber: 1, partOffset: 0, partSize: size, hashCtx: [] }],
});
const planLine = (absPath: string, size = 10, sha = SHA): JournalLine => ({
  t: 'plan',
  absPath,
  size,
  mtimeMs: 1_764_000_000_000,
  ino: 77,
  seedId: '0123456789abcdef',
  plan: onePart(size, sha),
});
const text = (lines: readonly JournalLine[]) => lines.map((l) => `${JSON.stringify(l)}\n`).join('');

describe('loading', () => {
  it('a journal over a MiB, lines across every read chunk and names in several UTF-8 bytes, loads whole', () => {
    const dir = tmp();
    const path = join(dir, 'j.ndjson');
    // ~1.5 MiB of object lines: lines fall across the 1 MiB read boundary wherever they happen to.
    const n = 3000;
    const name = (i: number) => `/données/写真/${'é'.repeat(100 + (i % 7))}${i}.jpg`;
    const lines = Array.from({ length: n }, (_, i) => planLine(name(i), 10 + i));
    // The last line has no line break: a crash after its write but before the next is no loss.
    writeFileSync(path, text(lines).slice(0, -1));
    expect(statSync(path).size).toBeGreaterThan(1.2 * MiB);
    for (const j of [Journal.readOnly(path), Journal.open(path)]) {
      expect(j.state.files.size).toBe(n);
      for (const i of [0, 1, 1500, 2999]) {
        const f = j.state.files.get(name(i));
        expect(f?.size, name(i)).toBe(10 + i);
        expect(f?.plan?.sha256).toBe(SHA);
      }
      j.close();
    }
    // Open compacted it; the compacted form loads to the same files.
    const again = Journal.open(path);
    expect(again.state.files.size).toBe(n);
    expect(again.state.files.get(name(n - 1))?.size).toBe(10 + n - 1);
    again.close();
  });

  it('readOnly reads what is there and writes nothing; a missing or unreadable journal is an empty one', () => {
    const dir = tmp();
    const path = join(dir, 'j.ndjson');
    writeFileSync(path, text([{ t: 'record', recordId: 'R1', roots: ['/r'] }, planLine('/r/a')]));
    const before = readFileSync(path, 'utf8');
    const dry = Journal.readOnly(path);
    expect(dry.state.recordId).toBe('R1');
    expect(dry.state.files.get('/r/a')?.size).toBe(10);
    dry.append(planLine('/r/b'));
    dry.appendAll([planLine('/r/c'), { t: 'created', absPath: '/r/c', recordId: 'R1', fileId: 'F', serverName: 'c' }]);
    dry.compact();
    dry.close({ compact: true });
    expect(dry.state.files.has('/r/c')).toBe(true); // the state follows the facts
    expect(readFileSync(path, 'utf8')).toBe(before); // the file does not
    expect(readdirSync(dir)).toEqual(['j.ndjson']);

    expect(Journal.readOnly(join(dir, 'missing.ndjson')).state.files.size).toBe(0);
    expect(readdirSync(dir)).toEqual(['j.ndjson']);
    mkdirSync(join(dir, 'a-folder'));
    expect(Journal.readOnly(join(dir, 'a-folder')).state.files.size).toBe(0);
    expect(Journal.readOnly().state.files.size).toBe(0);
  });
});

describe('writing', () => {
  it('open creates the folder, rewrites the log atomically and leaves no temporary file', () => {
    const dir = tmp();
    const path = join(dir, 'state', 'journals', 'j.ndjson');
    const j = Journal.open(path);
    j.append({ t: 'record', recordId: 'R1', roots: ['/r'] });
    j.append(planLine('/r/a'));
    j.close();
    const reopened = Journal.open(path);
    expect(reopened.state.recordId).toBe('R1');
    expect(reopened.state.files.get('/r/a')?.size).toBe(10);
    reopened.close({ compact: true });
    expect(readdirSync(join(dir, 'state', 'journals'))).toEqual(['j.ndjson']);
  });

  it('--no-resume (fresh) starts from nothing and rewrites the file so', () => {
    const dir = tmp();
    const path = join(dir, 'j.ndjson');
    writeFileSync(path, text([{ t: 'record', recordId: 'R1', roots: ['/r'] }, planLine('/r/a')]));
    const fresh = Journal.open(path, { fresh: true });
    expect(fresh.state.recordId).toBeUndefined();
    expect(fresh.state.files.size).toBe(0);
    fresh.close();
    const after = Journal.readOnly(path);
    expect(after.state.recordId).toBeUndefined();
    expect(after.state.files.size).toBe(0);
  });

  it('a close without compact keeps every appended fact; a close with compact too', () => {
    const dir = tmp();
    const path = join(dir, 'j.ndjson');
    const big: FilePlan = {
      sha256: SHA,
      length: 6 * MiB,
      partSize: 5 * MiB,
      parts: [
        { partNumber: 1, partOffset: 0, partSize: 5 * MiB, hashCtx: [] },
        { partNumber: 2, partOffset: 5 * MiB, partSize: MiB, hashCtx: [1, 2, 3, 4, 5, 6, 7, 8] },
      ],
    };
    const facts: JournalLine[] = [
      { t: 'record', recordId: 'R2', roots: ['/r'] },
      { t: 'plan', absPath: '/r/big', size: 6 * MiB, mtimeMs: 5, ino: 9, seedId: '0123456789abcdef', plan: big },
      { t: 'created', absPath: '/r/big', recordId: 'R2', fileId: 'FB', serverName: 'big' },
      { t: 'part', absPath: '/r/big', fileId: 'FB', partNumber: 2 },
      planLine('/r/small'),
      { t: 'done', absPath: '/r/small', recordId: 'R2', fileId: 'FS', serverName: 'small', outcome: 'rapid' },
      { t: 'record-complete', recordId: 'R2' },
    ];
    const expected = {
      recordId: 'R2',
      recordComplete: true,
      big: { fileId: 'FB', partsDone: [2], outcome: undefined },
      small: { fileId: 'FS', partsDone: [], outcome: 'rapid' },
    };
    const seen = (j: Journal) => {
      const big = j.state.files.get('/r/big')!;
      const small = j.state.files.get('/r/small')!;
      return {
        recordId: j.state.recordId,
        recordComplete: j.state.recordComplete,
        big: { fileId: big.fileId, partsDone: big.partsDone, outcome: big.outcome },
        small: { fileId: small.fileId, partsDone: small.partsDone, outcome: small.outcome },
      };
    };
    for (const compact of [false, true]) {
      const j = Journal.open(path, { fresh: true });
      for (const f of facts) j.append(f);
      j.close({ compact });
      expect(seen(Journal.readOnly(path)), `compact: ${compact}`).toEqual(expected);
    }
  });

  it('a write the disk refuses names the journal file (docs/resume.md: ENOSPC names the file)', () => {
    const dir = tmp();
    const path = join(dir, 'j.ndjson');
    const j = Journal.open(path);
    // The journal file now leads to a device that is always full.
    unlinkSync(path);
    symlinkSync('/dev/full', path);
    let thrown: NodeJS.ErrnoException | undefined;
    try {
      j.append({ t: 'record', recordId: 'R1', roots: ['/r'] });
    } catch (err) {
      thrown = err as NodeJS.ErrnoException;
    }
    expect(thrown?.code).toBe('ENOSPC');
    expect(thrown?.path).toBe(path);
  });
});

describe('compact lines, written by hand from docs/resume.md, load as the facts they stand for', () => {
  // sha256 "abab…" (32 bytes 0xab) and "cdcd…" in base64url; proofCode 0123456789abcdef likewise.
  const SHA_AB = 'q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s';
  const SHA_CD = 'zc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc0';
  const PROOF = 'ASNFZ4mrze8';

  function load(lines: unknown[]): Journal {
    const dir = tmp();
    const path = join(dir, 'j.ndjson');
    writeFileSync(path, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    return Journal.readOnly(path);
  }

  it('"f" lines: defaults from the header, the upload fields in the current record', () => {
    const j = load([
      ['h', '/data/', '0123456789abcdef'],
      { t: 'record', recordId: 'R1', roots: ['/data'] },
      ['f', 'a.txt', 10, 5, 7, '', SHA_AB, '', 0, 'F1', '', 'r'],
      ['f', 'sub/b.txt', 20, 6, 8, 'fedcba9876543210', SHA_CD, PROOF, 6_291_456, 'F2', 'b (1).txt', '', 1],
      ['f', 'c.txt', 30, 7, 9, '', SHA_AB, '~abc', 0, 'F3', '', 'u'],
      ['f', 'd.txt', 40, 8, 10, '', SHA_AB, '', 0, 'F4', '', 'e'],
      ['f', 'e.txt', 50, 9, 11, '', SHA_AB, '', 0, 'F5', '', 'skipped'],
      ['f', 'g.txt', 60, 10, 12, '', SHA_AB, '', 0, 'F6', '', '', 0],
      ['F', '/else/h.txt', 70, 11, 13, '', SHA_CD, '', 0],
    ]);
    const f = (p: string) => j.state.files.get(p);
    expect(j.state.recordId).toBe('R1');
    expect(f('/data/a.txt')).toEqual({
      absPath: '/data/a.txt',
      size: 10,
      mtimeMs: 5,
      ino: 7,
      seedId: '0123456789abcdef',
      plan: {
        sha256: 'ab'.repeat(32),
        length: 10,
        partSize: 5 * MiB,
        parts: [{ partNumber: 1, partOffset: 0, partSize: 10, hashCtx: [] }],
      },
      recordId: 'R1',
      fileId: 'F1',
      serverName: 'a.txt',
      partsDone: [],
      outcome: 'rapid',
    });
    const b = f('/data/sub/b.txt')!;
    expect(b.seedId).toBe('fedcba9876543210');
    expect(b.plan).toEqual({
      sha256: 'cd'.repeat(32),
      length: 20,
      partSize: 6_291_456,
      proofCode: '0123456789abcdef',
      parts: [{ partNumber: 1, partOffset: 0, partSize: 20, hashCtx: [] }],
    });
    expect([b.fileId, b.serverName, b.outcome, b.partsDone]).toEqual(['F2', 'b (1).txt', undefined, [1]]);
    expect(f('/data/c.txt')?.plan?.proofCode).toBe('abc');
    expect(f('/data/c.txt')?.outcome).toBe('uploaded');
    expect(f('/data/d.txt')?.outcome).toBe('exist');
    expect(f('/data/e.txt')?.outcome).toBe('skipped');
    expect([f('/data/g.txt')?.fileId, f('/data/g.txt')?.outcome, f('/data/g.txt')?.partsDone]).toEqual([
      'F6',
      undefined,
      [],
    ]);
    const h = f('/else/h.txt')!;
    expect([h.size, h.seedId, h.plan?.sha256, h.fileId, h.recordId]).toEqual([
      70,
      '0123456789abcdef',
      'cd'.repeat(32),
      undefined,
      undefined,
    ]);
    expect(j.state.files.size).toBe(7);
  });

  it('"d" and "n" lines: a name in the folder last named; before any folder line, or without a header, nothing', () => {
    const j = load([
      ['n', 'early.txt', 1, 1, 1, '', SHA_AB, '', 0], // no folder named yet
      ['f', 'nobase.txt', 1, 1, 1, 's', SHA_AB, '', 0], // no header yet: relative to nothing
      ['h', '/data/', 'seed'],
      ['d', ''],
      ['n', 'top.txt', 1, 1, 1, '', SHA_AB, '', 0],
      ['d', 'x/y'],
      ['n', 'deep.txt', 2, 1, 1, '', SHA_AB, '', 0],
      ['n', 'no-upload.txt', 3, 1, 1, '', SHA_AB, '', 0, 'F9', '', 'u'], // no record line: no upload
    ]);
    expect([...j.state.files.keys()].sort()).toEqual([
      '/data/top.txt',
      '/data/x/y/deep.txt',
      '/data/x/y/no-upload.txt',
    ]);
    expect(j.state.files.get('/data/x/y/deep.txt')?.size).toBe(2);
    expect(j.state.files.get('/data/x/y/no-upload.txt')?.fileId).toBeUndefined();
  });

  it('lines that are not facts are skipped: wrong types, too short, unknown tags, no seed', () => {
    const j = load([
      ['h', '/d/', ''],
      ['f', 'no-seed.txt', 1, 1, 1, '', SHA_AB, '', 0], // neither its own seed nor the header's
      ['f', 'short.txt', 1, 1, 1, 's', SHA_AB, ''],
      ['x', 'tag.txt', 1, 1, 1, 's', SHA_AB, '', 0],
      ['f', 5, 1, 1, 1, 's', SHA_AB, '', 0],
      ['f', 'size.txt', '1', 1, 1, 's', SHA_AB, '', 0],
      ['f', 'mtime.txt', 1, '1', 1, 's', SHA_AB, '', 0],
      ['f', 'ino.txt', 1, 1, '1', 's', SHA_AB, '', 0],
      ['f', 'sha.txt', 1, 1, 1, 's', 1, '', 0],
      ['f', 'proof.txt', 1, 1, 1, 's', SHA_AB, 1, 0],
      ['f', 'part.txt', 1, 1, 1, 's', SHA_AB, '', '0'],
      { t: 5 },
      null,
      7,
      ['f', 'ok.txt', 1, 1, 1, 's', SHA_AB, '', 0],
    ]);
    expect([...j.state.files.keys()]).toEqual(['/d/ok.txt']);
  });
});

describe('what a load gives back, field by field', () => {
  const S1 = '1111111111111111';
  const S2 = '2222222222222222';
  const SHA_AB = 'q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s';
  const SHA_CD = 'zc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc0';
  const PROOF = 'ASNFZ4mrze8';
  const two: FilePlan = {
    sha256: 'ef'.repeat(32),
    length: 6 * MiB,
    partSize: 5 * MiB,
    parts: [
      { partNumber: 1, partOffset: 0, partSize: 5 * MiB, hashCtx: [] },
      { partNumber: 2, partOffset: 5 * MiB, partSize: MiB, hashCtx: [1, 2, 3, 4, 5, 6, 7, 8] },
    ],
  };
  const plan = (
    absPath: string,
    size: number,
    sha: string,
    seedId: string,
    extra: Partial<FilePlan> = {},
  ): JournalLine => ({
    t: 'plan',
    absPath,
    size,
    mtimeMs: 1000 + size,
    ino: size,
    seedId,
    plan: { ...onePart(size, sha), ...extra },
  });
  const facts: JournalLine[] = [
    { t: 'record', recordId: 'R1', roots: ['/data'] },
    plan('/data/a.txt', 10, 'ab'.repeat(32), S1),
    { t: 'done', absPath: '/data/a.txt', recordId: 'R1', fileId: 'F1', serverName: 'a.txt', outcome: 'rapid' },
    plan('/data/sub/b.txt', 20, 'cd'.repeat(32), S1, { proofCode: '0123456789abcdef', partSize: 6 * MiB }),
    { t: 'created', absPath: '/data/sub/b.txt', recordId: 'R1', fileId: 'F2', serverName: 'b (1).txt' },
    { t: 'part', absPath: '/data/sub/b.txt', fileId: 'F2', partNumber: 1 },
    plan('/data/sub/c.txt', 30, 'ab'.repeat(32), S2, { proofCode: 'abc' }),
    { t: 'plan', absPath: '/data/big.bin', size: 6 * MiB, mtimeMs: 9, ino: 9, seedId: S1, plan: two },
    { t: 'created', absPath: '/data/big.bin', recordId: 'R1', fileId: 'FB', serverName: 'big.bin' },
    { t: 'part', absPath: '/data/big.bin', fileId: 'FB', partNumber: 2 },
    plan('/data/odd.txt', 40, 'ab'.repeat(32), S1),
    { t: 'done', absPath: '/data/odd.txt', recordId: 'R1', fileId: 'F4', serverName: 'odd.txt', outcome: 'skipped' },
  ];
  const written = (lines: readonly JournalLine[]) => {
    const path = join(tmp(), 'j.ndjson');
    writeFileSync(path, text(lines));
    Journal.open(path).close();
    return {
      path,
      lines: readFileSync(path, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    };
  };

  it('a compacted journal is the header, the record, then each file in its documented compact line', () => {
    const { path, lines } = written(facts);
    expect(lines).toEqual([
      ['h', '/data/', S1],
      { t: 'record', recordId: 'R1', roots: ['/data'] },
      ['d', ''],
      ['n', 'a.txt', 10, 1010, 10, '', SHA_AB, '', 0, 'F1', '', 'r'],
      ['d', 'sub'],
      ['n', 'b.txt', 20, 1020, 20, '', SHA_CD, PROOF, 6 * MiB, 'F2', 'b (1).txt', '', 1],
      ['n', 'c.txt', 30, 1030, 30, S2, SHA_AB, '~abc', 0],
      // two parts: the object lines, as before compaction
      { t: 'plan', absPath: '/data/big.bin', size: 6 * MiB, mtimeMs: 9, ino: 9, seedId: S1, plan: two },
      { t: 'created', absPath: '/data/big.bin', recordId: 'R1', fileId: 'FB', serverName: 'big.bin' },
      { t: 'part', absPath: '/data/big.bin', fileId: 'FB', partNumber: 2 },
      ['d', ''],
      ['n', 'odd.txt', 40, 1040, 40, '', SHA_AB, '', 0, 'F4', '', 'skipped'],
    ]);
    const j = Journal.readOnly(path);
    expect(j.state.files.get('/data/sub/c.txt')?.plan?.proofCode).toBe('abc');
    expect(j.state.files.get('/data/odd.txt')?.outcome).toBe('skipped');
    expect(j.state.files.get('/data/big.bin')?.partsDone).toEqual([2]);
  });

  it('paths with no common folder are written whole ("F"); a completed record ends the file', () => {
    const { path, lines } = written([
      { t: 'record', recordId: 'R1', roots: ['/data', 'C:\\w'] },
      plan('C:\\w\\b.txt', 20, 'cd'.repeat(32), S1),
      plan('/data/a.txt', 10, 'ab'.repeat(32), S1),
      { t: 'record-complete', recordId: 'R1' },
    ]);
    expect(lines).toEqual([
      ['h', '', S1],
      { t: 'record', recordId: 'R1', roots: ['/data', 'C:\\w'] },
      ['F', 'C:\\w\\b.txt', 20, 1020, 20, '', SHA_CD, '', 0],
      ['F', '/data/a.txt', 10, 1010, 10, '', SHA_AB, '', 0],
      { t: 'record-complete', recordId: 'R1' },
    ]);
    const j = Journal.readOnly(path);
    expect([j.state.recordId, j.state.recordComplete]).toEqual(['R1', true]);
    expect(j.state.files.get('C:\\w\\b.txt')?.size).toBe(20);
  });

  it('uploads of an older record are not kept by compaction: a new record forgets them', () => {
    const { path } = written([...facts, { t: 'record', recordId: 'R2', roots: ['/data'] }]);
    const j = Journal.readOnly(path);
    expect(j.state.recordId).toBe('R2');
    for (const p of ['/data/a.txt', '/data/sub/b.txt', '/data/big.bin']) {
      const f = j.state.files.get(p)!;
      expect([f.recordId, f.fileId, f.serverName, f.outcome, f.partsDone], p).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
        [],
      ]);
      expect(f.plan?.length).toBe(f.size); // the plan is kept
    }
  });

  it('snapshotLines: the object lines that rebuild the state, in the order of the docs table', () => {
    const state = foldJournal([...facts, { t: 'record-complete', recordId: 'R1' }]);
    expect(snapshotLines(state)).toEqual([
      { t: 'record', recordId: 'R1', roots: ['/data'] },
      facts[1],
      { t: 'done', absPath: '/data/a.txt', recordId: 'R1', fileId: 'F1', serverName: 'a.txt', outcome: 'rapid' },
      facts[3],
      facts[4],
      facts[5],
      facts[6],
      facts[7],
      facts[8],
      facts[9],
      facts[10],
      facts[11],
      { t: 'record-complete', recordId: 'R1' },
    ]);
    expect(snapshotLines(foldJournal([]))).toEqual([]);
    const open = foldJournal(facts.slice(0, 3));
    expect(snapshotLines(open).at(-1)).toEqual(facts[2]); // not completed: no record-complete line
  });

  it('an empty journal: no record, not complete, no roots', () => {
    const j = Journal.readOnly();
    expect([j.state.recordId, j.state.recordComplete, j.state.roots, j.state.files.size]).toEqual([
      undefined,
      false,
      [],
      0,
    ]);
  });

  it('a blank line and object lines between compact lines change nothing around them', () => {
    const path = join(tmp(), 'j.ndjson');
    writeFileSync(
      path,
      [
        JSON.stringify(['h', '/d/', S1]),
        JSON.stringify({ t: 'record', recordId: 'R1', roots: ['/d'] }),
        JSON.stringify(['d', 'x']),
        '',
        '   ',
        JSON.stringify(plan('/d/y/obj.txt', 5, 'ab'.repeat(32), S1)),
        JSON.stringify(['n', 'a.txt', 1, 1, 1, '', SHA_AB, '', 0, 'FA', '', 'u']),
        '',
      ].join('\n'),
    );
    const j = Journal.readOnly(path);
    const a = j.state.files.get('/d/x/a.txt');
    expect([a?.recordId, a?.fileId, a?.outcome]).toEqual(['R1', 'FA', 'uploaded']);
    expect(j.state.files.has('/d/y/obj.txt')).toBe(true);
  });
});

describe('FileTable keeps every field of an entry, packed or not', () => {
  const base = {
    absPath: '/r/a',
    size: 10,
    mtimeMs: 1.5,
    ino: 3,
    plan: onePart(10),
    partsDone: [] as number[],
  };
  it.each([
    ['bare', { ...base }],
    ['seed and proof', { ...base, seedId: 's', plan: { ...onePart(10), proofCode: 'abcd' } }],
    ['odd proof', { ...base, plan: { ...onePart(10), proofCode: 'abc' } }],
    ['created', { ...base, recordId: 'R', fileId: 'F', serverName: 'a', partsDone: [] }],
    ['part 1 sent', { ...base, recordId: 'R', fileId: 'F', serverName: 'a', partsDone: [1] }],
    ['done', { ...base, recordId: 'R', fileId: 'F', serverName: 'a', outcome: 'exist' }],
    ['another part size', { ...base, plan: { ...onePart(10), partSize: 8 * MiB } }],
    [
      'two parts',
      {
        ...base,
        size: 6 * MiB,
        plan: {
          ...onePart(6 * MiB),
          parts: [
            { partNumber: 1, partOffset: 0, partSize: 5 * MiB, hashCtx: [] },
            { partNumber: 2, partOffset: 5 * MiB, partSize: MiB, hashCtx: [1] },
          ],
        },
        partsDone: [2],
      },
    ],
    ['a part other than 1 done', { ...base, partsDone: [2] }],
    ['no plan', { absPath: '/r/a', size: 10, mtimeMs: 1, ino: 3, partsDone: [] }],
  ])('%s', (_name, entry) => {
    const t = new FileTable().set(entry.absPath, entry as JournalFile);
    expect(t.get('/r/a')).toEqual(entry);
    expect(t.has('/r/a')).toBe(true);
    expect(t.size).toBe(1);
    expect([...t.keys()]).toEqual(['/r/a']);
    expect([...t.values()]).toEqual([entry]);
    expect([...t.entries()]).toEqual([['/r/a', entry]]);
    expect([...t]).toEqual([['/r/a', entry]]);
    expect(t.delete('/r/a')).toBe(true);
    expect(t.has('/r/a')).toBe(false);
    expect(t.get('/r/a')).toBeUndefined();
  });
});

describe('names and plans', () => {
  it('the journal name is stable across versions (a known answer) and depends on every part of the key', () => {
    // sha256 of ["http://x","u",["/r","/s"]], first 24 hex (computed once with Python's hashlib).
    expect(journalPath('/st', { endpoint: 'http://x', userId: 'u', roots: ['/s', '/r'] })).toBe(
      '/st/journals/bbf0beebb3e96191c28c8a9d.ndjson',
    );
    const a = journalPath('/st', { endpoint: 'http://x', userId: 'u', roots: ['/r'] });
    expect(journalPath('/st', { endpoint: 'http://x', userId: 'u', roots: ['/s'] })).not.toBe(a);
    expect(journalPath('/st', { endpoint: 'http://x', userId: 'v', roots: ['/r'] })).not.toBe(a);
    // the seed's digest: 16 hex of sha256("koodrive-proof-seed:" + seed), never the seed
    expect(seedIdOf('secret-token')).toBe('2073f61b283f154c');
  });

  it('isWellFormedPlan refuses each malformed field', () => {
    const ok = onePart(10);
    expect(isWellFormedPlan(ok, 10)).toBe(true);
    expect(isWellFormedPlan({ ...ok, proofCode: '0a' }, 10)).toBe(true);
    for (const bad of [
      'a plan',
      null,
      { ...ok, sha256: 5 },
      { ...ok, sha256: ['a'.repeat(64)] }, // its text would pass the pattern
      { ...ok, sha256: `x${'a'.repeat(64)}` },
      { ...ok, sha256: `${'a'.repeat(64)}x` },
      { ...ok, sha256: 'A'.repeat(64) },
      { ...ok, length: 11 },
      { ...ok, parts: 'x' },
      { ...ok, proofCode: 5 },
      { ...ok, proofCode: 'xa' },
      { ...ok, proofCode: 'ax' },
      { ...ok, proofCode: '' },
      { ...ok, parts: [null] },
    ])
      expect(isWellFormedPlan(bad, 10), JSON.stringify(bad)).toBe(false);
  });
});

describe('resources', () => {
  it('journals opened, written and closed leave no file descriptor open', () => {
    const dir = tmp();
    const openFds = () => readdirSync('/proc/self/fd').length;
    const cycle = (i: number) => {
      const j = Journal.open(join(dir, `j${i % 3}.ndjson`));
      j.append({ t: 'record', recordId: `R${i}`, roots: ['/r'] });
      j.append(planLine('/r/a'));
      j.append(planLine('/r/b'));
      j.close(i % 2 === 0 ? {} : { compact: true });
    };
    cycle(0);
    const before = openFds();
    for (let i = 1; i <= 40; i++) cycle(i);
    expect(openFds() - before).toBeLessThan(10); // one left open per journal would be +40
  });
});
