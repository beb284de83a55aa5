import pLimit from 'p-limit';
import type { LocalFile } from '../scan/local-file.js';
import type { FileOutcome } from './events.js';
import { backupFile, FileJobError, type FileJobContext } from './file-job.js';

export interface FilePassOptions {
  fileConcurrency: number;
  /** Errors after which no further file can succeed: they abort `stop`. */
  isFatal(err: unknown): boolean;
  describeError(err: unknown): string;
  /** Aborted by the pass on a fatal error (part of ctx.signal). */
  stop: AbortController;
}

/** Backs up every file once, a bounded number at a time; a file's failure never throws. */
export function runFilePass(files: readonly LocalFile[], ctx: FileJobContext, opts: FilePassOptions): Promise<FileOutcome[]> {
  const fileLimit = pLimit(opts.fileConcurrency);
  const runSignal = ctx.signal;
  return Promise.all(
    files.map((file) =>
      fileLimit(async (): Promise<FileOutcome> => {
        let outcome: FileOutcome;
        if (runSignal.aborted) {
          outcome = { path: file.relPath, absPath: file.absPath, size: file.size, outcome: 'skipped', bytesSent: 0, error: 'not started: the run was stopped' };
        } else {
          try {
            outcome = await backupFile(file, ctx);
          } catch (err) {
            const cause = err instanceof FileJobError ? err.cause : err;
            if (opts.isFatal(cause) && !opts.stop.signal.aborted) opts.stop.abort(cause);
            const stopped = runSignal.aborted && isAbortLike(cause, runSignal);
            outcome = {
              path: file.relPath,
              absPath: file.absPath,
              size: file.size,
              outcome: stopped ? 'skipped' : 'failed',
              bytesSent: err instanceof FileJobError ? err.bytesSent : 0,
              error: opts.describeError(stopped ? runSignal.reason : cause),
            };
          }
        }
        ctx.emit({ type: 'file:done', file: outcome });
        return outcome;
      }),
    ),
  );
}

function isAbortLike(err: unknown, signal: AbortSignal): boolean {
  return err === signal.reason || (err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR'));
}

/** Outcomes that leave the file stored in the run's record. */
export function isStored(o: FileOutcome): boolean {
  return ['uploaded', 'rapid', 'exist', 'unchanged'].includes(o.outcome);
}
