/**
 * The run's stored files, kept for finishing the record (issue 16) in little memory whatever the
 * tree: in memory one 16-byte fingerprint of (path in the record, sha256) per file; on disk, in a
 * spill file written as the run goes, the line finishing needs (sha256, path in the record, path
 * on disk), read back only for the files a record lacks. The spill file is the run's own (its pid
 * in the name) and is removed when the run ends; one left by a crashed run is removed by the next.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { BackupFileEntry } from '../koodrive/wire-types.js';
import { toDescription } from '../names/file-name.js';
import { FingerprintSet } from '../util/fingerprint-set.js';
import { readLines } from '../util/read-lines.js';

/** One stored file, as finish-record needs it. */
export interface StoredFile {
  /** Path in the record (root-prefixed, POSIX). */
  relPath: string;
  absPath: string;
  sha256: string;
}

/** What makes a listed file the stored one: its description and its content. */
function fingerprintOf(description: string, sha256: string): Buffer {
  return createHash('sha256').update(`${description}\u0000${sha256.toLowerCase()}`).digest().subarray(0, 16);
}

const SPILL_SUFFIX = '.stored.tmp';

export class StoredFiles {
  private readonly fingerprints = new FingerprintSet();
  private fd: number | undefined;
  private pending = '';

  /** `spillPath`: where the lines go; undefined keeps them in memory (small runs and tests). */
  private constructor(
    private readonly spillPath: string | undefined,
    private readonly lines: string[] = [],
  ) {}

  static inMemory(): StoredFiles {
    return new StoredFiles(undefined);
  }

  /** Spills beside `nearPath` (the journal), removing spill files that crashed runs left there. */
  static spilledBeside(nearPath: string): StoredFiles {
    removeLeftovers(nearPath);
    return new StoredFiles(`${nearPath}.${process.pid}${SPILL_SUFFIX}`);
  }

  get count(): number {
    return this.fingerprints.size;
  }

  add(f: StoredFile): void {
    this.fingerprints.add(fingerprintOf(toDescription(f.relPath), f.sha256));
    const line = JSON.stringify([f.sha256, f.relPath, f.absPath]);
    if (this.spillPath === undefined) {
      this.lines.push(line);
      return;
    }
    this.pending += `${line}\n`;
    if (this.pending.length >= 64 * 1024) this.flush();
  }

  /** Every stored file, in the order added. */
  *all(): Generator<StoredFile> {
    yield* this.at(undefined);
  }

  /** The stored files the listing lacks (by path in the record and sha256), in the order added. */
  async missingFrom(listing: AsyncIterable<BackupFileEntry>): Promise<StoredFile[]> {
    const listed = new Uint8Array(this.count);
    for await (const entry of listing) {
      if (entry.description === undefined) continue;
      const i = this.fingerprints.indexOf(fingerprintOf(toDescription(entry.description), entry.sha256));
      if (i !== -1) listed[i] = 1;
    }
    const missing = new Set<number>();
    listed.forEach((seen, i) => (seen ? undefined : missing.add(i)));
    return missing.size === 0 ? [] : [...this.at(missing)];
  }

  /** Removes the spill file. */
  dispose(): void {
    this.closeFd();
    if (this.spillPath !== undefined) rmSync(this.spillPath, { force: true });
  }

  private *at(indexes: ReadonlySet<number> | undefined): Generator<StoredFile> {
    this.flush();
    const lines = this.spillPath === undefined ? this.lines : this.count > 0 ? readLines(this.spillPath) : [];
    let i = 0;
    for (const line of lines) {
      if (indexes === undefined || indexes.has(i)) {
        const [sha256, relPath, absPath] = JSON.parse(line) as [string, string, string];
        yield { sha256, relPath, absPath };
      }
      if (++i >= this.count) break;
    }
  }

  private flush(): void {
    if (this.spillPath === undefined || this.pending === '') return;
    this.fd ??= openSync(this.spillPath, 'w', 0o600);
    writeSync(this.fd, this.pending);
    this.pending = '';
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Spill files of runs that are no longer alive, beside `nearPath`. */
function removeLeftovers(nearPath: string): void {
  const prefix = `${basename(nearPath)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(nearPath));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(SPILL_SUFFIX)) continue;
    const pid = Number(name.slice(prefix.length, -SPILL_SUFFIX.length));
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) rmSync(join(dirname(nearPath), name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
