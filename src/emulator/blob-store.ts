/** Bytes on disk: parts in dataDir/parts/<fileId>/<n>, finished files in dataDir/blobs/<sha256>. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { WirePart } from '../hash/part-rules.js';
import { joinFiles } from './file-join.js';

export class BlobStore {
  readonly blobsDir: string;
  readonly partsDir: string;

  constructor(dataDir: string) {
    this.blobsDir = join(dataDir, 'blobs');
    this.partsDir = join(dataDir, 'parts');
  }

  /** Creates the folders and drops temp files a crash left behind (their PUTs were never answered 200). */
  async init(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true });
    await mkdir(this.partsDir, { recursive: true });
    for (const name of await readdir(this.blobsDir)) if (name.startsWith('.tmp-')) await rm(join(this.blobsDir, name), { force: true });
    for (const dir of await readdir(this.partsDir)) {
      const names = await readdir(join(this.partsDir, dir)).catch(() => [] as string[]);
      for (const name of names) if (name.includes('.tmp-')) await rm(join(this.partsDir, dir, name), { force: true });
    }
  }

  blobPath(sha256: string): string {
    return join(this.blobsDir, sha256);
  }

  partPath(fileId: string, partNumber: number): string {
    return join(this.partsDir, fileId, String(partNumber));
  }

  /** A fresh temp path beside the part, so that concurrent PUTs of one part never share a file. */
  async tempPartPath(fileId: string, partNumber: number): Promise<string> {
    await mkdir(join(this.partsDir, fileId), { recursive: true });
    return join(this.partsDir, fileId, `${partNumber}.tmp-${randomBytes(6).toString('hex')}`);
  }

  async hasBlob(sha256: string): Promise<boolean> {
    return stat(this.blobPath(sha256)).then((s) => s.isFile(), () => false);
  }

  /** Reads [start, end) of a stored blob. */
  async readBlobRange(sha256: string, start: number, end: number): Promise<Buffer> {
    return readRange(this.blobPath(sha256), start, end);
  }

  /** Reads [start, end) of a file from its parts (the range may span two parts). */
  async readPartsRange(fileId: string, parts: readonly WirePart[], start: number, end: number): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for (const p of parts) {
      const from = Math.max(start, p.partOffset);
      const to = Math.min(end, p.partOffset + p.partSize);
      if (from < to) pieces.push(await readRange(this.partPath(fileId, p.partNumber), from - p.partOffset, to - p.partOffset));
    }
    return Buffer.concat(pieces);
  }

  /**
   * Joins the parts, in order, into blobs/<sha256>. The bytes are not hashed again: every stored
   * part was verified on arrival to start from its hashCtx and end in the next part's (the last in
   * the file's sha256), and completion checks that chain is closed, so the join hashes to `sha256`.
   * A single part is renamed into place; more are copied (joinFiles).
   */
  async assemble(fileId: string, parts: readonly WirePart[], sha256: string): Promise<{ sha256: string; path: string }> {
    if (parts.length === 1) {
      // One rename, atomic: the blob appears whole or the part stays where it was.
      await rename(this.partPath(fileId, parts[0]!.partNumber), this.blobPath(sha256));
      return { sha256, path: this.blobPath(sha256) };
    }
    const tmp = join(this.blobsDir, `.tmp-${fileId}-${randomBytes(6).toString('hex')}`);
    try {
      await joinFiles(tmp, parts.map((p) => this.partPath(fileId, p.partNumber)));
      await rename(tmp, this.blobPath(sha256));
      return { sha256, path: this.blobPath(sha256) };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async removeParts(fileId: string): Promise<void> {
    const dir = join(this.partsDir, fileId);
    // Usually empty by now (a single part was renamed into the blob): one rmdir instead of a walk.
    await rmdir(dir).catch(() => rm(dir, { recursive: true, force: true }));
  }
}

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buf, 0, buf.length, start);
    if (bytesRead !== buf.length) throw new Error(`${path} is shorter than expected`);
    return buf;
  } finally {
    await handle.close();
  }
}
