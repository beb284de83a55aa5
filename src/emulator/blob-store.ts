/**
 * Bytes on disk: an upload's parts in one file dataDir/parts/<fileId> (each part at its offset),
 * finished files in dataDir/blobs/<sha256>. No folder per upload: creating and removing one cost
 * more than the rest of a small file's storage. Metadata calls (open, stat, rename, unlink) and
 * small reads are synchronous: on a local disk each takes microseconds, while its promise form
 * costs a thread-pool round trip of main-thread CPU, and a run of small files makes several per
 * file (issue 11). Bulk bytes stay streamed.
 */
import {
  closeSync,
  constants,
  openSync,
  readSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** The name an assembly of the older layout has while it is moved to parts/<fileId>. */
const LAYOUT_MOVE = '.tmp-layout';

export class BlobStore {
  readonly blobsDir: string;
  readonly partsDir: string;
  constructor(dataDir: string) {
    this.blobsDir = join(dataDir, 'blobs');
    this.partsDir = join(dataDir, 'parts');
  }

  /**
   * Creates the folders, drops temp files a crash left behind (their PUTs were never answered 200)
   * and moves uploads kept in the older layout (parts/<fileId>/assembly) to parts/<fileId>.
   */
  async init(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true, mode: 0o700 }); // stored copies: the owner's only
    await mkdir(this.partsDir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.blobsDir))
      if (name.startsWith('.tmp-')) await rm(join(this.blobsDir, name), { force: true });
    const entries = await readdir(this.partsDir, { withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const dir = join(this.partsDir, entry.name);
      // The assembly (if a part was kept) steps out, then the folder goes.
      await rename(join(dir, 'assembly'), dir + LAYOUT_MOVE).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    // Each moved assembly takes its folder's name; also one whose move a crash interrupted.
    for (const name of await readdir(this.partsDir))
      if (name.endsWith(LAYOUT_MOVE)) {
        const path = join(this.partsDir, name);
        await rename(path, path.slice(0, -LAYOUT_MOVE.length));
      }
  }

  blobPath(sha256: string): string {
    return join(this.blobsDir, sha256);
  }

  /**
   * The file being uploaded, laid out as it will be stored: every part is written straight to its
   * offset, so completing the file is one rename instead of a copy of every byte.
   */
  assemblyPath(fileId: string): string {
    return join(this.partsDir, fileId);
  }

  /** Creates the assembly file if needed; returns its path, ready for positional writes. */
  openAssembly(fileId: string): string {
    const path = this.assemblyPath(fileId);
    closeSync(openSync(path, 'a', 0o600)); // 0600: the blob it is renamed into keeps it
    return path;
  }

  /** Writes a part held in memory at its offset of the assembly: one open (creating it if needed), one write. */
  writePartSync(fileId: string, offset: number, bytes: Buffer): void {
    const fd = openSync(this.assemblyPath(fileId), constants.O_WRONLY | constants.O_CREAT, 0o600);
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, offset + done);
    } finally {
      closeSync(fd);
    }
  }

  hasBlob(sha256: string): boolean {
    return statSync(this.blobPath(sha256), { throwIfNoEntry: false })?.isFile() ?? false;
  }

  /** Opens a stored blob for reading (throws ENOENT when there is none). */
  async openBlob(sha256: string): Promise<FileHandle> {
    return open(this.blobPath(sha256), 'r');
  }

  /**
   * Removes a blob nobody refers to any more. Synchronous on purpose: together with the check that
   * nobody refers to it, it happens in one step, and a rapid upload's look at the blob (also
   * synchronous) sees it either whole or gone.
   */
  removeBlobSync(sha256: string): void {
    try {
      unlinkSync(this.blobPath(sha256));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Reads [start, end) of a stored blob. */
  readBlobRange(sha256: string, start: number, end: number): Buffer {
    return readRange(this.blobPath(sha256), start, end);
  }

  /** Reads [start, end) of a file still being uploaded. */
  readPartsRange(fileId: string, start: number, end: number): Buffer {
    return readRange(this.assemblyPath(fileId), start, end);
  }

  /**
   * Moves the assembled file to blobs/<sha256>. The bytes are not hashed again: every stored part
   * was verified on arrival to start from its hashCtx and end in the next part's (the last in the
   * file's sha256), and completion checks that every part is there, so the file hashes to `sha256`.
   */
  assemble(fileId: string, length: number, sha256: string): { sha256: string; path: string } {
    const path = this.assemblyPath(fileId);
    try {
      truncateSync(path, length);
    } catch (err) {
      // Only an empty file has no part bytes; a lost assembly must not become a blob of zeros.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || length !== 0) throw err;
      truncateSync(this.openAssembly(fileId), length);
    }
    renameSync(path, this.blobPath(sha256)); // atomic: the blob appears whole or not at all
    return { sha256, path: this.blobPath(sha256) };
  }

  /** Drops what an upload stored (usually nothing by now: completing renamed it into the blob). */
  removeParts(fileId: string): void {
    try {
      unlinkSync(this.assemblyPath(fileId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** A few bytes (a proofCode slice): one blocking positional read. */
function readRange(path: string, start: number, end: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) throw new Error(`${path} is shorter than expected`);
      got += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}
