/** Sends one part until it is stored: fresh URL when needed, backoff on transient failures. */
import { DEFAULT_REFRESH_MARGIN_MS, needsRefresh } from './presigned-url.js';
import { PartUploadError, putPart, type PutPartOptions, type PutPartResult } from './put-part.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { withRetry, type RetryInfo } from './retry.js';

export interface SendPartOptions extends Omit<PutPartOptions, 'url'> {
  /** The URL we have for the part, if any (none, or one about to expire, is refreshed first). */
  url: string | undefined;
  /** Asks the server for a fresh URL for this part (e.g. KooDriveClient.getUploadUrls). */
  refreshUrl: () => Promise<string>;
  /** Told of every fresh URL, e.g. to keep it for the next parts or a resumed run. */
  onUrl?: (url: string) => void;
  policy?: RetryPolicy;
  onRetry?: (info: RetryInfo) => void;
  /** Refresh a URL this long before it expires; default 5 min. */
  refreshMarginMs?: number;
  /** How many fresh URLs one part may use up; default 3. */
  maxRefreshes?: number;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface SendPartResult extends PutPartResult {
  /** The URL that worked. */
  url: string;
  attempts: number;
}

/**
 * PUTs a part, retrying transient failures with backoff and replacing a missing, expiring or
 * expired URL. Progress of a failed attempt is rolled back through onProgress (a negative delta),
 * so the caller's byte count stays true. Errors that retrying cannot fix are thrown as they are.
 */
export async function sendPart(opts: SendPartOptions): Promise<SendPartResult> {
  const now = opts.now ?? Date.now;
  const maxRefreshes = opts.maxRefreshes ?? 3;
  let url = opts.url;
  let refreshes = 0;
  let attempts = 0;
  const result = await withRetry(
    async () => {
      attempts++;
      if (needsRefresh(url, now(), opts.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS)) {
        if (refreshes >= maxRefreshes) throw new Error(`${opts.label ?? 'part'}: gave up after ${refreshes} fresh upload URLs`);
        refreshes++;
        url = await opts.refreshUrl();
        opts.onUrl?.(url);
      }
      try {
        return await putPart({ ...opts, url: url! });
      } catch (err) {
        if (err instanceof PartUploadError) {
          if (err.bytesSent > 0) opts.onProgress?.(-err.bytesSent);
          if (err.expired) url = undefined;
        }
        throw err;
      }
    },
    {
      what: `PUT ${opts.label ?? `part at offset ${opts.partOffset}`}`,
      policy: opts.policy ?? DEFAULT_RETRY_POLICY,
      signal: opts.signal,
      onRetry: opts.onRetry,
      now,
      random: opts.random,
      sleep: opts.sleep,
      classify: (err) =>
        err instanceof PartUploadError
          ? { transient: err.transient || (err.expired && refreshes < maxRefreshes), reason: err.reason }
          : { transient: false, reason: String(err) },
    },
  );
  return { ...result, url: url!, attempts };
}
