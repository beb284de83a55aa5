/** Bytes on disk: parts in dataDir/parts/<fileId>/<n>, finished files in dataDir/blobs/<sha256>. */
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { joinFiles } from './file-join.js';

export class BlobStore {
  readonly blobsDir: string;
  readonly partsDir: string;
  /**
   * How many blobs were removed so far. A caller that awaits between looking at a blob and acting
   * on it (rapid upload) checks that this did not change meanwhile.
   */
  removals = 0;

  constructor(dataDir: string) {
    this.blobsDir = join(dataDir, 'blobs');
    this.partsDir = join(dataDir, 'parts');
  }

  /** Creates the folders and drops temp files a crash left behind (their PUTs were never answered 200). */
  async init(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true, mode: 0o700 }); // stored copies: the owner's only
    await mkdir(this.partsDir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.blobsDir))
      if (name.startsWith('.tmp-')) await rm(join(this.blobsDir, name), { force: true });
    for (const dir of await readdir(this.partsDir)) {
      const names = await readdir(join(this.partsDir, dir)).catch(() => [] as string[]);
      for (const name of names) if (name.includes('.tmp-')) await rm(join(this.partsDir, dir, name), { force: true });
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
    return join(this.partsDir, fileId, 'assembly');
  }

  /** Creates the assembly file if needed; returns its path, ready for positional writes. */
  async openAssembly(fileId: string): Promise<string> {
    await mkdir(join(this.partsDir, fileId), { recursive: true, mode: 0o700 });
    const path = this.assemblyPath(fileId);
    await (await open(path, 'a', 0o600)).close(); // 0600: the blob it is renamed into keeps it
    return path;
  }

  async hasBlob(sha256: string): Promise<boolean> {
    return stat(this.blobPath(sha256)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  /** Opens a stored blob for reading (throws ENOENT when there is none). */
  async openBlob(sha256: string): Promise<FileHandle> {
    return open(this.blobPath(sha256), 'r');
  }

  /**
   * Removes a blob nobody refers to any more. Synchronous on purpose: together with the check that
   * nobody refers to it, it happens in one step; `removals` tells a request that looked at the blob
   * before (a rapid upload) to look again.
   */
  removeBlobSync(sha256: string): void {
    try {
      unlinkSync(this.blobPath(sha256));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.removals++;
  }

  /** Reads [start, end) of a stored blob. */
  async readBlobRange(sha256: string, start: number, end: number): Promise<Buffer> {
    return readRange(this.blobPath(sha256), start, end);
  }

  /** Reads [start, end) of a file still being uploaded. */
  async readPartsRange(fileId: string, start: number, end: number): Promise<Buffer> {
    return readRange(this.assemblyPath(fileId), start, end);
  }

  /**
   * Moves the assembled file to blobs/<sha256>. The bytes are not hashed again: every stored part
   * was verified on arrival to start from its hashCtx and end in the next part's (the last in the
   * file's sha256), and completion checks that every part is there, so the file hashes to `sha256`.
   */
  async assemble(fileId: string, length: number, sha256: string): Promise<{ sha256: string; path: string }> {
    const path = this.assemblyPath(fileId);
    await truncate(path, length).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await truncate(await this.openAssembly(fileId), length); // no part bytes ever arrived (empty file)
    });
    await rename(path, this.blobPath(sha256)); // atomic: the blob appears whole or not at all
    return { sha256, path: this.blobPath(sha256) };
  }

  async removeParts(fileId: string): Promise<void> {
    const dir = join(this.partsDir, fileId);
    // Usually empty by now (the assembly was renamed into the blob): one rmdir instead of a walk.
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
