/**
 * Download URLs, asked for in batches of up to 100 files (reference §4.6) in the order the files
 * will be fetched, and asked for again one by one when they expire.
 */
import type { DownloadEntry } from '../koodrive/wire-types.js';
import { needsRefresh } from '../transfer/presigned-url.js';

export interface DownloadUrlApi {
  getDownloadUrls(containerId: string, fileIds: string[]): Promise<DownloadEntry[]>;
}

/** The server gave no URL for a file (its per-file code says why). */
export class NoDownloadUrlError extends Error {
  override readonly name = 'NoDownloadUrlError';
}

const BATCH = 100;

export class DownloadUrls {
  private readonly urls = new Map<string, Promise<string>>();
  private readonly batchOf = new Map<string, number>();

  constructor(
    private readonly api: DownloadUrlApi,
    private readonly containerId: string,
    /** Every file id, in fetch order. */
    private readonly fileIds: readonly string[],
    private readonly marginMs = 60_000,
  ) {
    fileIds.forEach((id, i) => this.batchOf.set(id, Math.floor(i / BATCH)));
  }

  /** A URL for the file that is not about to expire. */
  async urlFor(fileId: string, fresh = false): Promise<string> {
    if (!fresh) {
      const cached = this.urls.get(fileId);
      if (cached) {
        const url = await cached.catch(() => undefined);
        if (url && !needsRefresh(url, Date.now(), this.marginMs)) return url;
      } else {
        this.fetchBatch(this.batchOf.get(fileId) ?? -1, fileId);
        return this.urls.get(fileId)!;
      }
    }
    const single = this.request([fileId]).then((m) => m.get(fileId)!);
    this.remember(fileId, single);
    return single;
  }

  private fetchBatch(batch: number, fileId: string): void {
    const ids =
      batch < 0 ? [fileId] : this.fileIds.slice(batch * BATCH, (batch + 1) * BATCH).filter((id) => !this.urls.has(id));
    const answer = this.request(ids);
    for (const id of ids)
      this.remember(
        id,
        answer.then((m) => m.get(id)!),
      );
  }

  private remember(fileId: string, url: Promise<string>): void {
    url.catch(() => undefined); // a file that is never asked for again must not leave an unhandled rejection
    this.urls.set(fileId, url);
  }

  /** Asks for URLs; resolves to a map whose promises reject per file when the server gave none. */
  private async request(fileIds: string[]): Promise<Map<string, Promise<string>>> {
    const entries = await this.api.getDownloadUrls(this.containerId, fileIds);
    const byId = new Map(entries.map((e) => [String(e.fileId), e]));
    const out = new Map<string, Promise<string>>();
    for (const id of fileIds) {
      const entry = byId.get(id);
      const ok = entry && Number(entry.code) === 0 && typeof entry.url === 'string' && /^https?:\/\//.test(entry.url);
      const result = ok
        ? Promise.resolve(entry.url!)
        : Promise.reject(
            new NoDownloadUrlError(
              `the server gave no download URL for file ` +
                `${id}${entry ? ` (code ${String(entry.code)}: ${entry.msg ?? ''})` : ''}`,
            ),
          );
      result.catch(() => undefined); // handled by whoever asks for that file
      out.set(id, result);
    }
    return out;
  }
}
