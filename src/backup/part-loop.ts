/**
 * The part loop of one file's upload (rclone's lib/multipart): sends parts through the shared part
 * limit, each with its retries and a fresh URL per attempt, rolls progress back when an attempt
 * fails, journals each part the storage kept, and stops the file's other parts at the first
 * failure. Completing the file is not its job (file-job.ts).
 */
import { setMaxListeners } from 'node:events';
import type { FilePlan, PartPlan } from '../hash/file-plan.js';
import { KooDriveError } from '../koodrive/koodrive-error.js';
import type { WirePartWithUrl } from '../koodrive/wire-types.js';
import { withRetry, type FailureVerdict } from '../retry/retry.js';
import { classifyNetworkError } from '../retry/retry-policy.js';
import type { LocalFile } from '../scan/local-file.js';
import { isExpiredUrl, PartUploadError, partUploadVerdict } from '../transfer/part-upload-error.js';
import { isUrlFresh } from '../transfer/presigned-url.js';
import type { FileJobContext } from './file-job.js';
import { FileJobError } from './file-job-error.js';
import { PartUrls } from './part-urls.js';
import { isSmallPart } from './small-files.js';

/** The file's upload on the server: which file, under which id. */
export interface UploadTarget {
  file: LocalFile;
  plan: FilePlan;
  fileId: string;
}

export class PartLoop {
  /** Part bytes the storage took so far (for the outcome and the summary). */
  bytesSent = 0;
  private readonly urls: PartUrls;
  private readonly fileAbort = new AbortController();
  private readonly signal: AbortSignal;
  /** The parts of the current send; a URL fetch asks for all those still missing in one batch. */
  private sending: readonly PartPlan[] = [];

  constructor(
    private readonly target: UploadTarget,
    private readonly ctx: FileJobContext,
    /** Parts the server has already (a resumed upload). */
    private readonly done: Set<number>,
    initialUrls: readonly WirePartWithUrl[] = [],
  ) {
    const { plan, fileId } = target;
    this.urls = new PartUrls(plan.parts, (parts) => ctx.api.getUploadUrls(fileId, parts), isUrlFresh, initialUrls);
    // One part has no siblings to stop: skip AbortSignal.any, which costs more than a small file's PUT.
    this.signal = plan.parts.length === 1 ? ctx.signal : AbortSignal.any([ctx.signal, this.fileAbort.signal]);
    // Every in-flight PUT of the file listens (twice with --bwlimit); the part pool bounds them, not 10.
    if (this.signal !== ctx.signal) setMaxListeners(0, this.signal);
  }

  /** The parts the server does not have yet. */
  missing(): PartPlan[] {
    return this.target.plan.parts.filter((p) => !this.done.has(p.partNumber));
  }

  /** Forgets that the server has `parts` (it said it lacks them), and their URLs. */
  forget(parts: readonly PartPlan[]): void {
    for (const p of parts) {
      this.done.delete(p.partNumber);
      this.urls.invalidate(p.partNumber);
    }
  }

  /** Sends `parts`; the first failure stops the others and is thrown as a FileJobError. */
  async send(parts: readonly PartPlan[]): Promise<void> {
    this.sending = parts;
    // A small file's one part is bounded by the file window; big files' parts share the part limit.
    const small = parts.length === 1 && isSmallPart(parts[0]!.partSize);
    const limit: <T>(fn: () => Promise<T>) => Promise<T> = small ? this.ctx.smallPartLimit : this.ctx.partLimit;
    const results = await Promise.allSettled(parts.map((part) => limit(() => this.sendOrStop(part))));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw new FileJobError(failure.reason, this.bytesSent);
  }

  private async sendOrStop(part: PartPlan): Promise<void> {
    try {
      await this.sendWithRetries(part);
    } catch (err) {
      this.fileAbort.abort(err); // Fail fast: no point in sending the other parts.
      throw err;
    }
  }

  private async sendWithRetries(part: PartPlan): Promise<void> {
    const { file, fileId } = this.target;
    await withRetry(() => this.sendOnce(part), {
      what: `PUT part ${part.partNumber} of ${file.relPath}`,
      policy: this.ctx.retry,
      signal: this.signal,
      classify: partFailureVerdict,
      onRetry: (info) => this.ctx.emit({ type: 'retry', ...info }),
    });
    this.done.add(part.partNumber);
    // A small file's only part is not journalled: after a crash before its completion it is sent
    // again (at most 1 MiB), and a run of many small files saves a write per file.
    if (this.target.plan.parts.length > 1 || !isSmallPart(part.partSize))
      this.ctx.journal.append({ t: 'part', absPath: file.absPath, fileId, partNumber: part.partNumber });
    this.ctx.emit({ type: 'part:sent', path: file.relPath, partNumber: part.partNumber, bytes: part.partSize });
  }

  /** One attempt: a usable URL, the PUT, and the progress of a failed attempt rolled back. */
  private async sendOnce(part: PartPlan): Promise<void> {
    const { file, plan } = this.target;
    this.signal.throwIfAborted();
    const wanted = this.sending.filter((p) => !this.done.has(p.partNumber)).map((p) => p.partNumber);
    const url = await this.urls.urlFor(part.partNumber, wanted);
    let attemptBytes = 0;
    const onProgress = (bytes: number): void => {
      attemptBytes += bytes;
      this.bytesSent += bytes;
      this.ctx.emit({ type: 'progress', path: file.relPath, bytes });
    };
    try {
      await this.ctx.sendPart({ url, file, plan, part, signal: this.signal, onProgress });
    } catch (err) {
      // the display rolls back
      if (attemptBytes > 0) this.ctx.emit({ type: 'progress', path: file.relPath, bytes: -attemptBytes });
      if (isExpiredUrl(err)) this.urls.invalidate(part.partNumber);
      throw err;
    }
  }
}

/** How the part loop judges a failure: the PUT's own verdict, the URL call's, or the network's. */
export function partFailureVerdict(err: unknown): FailureVerdict {
  if (err instanceof PartUploadError) return partUploadVerdict(err);
  if (err instanceof KooDriveError) {
    return {
      transient: err.transient,
      reason: err.message,
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    };
  }
  const net = classifyNetworkError(err);
  return { transient: net.transient, reason: net.reason };
}
