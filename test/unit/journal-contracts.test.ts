/**
 * The journal's smaller promises, each stated in its module's comments (issue 15, journal group,
 * third pass after issue 16 split the index out): the decoder never throws and yields facts only,
 * a new record leaves no upload on any entry, the disk index counts, finds and forgets entries as
 * a table must, a journal of the old form (no header) is rewritten when opened, and the base
 * folder of compact lines is the longest shared folder. Expected values are written out by hand.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FileTable,
  Journal,
  JournalDecoder,
  type JournalFile,
  type JournalLine,
  journalBase,
  narrowBase,
} from '../../src/backup/journal.js';
import type { FilePlan } from '../../src/hash/file-plan.js';
import { tempDirs } from '../fixtures/temp-dirs.js';

const tmp = tempDirs('kdb-jc-');
const SHA = 'ab'.repeat(32);
const SHA_AB = 'q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s'; // SHA in base64url
const onePart = (size: number): FilePlan => ({
  sha256: SHA,
  length: size,
  partSize: 5 * 1024 * 1024,
  parts: [{ partNumber: 1, partOffset: 0, partSize: size, hashCtx: [] }],
});
const planLine = (absPath: string, size = 10): JournalLine => ({
  t: 'plan',
  absPath,
  size,
  mtimeMs: 1,
  ino: 2,
  seedId: 's',
  plan: onePart(size),
});

describe('JournalDecoder: facts only, never a throw', () => {
  it('lines that are no fact decode to nothing', () => {
    const d = new JournalDecoder();
    for (const raw of [
      '',
      '   ',
      'not json',
      'null',
      '5',
      '"text"',
      '{"t":5}',
      '{}',
      JSON.stringify(['h', '/d/', 's']),
      JSON.stringify(['d', 'sub']),
      JSON.stringify(['x', 'a', 1, 1, 1, '', SHA_AB, '', 0]),
      JSON.stringify(['f', 'a', 1, 1, 1, '', SHA_AB, '']), // eight fields: too short
      JSON.stringify(['n', 'a', '1', 1, 1, '', SHA_AB, '', 0]), // size as text
    ])
      expect(d.decode(raw), raw).toEqual([]);
  });

  it('compact lines that lack their context decode to nothing', () => {
    const line = (kind: string, seed = '') => JSON.stringify([kind, 'a.txt', 10, 1, 2, seed, SHA_AB, '', 0]);
    expect(new JournalDecoder().decode(line('f', 's')), 'relative, no header').toEqual([]);
    const headed = new JournalDecoder();
    headed.decode(JSON.stringify(['h', '/d/', '']));
    expect(headed.decode(line('n', 's')), 'a name before any folder line').toEqual([]);
    expect(headed.decode(line('F')), "the header's seed, and the header names none").toEqual([]);
  });

  it('a compact line after an object line still has the current record', () => {
    const d = new JournalDecoder();
    d.decode(JSON.stringify(['h', '/d/', 's']));
    d.decode(JSON.stringify({ t: 'record', recordId: 'R1', roots: ['/d'] }));
    d.decode(JSON.stringify(planLine('/d/other')));
    const facts = d.decode(JSON.stringify(['f', 'a.txt', 10, 1, 2, '', SHA_AB, '', 0, 'F1', '', 'u']));
    expect(facts).toEqual([
      planLine('/d/a.txt'),
      { t: 'created', absPath: '/d/a.txt', recordId: 'R1', fileId: 'F1', serverName: 'a.txt' },
      { t: 'done', absPath: '/d/a.txt', recordId: 'R1', fileId: 'F1', serverName: 'a.txt', outcome: 'uploaded' },
    ]);
  });
});

describe('FileTable.clearUploads: no entry keeps any part of an upload', () => {
  it('whichever upload field alone is set', () => {
    const t = new FileTable();
    const base = (absPath: string): JournalFile => ({
      absPath,
      size: 10,
      mtimeMs: 1,
      ino: 2,
      seedId: 's',
      plan: onePart(10),
      partsDone: [],
    });
    t.set('/r/record', { ...base('/r/record'), recordId: 'R1' });
    t.set('/r/file', { ...base('/r/file'), fileId: 'F' });
    t.set('/r/outcome', { ...base('/r/outcome'), outcome: 'exist' });
    t.set('/r/part', { ...base('/r/part'), partsDone: [1] });
    t.set('/r/none', base('/r/none'));
    t.clearUploads('R2');
    for (const p of ['/r/record', '/r/file', '/r/outcome', '/r/part', '/r/none']) expect(t.get(p), p).toEqual(base(p));
  });
});

describe('the disk index as a table', () => {
  const open = () => {
    const path = join(tmp(), 'j.ndjson');
    const j = Journal.open(path);
    j.append({ t: 'record', recordId: 'R1', roots: ['/r'] });
    return { path, j };
  };

  it('counts each path once, forgets, and counts a path planned again after it was forgotten', () => {
    const { path, j } = open();
    const files = j.state.files;
    j.append(planLine('/r/a'));
    j.append(planLine('/r/a'));
    j.append(planLine('/r/b'));
    expect(files.size).toBe(2);
    j.append({ t: 'forget', absPath: '/r/a' });
    j.append({ t: 'forget', absPath: '/r/a' });
    j.append({ t: 'forget', absPath: '/r/never' }); // a forget of an unknown path makes no entry
    j.append({ t: 'created', absPath: '/r/ghost', recordId: 'R1', fileId: 'G', serverName: 'ghost' });
    expect(files.size).toBe(1);
    expect([files.has('/r/a'), files.has('/r/b'), files.has('/r/never'), files.has('/r/ghost')]).toEqual([
      false,
      true,
      false,
      false,
    ]);
    j.append(planLine('/r/a', 12));
    expect(files.size).toBe(2);
    expect(files.get('/r/a')?.size).toBe(12);
    j.close();
    const again = Journal.open(path);
    expect(again.state.files.size).toBe(2);
    expect([...again.state.files.keys()].sort()).toEqual(['/r/a', '/r/b']);
    // entries read from the file, none kept as an object yet
    expect([again.state.files.delete('/r/b'), again.state.files.delete('/r/b')]).toEqual([true, false]);
    expect(again.state.files.size).toBe(1);
    again.close();
  });

  it('delete says whether there was an entry', () => {
    const { j } = open();
    j.append(planLine('/r/a'));
    expect(j.state.files.delete('/r/a')).toBe(true);
    expect(j.state.files.delete('/r/a')).toBe(false);
    expect(j.state.files.delete('/r/never')).toBe(false);
    expect(j.state.files.size).toBe(0);
    j.close();
  });

  it('an entry set but not yet written is read back and listed last', () => {
    const { j } = open();
    j.append(planLine('/r/a'));
    const unwritten: JournalFile = {
      absPath: '/r/new',
      size: 10,
      mtimeMs: 1,
      ino: 3,
      seedId: 's',
      plan: onePart(10),
      recordId: 'R1',
      fileId: 'FN',
      serverName: 'new',
      partsDone: [1],
    };
    j.state.files.set('/r/new', unwritten);
    expect(j.state.files.get('/r/new')).toEqual(unwritten);
    expect(j.state.files.size).toBe(2);
    expect([...j.state.files.keys()]).toEqual(['/r/a', '/r/new']);
    expect([...j.state.files.entries()].at(-1)).toEqual(['/r/new', unwritten]);
    j.close();
  });

  it('record-complete of another record does not complete the current one, after a reopen too', () => {
    const { path, j } = open();
    j.append({ t: 'record-complete', recordId: 'R0' });
    expect(j.state.recordComplete).toBe(false);
    j.close();
    const again = Journal.open(path);
    expect([again.state.recordId, again.state.recordComplete]).toEqual(['R1', false]);
    again.close();
  });

  it('appendAll of nothing writes nothing', () => {
    const { path, j } = open();
    const before = readFileSync(path, 'utf8');
    j.appendAll([]);
    j.close();
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('an entry read from the file reads back the same every time (parts sent of an open upload too)', () => {
    const { path, j } = open();
    const big: FilePlan = {
      sha256: SHA,
      length: 6 * 1024 * 1024,
      partSize: 5 * 1024 * 1024,
      parts: [
        { partNumber: 1, partOffset: 0, partSize: 5 * 1024 * 1024, hashCtx: [] },
        { partNumber: 2, partOffset: 5 * 1024 * 1024, partSize: 1024 * 1024, hashCtx: [1, 2, 3, 4, 5, 6, 7, 8] },
      ],
    };
    j.appendAll([
      { ...planLine('/r/big', 6 * 1024 * 1024), plan: big } as JournalLine,
      { t: 'created', absPath: '/r/big', recordId: 'R1', fileId: 'FB', serverName: 'big' },
      { t: 'part', absPath: '/r/big', fileId: 'FB', partNumber: 2 },
    ]);
    j.close();
    const again = Journal.open(path);
    for (let i = 0; i < 3; i++) expect(again.state.files.get('/r/big')?.partsDone, `read ${i + 1}`).toEqual([2]);
    again.close();
  });

  it('a header that is not the first line does not make the journal compacted: it is rewritten', () => {
    const path = join(tmp(), 'j.ndjson');
    const lines = [
      JSON.stringify({ t: 'record', recordId: 'R1', roots: ['/r'] }),
      JSON.stringify(['h', '/r/', 's']),
      JSON.stringify(['f', 'a', 10, 1, 2, '', SHA_AB, '', 0]),
    ];
    writeFileSync(path, `${lines.join('\n')}\n`);
    const before = statSync(path).ino;
    Journal.open(path).close();
    expect(statSync(path).ino).not.toBe(before);
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(JSON.stringify(['h', '/r/', 's']));
  });

  it('a new journal: no record, not complete, no roots, no files', () => {
    const j = Journal.open(join(tmp(), 'j.ndjson'));
    expect([j.state.recordId, j.state.recordComplete, j.state.roots, j.state.files.size]).toEqual([
      undefined,
      false,
      [],
      0,
    ]);
    j.close();
  });

  it('a file whose plan is the first line of an old-form journal keeps it', () => {
    const path = join(tmp(), 'j.ndjson');
    const lines: JournalLine[] = [
      planLine('/r/a'),
      { t: 'created', absPath: '/r/a', recordId: 'R0', fileId: 'F', serverName: 'a' },
    ];
    writeFileSync(path, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const j = Journal.open(path);
    expect(j.state.files.get('/r/a')?.plan).toEqual(onePart(10));
    j.close();
  });

  it('a journal of the old form (object lines, no header) is rewritten with a header when opened', () => {
    const path = join(tmp(), 'j.ndjson');
    const lines: JournalLine[] = [{ t: 'record', recordId: 'R1', roots: ['/r'] }, planLine('/r/a')];
    writeFileSync(path, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const before = statSync(path).ino;
    Journal.open(path).close();
    expect(statSync(path).ino).not.toBe(before);
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toEqual([
      JSON.stringify(['h', '/r/', 's']),
      JSON.stringify({ t: 'record', recordId: 'R1', roots: ['/r'] }),
      JSON.stringify(['d', '']),
      JSON.stringify(['n', 'a', 10, 1, 2, '', SHA_AB, '', 0]),
    ]);
  });
});

describe('when opening rewrites a journal (docs/resume.md: compacted = a header and few extra lines)', () => {
  // A compacted journal of 4,000 files, then `extra` part lines about them, as a run killed midway leaves.
  const journalWith = (extra: number) => {
    const path = join(tmp(), 'j.ndjson');
    const lines = [JSON.stringify(['h', '/r/', 's']), JSON.stringify({ t: 'record', recordId: 'R1', roots: ['/r'] })];
    for (let i = 0; i < 4000; i++)
      lines.push(JSON.stringify(['f', `f${i}`, 10, 1, i, '', SHA_AB, '', 0, `F${i}`, '', '']));
    for (let i = 0; i < extra; i++)
      lines.push(JSON.stringify({ t: 'part', absPath: `/r/f${i}`, fileId: `F${i}`, partNumber: 1 }));
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  const rewritten = (path: string) => {
    const before = statSync(path).ino;
    const j = Journal.open(path);
    expect(j.state.files.size).toBe(4000);
    j.close();
    return statSync(path).ino !== before;
  };

  it('up to max(1,000, half the files) lines beyond one per file: read as it is; one more: rewritten', () => {
    expect(rewritten(journalWith(1500))).toBe(false);
    expect(rewritten(journalWith(2000))).toBe(false); // 4,000 / 2: the limit itself
    expect(rewritten(journalWith(2001))).toBe(true);
  });

  it('a reopened compacted journal appends lines relative to its header, naming no seed', () => {
    const path = journalWith(0);
    const j = Journal.open(path);
    j.appendAll([
      planLine('/r/new.txt'),
      { t: 'created', absPath: '/r/new.txt', recordId: 'R1', fileId: 'FN', serverName: 'new.txt' },
    ]);
    j.close();
    expect(JSON.parse(readFileSync(path, 'utf8').trimEnd().split('\n').at(-1)!)).toEqual([
      'f',
      'new.txt',
      10,
      1,
      2,
      '',
      SHA_AB,
      '',
      0,
      'FN',
      '',
      '',
      0,
    ]);
  });
});

describe('base folders (known answers)', () => {
  it('narrowBase: the folder of the first path, then the longest folder shared with each next one', () => {
    expect(narrowBase(undefined, '/a/b/c.txt')).toBe('/a/b/');
    expect(narrowBase('/a/b/', '/a/b/d/e.txt')).toBe('/a/b/');
    expect(narrowBase('/a/bc/', '/a/bd/x')).toBe('/a/');
    expect(narrowBase('/a/b/', '/c/d')).toBe('/');
    expect(narrowBase('C:\\a\\bc\\', 'C:\\a\\bd\\x')).toBe('C:\\a\\');
    expect(narrowBase('/a/', 'C:\\a')).toBe('');
  });

  it('journalBase: a POSIX root may hold a backslash in a name; roots that share nothing have no base', () => {
    expect(journalBase(['/data/we\\ird'])).toBe('/data/we\\ird/');
    expect(journalBase(['/data', 'C:\\w'])).toBeUndefined();
  });
});
