/** PartUploadError: how one part PUT failed, and what that means for the part loop. */
import type { FailureVerdict } from '../retry/retry.js';

export interface PartUploadErrorFields {
  /** The HTTP status; undefined when no answer arrived. */
  status?: number;
  /** The URL has expired: ask for a fresh one, then retry. */
  expired: boolean;
  /** Retrying the same URL later may work. */
  transient: boolean;
  /** Bytes reported through onProgress before the failure (to roll progress back). */
  bytesSent: number;
  /** Short reason for retry events: "HTTP 503", "ECONNRESET", "expired URL". */
  reason: string;
  /** A wait the storage asked for (Retry-After on 429/503), if any. */
  retryAfterMs?: number;
}

/** A PUT that did not end in 2xx. */
export class PartUploadError extends Error {
  override readonly name = 'PartUploadError';
  /** Stable, for scripts reading --json (got's codes). */
  readonly code = 'ERR_PART_UPLOAD';
  readonly status: number | undefined;
  readonly expired: boolean;
  readonly transient: boolean;
  readonly bytesSent: number;
  readonly reason: string;
  readonly retryAfterMs?: number;

  constructor(message: string, fields: PartUploadErrorFields) {
    super(message);
    this.status = fields.status;
    this.expired = fields.expired;
    this.transient = fields.transient;
    this.bytesSent = fields.bytesSent;
    this.reason = fields.reason;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
  }
}

/** The storage refused the PUT because its URL expired: a fresh URL, then a retry, will do. */
export function isExpiredUrl(err: unknown): boolean {
  return err instanceof PartUploadError && err.expired;
}

/** The storage's 404 NoSuchUpload: the upload was purged, or completed already. */
export function isNoSuchUpload(err: unknown): boolean {
  return err instanceof PartUploadError && err.status === 404 && /NoSuchUpload/.test(err.message);
}

/** What a failed PUT means for the retry loop: an expired URL is worth another try (with a fresh URL). */
export function partUploadVerdict(err: PartUploadError): FailureVerdict {
  return {
    transient: err.transient || err.expired,
    reason: err.expired ? 'upload URL expired' : err.reason,
    ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
  };
}
