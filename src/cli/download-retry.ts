/** The retry loop for downloads (restore, verify --deep): one policy from the config, one way to judge a failure. */
import type { ResolvedConfig } from '../config/config-types.js';
import { KooDriveError } from '../koodrive/koodrive-error.js';
import { DownloadError } from '../restore/download.js';
import type { FetchDeps } from '../restore/fetch-file.js';
import { withRetry, type RetryInfo } from '../retry/retry.js';
import { classifyNetworkError, type RetryPolicy } from '../retry/retry-policy.js';

/** `retries` counts the tries after the first. */
export function downloadPolicyOf(config: ResolvedConfig): RetryPolicy {
  return { maxAttempts: config.retries + 1, baseDelayMs: 500, maxDelayMs: 30_000, maxTotalMs: 5 * 60_000 };
}

/** retry and isExpired for fetchFile, under the run's abort signal. */
export function downloadRetry(
  config: ResolvedConfig,
  signal?: AbortSignal,
  onRetry?: (info: RetryInfo) => void,
): Pick<FetchDeps, 'retry' | 'isExpired'> {
  const policy = downloadPolicyOf(config);
  return {
    retry: (what, op) =>
      withRetry(op, {
        what,
        policy,
        classify: classifyDownloadError,
        ...(signal ? { signal } : {}),
        ...(onRetry ? { onRetry } : {}),
      }),
    isExpired: (err) => err instanceof DownloadError && err.opts.expired === true,
  };
}

function classifyDownloadError(err: unknown): { transient: boolean; reason: string; retryAfterMs?: number } {
  if (err instanceof DownloadError)
    return {
      transient: err.opts.transient,
      reason: err.opts.reason,
      ...(err.opts.retryAfterMs !== undefined ? { retryAfterMs: err.opts.retryAfterMs } : {}),
    };
  if (err instanceof KooDriveError) return { transient: err.transient, reason: err.message };
  const net = classifyNetworkError(err);
  return { transient: net.transient, reason: net.reason };
}
