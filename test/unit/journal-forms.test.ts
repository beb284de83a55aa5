/**
 * The journal's public face, second part (issue 15, journal group): entries of every plan shape
 * come back whole from the in-memory table, a run's closing compaction leaves one compact line per
 * one-part file, and damaged compact lines place nothing (docs/resume.md, "Compact lines").
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTable, foldJournal, Journal, type JournalFile, type JournalLine } from '../../src/backup/journal.js';
import type { FilePlan } from '../../src/hash/file-plan.js';
import { tempDirs } from '../fixtures/temp-dirs.js';

const tmp = tempDirs('kdb-jf-');
const MiB = 1024 * 1024;
const SHA = 'ab'.repeat(32);
const SHA_AB = 'q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s';
const onePart = (size: number): FilePlan => ({
  sha256: SHA,
  length: size,
  partSize: 5 * MiB,
  parts: [{ partNumber: 1, partOffset: 0, partSize: size, hashCtx: [] }],
});

describe('FileTable: entries whose plan is not a plain one-part plan come back whole', () => {
  const entry = (plan: FilePlan, size = 10): JournalFile => ({
    absPath: '/r/a',
    size,
    mtimeMs: 1,
    ino: 2,
    seedId: 's',
    plan,
    recordId: 'R',
    fileId: 'F',
    serverName: 'a',
    partsDone: [],
  });
  const part = (o: Partial<FilePlan['parts'][number]>) => [{ ...onePart(10).parts[0]!, ...o }];
  it.each([
    [
      'two parts, none sent',
      entry(
        {
          ...onePart(6 * MiB),
          parts: [...part({ partSize: 5 * MiB }), { partNumber: 2, partOffset: 5 * MiB, partSize: MiB, hashCtx: [1] }],
        },
        6 * MiB,
      ),
    ],
    ['plan length other than the size', entry({ ...onePart(10), length: 11 })],
    ['part number 2', entry({ ...onePart(10), parts: part({ partNumber: 2 }) })],
    ['part offset 5', entry({ ...onePart(10), parts: part({ partOffset: 5 }) })],
    ['part size other than the size', entry({ ...onePart(10), parts: part({ partSize: 9 }) })],
    ['a hash context', entry({ ...onePart(10), parts: part({ hashCtx: [1, 2, 3, 4, 5, 6, 7, 8] }) })],
    ['an upper-case sha256', entry({ ...onePart(10), sha256: 'AB'.repeat(32) })],
    [
      'a second part after a first that covers the file',
      entry({ ...onePart(10), parts: [...part({}), { partNumber: 2, partOffset: 10, partSize: 1, hashCtx: [] }] }),
    ],
    ['a part 2 sent of a one-part plan', { ...entry(onePart(10)), partsDone: [1, 2] }],
    // plain one-part entries, with and without each optional field: packed, they must read back whole
    ['one part, no upload, no proofCode', { ...entry(onePart(10)), recordId: undefined, fileId: undefined }],
    [
      'one part, with a proofCode and an outcome',
      { ...entry({ ...onePart(10), proofCode: '0a1b' }), outcome: 'rapid' },
    ],
    ['one part, no seed, no server name', { ...entry(onePart(10)), seedId: undefined, serverName: undefined }],
  ])('%s', (_name, e) => {
    // set before more entries than the table keeps as objects: it leaves the window (and is packed if it fits)
    const t = new FileTable().set(e.absPath, e);
    for (let i = 0; i < 300; i++) t.set(`/r/other${i}`, { ...entry(onePart(10)), absPath: `/r/other${i}` });
    expect(t.get(e.absPath)).toEqual(e); // a field read back as null where none was set fails too
    expect([...t.values()][0]).toEqual(e);
  });
});

describe('a new record', () => {
  it('forgets the parts sent in the old one', () => {
    const two: FilePlan = {
      ...onePart(6 * MiB),
      parts: [
        { partNumber: 1, partOffset: 0, partSize: 5 * MiB, hashCtx: [] },
        { partNumber: 2, partOffset: 5 * MiB, partSize: MiB, hashCtx: [1, 2, 3, 4, 5, 6, 7, 8] },
      ],
    };
    const state = foldJournal([
      { t: 'record', recordId: 'R1', roots: ['/r'] },
      { t: 'plan', absPath: '/r/big', size: 6 * MiB, mtimeMs: 1, ino: 2, seedId: 's', plan: two },
      { t: 'created', absPath: '/r/big', recordId: 'R1', fileId: 'F', serverName: 'big' },
      { t: 'part', absPath: '/r/big', fileId: 'F', partNumber: 2 },
      { t: 'record', recordId: 'R2', roots: ['/r'] },
    ]);
    expect(state.files.get('/r/big')?.partsDone).toEqual([]);
    expect(state.files.get('/r/big')?.fileId).toBeUndefined();
  });
});

describe("a run's closing compaction", () => {
  it('close({ compact: true }): a one-part file journalled fact by fact ends as one compact line', () => {
    const path = join(tmp(), 'j.ndjson');
    const facts: JournalLine[] = [
      { t: 'record', recordId: 'R1', roots: ['/r'] },
      { t: 'plan', absPath: '/r/a.txt', size: 10, mtimeMs: 1, ino: 2, seedId: '1111111111111111', plan: onePart(10) },
      { t: 'created', absPath: '/r/a.txt', recordId: 'R1', fileId: 'FA', serverName: 'a.txt' },
      { t: 'part', absPath: '/r/a.txt', fileId: 'FA', partNumber: 1 },
    ];
    const j = Journal.open(path);
    for (const f of facts) j.append(f); // one write each: object lines
    j.close({ compact: true });
    const lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      ['h', '/r/', '1111111111111111'],
      { t: 'record', recordId: 'R1', roots: ['/r'] },
      ['d', ''],
      ['n', 'a.txt', 10, 1, 2, '', SHA_AB, '', 0, 'FA', '', '', 1],
    ]);
    const f = Journal.readOnly(path).state.files.get('/r/a.txt');
    expect([f?.fileId, f?.partsDone, f?.outcome]).toEqual(['FA', [1], undefined]);
  });
});

describe('damaged compact lines place nothing', () => {
  const load = (lines: string[]) => {
    const path = join(tmp(), 'j.ndjson');
    writeFileSync(path, `${lines.join('\n')}\n`);
    return Journal.readOnly(path).state;
  };
  const n = (name: string) => JSON.stringify(['n', name, 1, 1, 1, '', SHA_AB, '', 0]);

  it('after a torn folder line, names are not put in the folder before it', () => {
    const state = load([
      JSON.stringify(['h', '/d/', 's']),
      JSON.stringify(['d', 'a']),
      n('x.txt'),
      '["d","b',
      n('y.txt'),
    ]);
    expect([...state.files.keys()]).toEqual(['/d/a/x.txt']);
  });

  it('a header or folder line with a damaged field sets nothing', () => {
    expect(
      load([JSON.stringify(['h', 5, 's']), JSON.stringify(['f', 'a.txt', 1, 1, 1, '', SHA_AB, '', 0])]).files.size,
    ).toBe(0);
    expect(
      load([JSON.stringify(['h', '/d/', 5]), JSON.stringify(['f', 'a.txt', 1, 1, 1, '', SHA_AB, '', 0])]).files.size,
    ).toBe(0);
    expect(load([JSON.stringify(['h', '/d/', 's']), JSON.stringify(['d', 5]), n('x.txt')]).files.size).toBe(0);
  });
});
