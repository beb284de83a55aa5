/** Bytes on disk: parts in dataDir/parts/<fileId>/<n>, finished files in dataDir/blobs/<sha256>. */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { WirePart } from '../hash/part-rules.js';

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
   * Streams the parts, in order, into one blob while hashing them. The blob is stored under
   * blobs/<expected> only when the digest is `expected`; either way the digest is returned.
   */
  async assemble(fileId: string, parts: readonly WirePart[], expected: string): Promise<{ sha256: string; path?: string }> {
    const tmp = join(this.blobsDir, `.tmp-${fileId}-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    const out = createWriteStream(tmp);
    try {
      for (const p of parts) {
        const hashing = new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            done(null, chunk);
          },
        });
        await pipeline(createReadStream(this.partPath(fileId, p.partNumber)), hashing, out, { end: false });
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      const sha256 = hash.digest('hex');
      if (sha256 !== expected) {
        await rm(tmp, { force: true });
        return { sha256 };
      }
      await rename(tmp, this.blobPath(sha256));
      return { sha256, path: this.blobPath(sha256) };
    } catch (err) {
      out.destroy();
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async removeParts(fileId: string): Promise<void> {
    await rm(join(this.partsDir, fileId), { recursive: true, force: true });
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
