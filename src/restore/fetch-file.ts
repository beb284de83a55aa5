/**
 * One stored file's bytes, fetched whole: attempts of getInto under the caller's retry loop, with a
 * fresh URL after one expired. Used by restore (into a file), the manifest and verify --deep (hash only).
 */
import type { FileHandle } from 'node:fs/promises';
import { DownloadState, getInto, type GetOptions } from './download.js';

export interface FetchDeps {
  /** A URL for the file (fresh: the last one expired). */
  urlFor(fileId: string, fresh: boolean): Promise<string>;
  retry<T>(what: string, attempt: () => Promise<T>): Promise<T>;
  isExpired(err: unknown): boolean;
}

/**
 * Fetches the file into `out` (or only hashes it); returns the state to check and the bytes received over every
 * attempt.
 */
export async function fetchFile(
  file: { fileId: string; size: number },
  what: string,
  out: FileHandle | undefined,
  deps: FetchDeps,
  opts: GetOptions,
): Promise<{ state: DownloadState; bytes: number }> {
  const state = new DownloadState();
  let bytes = 0;
  let fresh = false;
  await deps.retry(what, async () => {
    const url = await deps.urlFor(file.fileId, fresh);
    fresh = false;
    const before = state.bytes;
    try {
      await getInto(url, out, state, file.size, opts);
    } catch (err) {
      fresh = deps.isExpired(err);
      throw err;
    } finally {
      bytes += Math.max(0, state.bytes - before);
    }
  });
  return { state, bytes };
}
