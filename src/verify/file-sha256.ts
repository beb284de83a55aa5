import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** The SHA-256 of a file's bytes as lowercase hex, read as a stream (never the whole file in memory). */
export async function sha256OfFile(absPath: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(absPath, { highWaterMark: 1024 * 1024 }), hash, { ...(signal ? { signal } : {}) });
  return hash.digest('hex');
}
