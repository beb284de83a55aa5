import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldJournal, Journal, parseJournal, readJournalFile, type JournalLine } from '../../src/backup/journal.js';
import type { FilePlan } from '../../src/hash/file-plan.js';
import { tempDirs } from '../fixtures/temp-dirs.js';

const tmp = tempDirs('kdb-jc-');
const hex = (i: number, n = 64) => i.toString(16).padStart(8, '0').repeat(16).slice(0, n);
const onePart = (i: number, size = 100 + i): FilePlan => ({
  sha256: hex(i),
  length: size,
  proofCode: hex(i + 7),
  partSize: 5 * 1024 * 1024,
  parts: [{ partNumber: 1, partOffset: 0, partSize: size, hashCtx: [] }],
});
const twoParts: FilePlan = {
  sha256: hex(99),
  length: 6 * 1024 * 1024,
  partSize: 5 * 1024 * 1024,
  parts: [
    { partNumber: 1, partOffset: 0, partSize: 5 * 1024 * 1024, hashCtx: [] },
    { partNumber: 2, partOffset: 5 * 1024 * 1024, partSize: 1024 * 1024, hashCtx: [1, 2, 3, 4, 5, 6, 7, 8] },
  ],
};
const plan = (absPath: string, p: FilePlan, seedId = 'seed0001'): JournalLine => ({
  t: 'plan',
  absPath,
  size: p.length,
  mtimeMs: 1764060000000.25,
  ino: 4242,
  seedId,
  plan: p,
});

/** A record with files in every state the journal knows. */
function history(root: string, n: number): JournalLine[] {
  const lines: JournalLine[] = [{ t: 'record', recordId: 'R1', roots: [root] }];
  for (let i = 0; i < n; i++) {
    const abs = `${root}/d${i % 10}/f${i}.bin`;
    lines.push(plan(abs, onePart(i)));
    if (i % 4 === 0)
      lines.push({
        t: 'done',
        absPath: abs,
        recordId: 'R1',
        fileId: `F${i}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`,
        serverName: `f${i}.bin`,
        outcome: 'rapid',
      });
    if (i % 4 === 1)
      lines.push(
        { t: 'created', absPath: abs, recordId: 'R1', fileId: `F${i}`, serverName: `f${i} (1).bin` },
        { t: 'part', absPath: abs, fileId: `F${i}`, partNumber: 1 },
      );
    if (i % 4 === 2)
      lines.push(
        { t: 'created', absPath: abs, recordId: 'R1', fileId: `F${i}`, serverName: `f${i}.bin` },
        { t: 'done', absPath: abs, recordId: 'R1', fileId: `F${i}`, serverName: `f${i}.bin`, outcome: 'uploaded' },
      );
  }
  lines.push(
    plan(`${root}/big.bin`, twoParts),
    { t: 'created', absPath: `${root}/big.bin`, recordId: 'R1', fileId: 'FB', serverName: 'big.bin' },
    { t: 'part', absPath: `${root}/big.bin`, fileId: 'FB', partNumber: 2 },
  );
  lines.push(plan('/elsewhere/x.txt', onePart(5000), 'otherseed'));
  return lines;
}

const plain = (state: ReturnType<typeof foldJournal>) =>
  JSON.parse(JSON.stringify({ ...state, files: [...state.files.entries()].sort() })) as unknown;

describe('compact journal', () => {
  it('a compacted journal folds to the same state, in far fewer bytes per file', () => {
    const dir = tmp();
    const path = join(dir, 'j.ndjson');
    const lines = history('/data/photos', 400);
    writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const before = statSync(path).size;
    const expected = plain(foldJournal(lines));
    Journal.open(path).close();
    expect(plain(foldJournal(readJournalFile(path)))).toEqual(expected);
    expect(plain(foldJournal(parseJournal(readFileSync(path, 'utf8'))))).toEqual(expected);
    const after = statSync(path).size;
    expect(after).toBeLessThan(before / 2.5);
    expect(after / 402).toBeLessThan(200);
  });

  it('appends a plan with its create answer as one compact line, read back after a reopen', () => {
    const dir = tmp();
    const path = join(dir, 'j.ndjson');
    const j = Journal.open(path);
    j.append({ t: 'record', recordId: 'R7', roots: ['/r'] });
    j.appendAll([
      plan('/r/a.txt', onePart(1)),
      { t: 'done', absPath: '/r/a.txt', recordId: 'R7', fileId: 'FA', serverName: 'a.txt', outcome: 'exist' },
    ]);
    j.appendAll([
      plan('/r/b.txt', onePart(2)),
      { t: 'created', absPath: '/r/b.txt', recordId: 'R7', fileId: 'FB', serverName: 'b.txt' },
    ]);
    j.append({ t: 'part', absPath: '/r/b.txt', fileId: 'FB', partNumber: 1 });
    j.appendAll([
      plan('/r/big.bin', twoParts),
      { t: 'created', absPath: '/r/big.bin', recordId: 'R7', fileId: 'FC', serverName: 'big.bin' },
    ]);
    const expected = plain(j.state);
    j.close();
    const text = readFileSync(path, 'utf8').trim().split('\n');
    // a.txt's plan + done, b.txt's plan + create, then b.txt again once part 1 is sent (a one-part
    // file's whole entry in one line); big.bin has two parts: object lines.
    expect(text.filter((l) => l.startsWith('["F"') || l.startsWith('["f"'))).toHaveLength(3);
    expect(text.filter((l) => l.includes('"t":"part"'))).toHaveLength(0);
    expect(text.filter((l) => l.includes('"t":"plan"') && l.includes('big.bin'))).toHaveLength(1);
    expect(plain(foldJournal(readJournalFile(path)))).toEqual(expected);
    const reopened = Journal.open(path);
    expect(plain(reopened.state)).toEqual(expected);
    reopened.close({ compact: true });
    expect(plain(foldJournal(readJournalFile(path)))).toEqual(expected);
  });

  it('a torn or damaged compact line is skipped, never fatal', () => {
    const dir = tmp();
    const path = join(dir, 'j.ndjson');
    writeFileSync(
      path,
      history('/d', 8)
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    Journal.open(path).close();
    const text = readFileSync(path, 'utf8');
    const at = text.indexOf('["n"');
    const torn = text.slice(0, at + 30) + text.slice(text.indexOf('\n', at)); // cut mid-line, glued to the next
    writeFileSync(path, `${torn}["f",1,2]\n["f"`);
    const state = foldJournal(readJournalFile(path));
    expect(state.recordId).toBe('R1');
    expect(state.files.size).toBeGreaterThanOrEqual(7);
  });

  it(
    'names each folder once: files under one folder are "n" lines after a "d" line, and odd names read back ' +
      'exactly',
    () => {
      const dir = tmp();
      const path = join(dir, 'j.ndjson');
      const names = [
        '/data/top.txt',
        '/data/a/x.txt',
        '/data/a/back\\slash.txt',
        '/data/a/b/deep.txt',
        '/data/a/y.txt',
        '/data/ä ö/ü.txt',
        '/data/win\\style\\path.txt',
      ];
      const lines: JournalLine[] = [{ t: 'record', recordId: 'R1', roots: ['/data'] }];
      for (const [i, abs] of names.entries())
        lines.push(plan(abs, onePart(i)), {
          t: 'done',
          absPath: abs,
          recordId: 'R1',
          fileId: `F${i}`,
          serverName: abs.slice(abs.lastIndexOf('/') + 1),
          outcome: 'uploaded',
        });
      writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const expected = plain(foldJournal(lines));
      Journal.open(path).close();
      const text = readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown[]);
      expect(text.filter((l) => l[0] === 'd').map((l) => l[1])).toEqual(['', 'a', 'a/b', 'a', 'ä ö', '']);
      expect(text.filter((l) => l[0] === 'n').map((l) => l[1])).toEqual([
        'top.txt',
        'x.txt',
        'back\\slash.txt',
        'deep.txt',
        'y.txt',
        'ü.txt',
        'win\\style\\path.txt',
      ]);
      // Done files carry no part flag (it matters only while the upload is open).
      expect(text.filter((l) => l[0] === 'n').every((l) => l.length === 12)).toBe(true);
      expect(plain(foldJournal(readJournalFile(path)))).toEqual(expected);
    },
  );

  it('a damaged folder line places no file: its "n" lines are skipped until the next folder line', () => {
    const dir = tmp();
    const path = join(dir, 'j.ndjson');
    const lines: JournalLine[] = [{ t: 'record', recordId: 'R1', roots: ['/data'] }];
    for (const abs of ['/data/a/1.txt', '/data/a/2.txt', '/data/b/3.txt']) lines.push(plan(abs, onePart(abs.length)));
    writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    Journal.open(path).close();
    const damaged = readFileSync(path, 'utf8').replace('["d","a"]', '["d","a"');
    writeFileSync(path, damaged);
    expect([...foldJournal(readJournalFile(path)).files.keys()]).toEqual(['/data/b/3.txt']);
  });
});
