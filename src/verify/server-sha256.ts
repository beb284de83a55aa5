/** verify --deep: the SHA-256 of what the server really holds, by downloading it (nothing is written). */
import { DownloadState, getInto, type GetOptions } from '../restore/download.js';
import type { DownloadUrls } from '../restore/url-cache.js';

export async function serverSha256(
  urls: DownloadUrls,
  file: { fileId: string; size: number },
  retry: <T>(what: string, op: () => Promise<T>) => Promise<T>,
  isExpired: (err: unknown) => boolean,
  opts: GetOptions,
): Promise<string> {
  const state = new DownloadState();
  let fresh = false;
  await retry(`download file ${file.fileId}`, async () => {
    const url = await urls.urlFor(file.fileId, fresh);
    try {
      await getInto(url, undefined, state, file.size, opts);
    } catch (err) {
      fresh = isExpired(err);
      throw err;
    }
  });
  return state.hash.digest('hex');
}
