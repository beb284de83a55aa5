import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackupFileEntry } from '../../src/koodrive/wire-types.js';
import { StoredFiles } from '../../src/backup/stored-files.js';
import { tempDirs } from '../fixtures/temp-dirs.js';

const scratch = tempDirs('kb-stored-');
const sha = (c: string) => c.repeat(64);
async function* listing(entries: Array<Partial<BackupFileEntry>>): AsyncGenerator<BackupFileEntry> {
  for (const e of entries) yield e as BackupFileEntry;
}

describe('StoredFiles: a fingerprint per file in memory, the rest spilled to disk', () => {
  it('names the files the listing lacks: other path, other content, none listed; in the order added', async () => {
    const journal = join(scratch(), 'j.ndjson');
    const stored = StoredFiles.spilledBeside(journal);
    const odd = 'root/odd\nname "q" \\ ä.txt';
    stored.add({ relPath: 'root/a.txt', absPath: '/src/a.txt', sha256: sha('a') });
    stored.add({ relPath: 'root/b.txt', absPath: '/src/b.txt', sha256: sha('b') });
    stored.add({ relPath: odd, absPath: '/src/odd', sha256: sha('c') });
    stored.add({ relPath: 'root/d.txt', absPath: '/src/d.txt', sha256: sha('d') });
    const missing = await stored.missingFrom(
      listing([
        // a leading slash and an upper-case digest are the same file (description and sha256 rules)
        { description: '/root/a.txt', sha256: sha('A') },
        { description: 'root/b.txt', sha256: sha('e') }, // same path, other content
        { description: 'root/d.txt', sha256: sha('d') },
        { fileName: 'no-description', sha256: sha('c') },
      ]),
    );
    expect(missing).toEqual([
      { relPath: 'root/b.txt', absPath: '/src/b.txt', sha256: sha('b') },
      { relPath: odd, absPath: '/src/odd', sha256: sha('c') },
    ]);
    expect([...stored.all()].map((f) => f.relPath)).toEqual(['root/a.txt', 'root/b.txt', odd, 'root/d.txt']);
    expect(await stored.missingFrom(listing([]))).toHaveLength(4);
    stored.dispose();
  });

  it('writes its lines to a spill file of its own (owner-only) and removes it when disposed', () => {
    const dir = scratch();
    const stored = StoredFiles.spilledBeside(join(dir, 'j.ndjson'));
    for (let i = 0; i < 3000; i++) stored.add({ relPath: `r/${i}`, absPath: `/s/${i}`, sha256: sha('f') });
    expect([...stored.all()]).toHaveLength(3000);
    const spill = readdirSync(dir);
    expect(spill).toEqual([`j.ndjson.${process.pid}.stored.tmp`]);
    stored.dispose();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("removes the spill files of runs no longer alive, never a live run's", () => {
    const dir = scratch();
    const dead = join(dir, 'j.ndjson.2147483646.stored.tmp'); // no such process
    const live = join(dir, `j.ndjson.${process.ppid}.stored.tmp`);
    const other = join(dir, 'k.ndjson.2147483646.stored.tmp'); // another journal's
    for (const p of [dead, live, other]) writeFileSync(p, '');
    StoredFiles.spilledBeside(join(dir, 'j.ndjson')).dispose();
    expect([existsSync(dead), existsSync(live), existsSync(other)]).toEqual([false, true, true]);
  });

  it('keeps its lines in memory when asked (dry runs keep none at all)', async () => {
    const stored = StoredFiles.inMemory();
    stored.add({ relPath: 'x', absPath: '/x', sha256: sha('1') });
    expect(await stored.missingFrom(listing([{ description: 'x', sha256: sha('1') }]))).toEqual([]);
    expect(stored.count).toBe(1);
  });
});
