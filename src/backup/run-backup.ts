import pLimit from 'p-limit';
import type { LocalFile } from '../scan/local-file.js';
import type { BackupRecord, CreateRecordRequest } from '../koodrive/wire-types.js';
import { MODULE_FOLDER_BACKUP } from '../koodrive/wire-types.js';
import type { FileApi, FilePlanner, PartSender } from './backup-api.js';
import type { RequestOptions } from './create-request.js';
import type { EventSink, FileOutcome, RunTotals } from './events.js';
import { backupFile, FileJobError, type FileJobContext } from './file-job.js';
import { Journal, seedIdOf } from './journal.js';
import { LockKeeper, type LockApi } from './lock-keeper.js';

/** The server calls of a whole run. */
export interface RunApi extends FileApi, LockApi {
  createRecord(request: CreateRecordRequest): Promise<BackupRecord>;
  getRecord(recordId: string): Promise<BackupRecord>;
  completeRecord(recordId: string): Promise<void>;
}

export type { ScanItem } from '../scan/scan-options.js';
import type { ScanItem } from '../scan/scan-options.js';

export interface BackupRunOptions {
  roots: string[];
  recordId?: string;
  dryRun: boolean;
  resume: boolean;
  checksum: boolean;
  fileConcurrency: number;
  partConcurrency: number;
  request: RequestOptions;
  /** The proofCode seed value (never stored; only its digest is). */
  proofSeed: string;
  deviceId: string;
  /** JSON string stored as the record's properties. */
  recordProperties: string;
  journalPath: string;
  lock: { renewEveryMs: number; waitLockMs: number; lockTtlMs: number };
}

export interface BackupRunDeps {
  api: RunApi;
  scan: () => AsyncIterable<ScanItem>;
  plan: FilePlanner;
  sendPart: PartSender;
  emit: EventSink;
  /** Aborted by the user (SIGINT/SIGTERM). */
  signal: AbortSignal;
  retryPart: FileJobContext['retryPart'];
  isUrlFresh(url: string): boolean;
  isExpiredUrl(err: unknown): boolean;
  isUploadGone(err: unknown): boolean;
  isNameConflict(err: unknown): boolean;
  isLockBusy(err: unknown): boolean;
  isLockGone(err: unknown): boolean;
  /** Errors after which no further file can succeed (auth, clock): the run stops. */
  isFatal(err: unknown): boolean;
  describeError(err: unknown): string;
}

export interface BackupRunResult {
  recordId: string;
  totals: RunTotals;
  files: FileOutcome[];
  /** Why the run stopped early (interrupt, lost lock, fatal error), if it did. */
  stopped?: unknown;
  recordCompleted: boolean;
}

/** One backup run: scan, lock, record, every file, complete, release — release also on failure. */
export async function runBackup(opts: BackupRunOptions, deps: BackupRunDeps): Promise<BackupRunResult> {
  const started = Date.now();
  const files: LocalFile[] = [];
  for await (const item of deps.scan()) {
    if (item.kind === 'file') files.push(item.file);
    else deps.emit({ type: 'notice', notice: item.notice });
    deps.signal.throwIfAborted();
  }
  deps.emit({ type: 'scan:done', files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) });

  const journal = opts.dryRun ? Journal.inMemory() : Journal.open(opts.journalPath, { fresh: !opts.resume });
  let keeper: LockKeeper | undefined;
  try {
    if (!opts.dryRun) {
      keeper = await LockKeeper.acquire(deps.api, {
        ...opts.lock,
        isLockBusy: deps.isLockBusy,
        isLockGone: deps.isLockGone,
        signal: deps.signal,
        onRetry: (reason, delayMs) => deps.emit({ type: 'retry', what: 'take the backup lock', attempt: 0, delayMs, reason }),
      });
    }
    const recordId = opts.dryRun ? (opts.recordId ?? '(dry-run)') : await openRecord(opts, deps, journal);
    deps.emit({ type: 'run:start', recordId, roots: opts.roots, dryRun: opts.dryRun });

    const stop = new AbortController();
    const runSignal = AbortSignal.any([deps.signal, stop.signal, ...(keeper ? [keeper.lost.signal] : [])]);
    const ctx: FileJobContext = {
      recordId,
      api: deps.api,
      journal,
      emit: deps.emit,
      plan: deps.plan,
      sendPart: deps.sendPart,
      partLimit: pLimit(opts.partConcurrency),
      isUrlFresh: deps.isUrlFresh,
      isExpiredUrl: deps.isExpiredUrl,
      isUploadGone: deps.isUploadGone,
      isNameConflict: deps.isNameConflict,
      retryPart: deps.retryPart,
      request: opts.request,
      seedId: seedIdOf(opts.proofSeed),
      checksum: opts.checksum,
      dryRun: opts.dryRun,
      signal: runSignal,
    };
    const fileLimit = pLimit(opts.fileConcurrency);
    const outcomes = await Promise.all(
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
              if (deps.isFatal(cause) && !stop.signal.aborted) stop.abort(cause);
              outcome = {
                path: file.relPath,
                absPath: file.absPath,
                size: file.size,
                outcome: runSignal.aborted && isAbortLike(cause, runSignal) ? 'skipped' : 'failed',
                bytesSent: err instanceof FileJobError ? err.bytesSent : 0,
                error: deps.describeError(runSignal.aborted && isAbortLike(cause, runSignal) ? runSignal.reason : cause),
              };
            }
          }
          deps.emit({ type: 'file:done', file: outcome });
          return outcome;
        }),
      ),
    );

    const stopped = runSignal.aborted ? runSignal.reason : undefined;
    const allDone = outcomes.every((o) => ['uploaded', 'rapid', 'exist', 'unchanged'].includes(o.outcome));
    let recordCompleted = false;
    if (!opts.dryRun && !stopped && allDone) {
      await deps.api.completeRecord(recordId);
      journal.append({ t: 'record-complete', recordId });
      recordCompleted = true;
    }
    return { recordId, totals: totalsOf(outcomes, Date.now() - started), files: outcomes, stopped, recordCompleted };
  } finally {
    journal.close();
    if (keeper) {
      try {
        await keeper.release();
      } catch (err) {
        deps.emit({ type: 'warn', message: `could not release the backup lock (${deps.describeError(err)}); it expires by itself within 10 minutes` });
      }
    }
  }
}

/** Reuses --record-id, or the unfinished record of the last run, or creates a new one. */
async function openRecord(opts: BackupRunOptions, deps: BackupRunDeps, journal: Journal): Promise<string> {
  if (opts.recordId) {
    const record = await deps.api.getRecord(opts.recordId);
    if (record.status !== 0) throw new Error(`record ${opts.recordId} is already completed; leave out --record-id to start a new one`);
    if (journal.state.recordId !== opts.recordId) journal.append({ t: 'record', recordId: opts.recordId, roots: opts.roots });
    return opts.recordId;
  }
  const previous = journal.state.recordId;
  if (opts.resume && previous && !journal.state.recordComplete) {
    const record = await deps.api.getRecord(previous).catch(() => undefined);
    if (record && record.status === 0) return previous;
  }
  const record = await deps.api.createRecord({ moduleCode: MODULE_FOLDER_BACKUP, deviceId: opts.deviceId, properties: opts.recordProperties });
  journal.append({ t: 'record', recordId: record.recordId, roots: opts.roots });
  return record.recordId;
}

function isAbortLike(err: unknown, signal: AbortSignal): boolean {
  return err === signal.reason || (err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR'));
}

/** Adds up the outcomes. */
export function totalsOf(files: readonly FileOutcome[], durationMs: number): RunTotals {
  const count = (kind: FileOutcome['outcome']) => files.filter((f) => f.outcome === kind).length;
  return {
    files: files.length,
    uploaded: count('uploaded'),
    rapid: count('rapid'),
    exist: count('exist'),
    unchanged: count('unchanged'),
    skipped: count('skipped') + count('planned'),
    conflict: count('conflict'),
    failed: count('failed'),
    bytesTotal: files.filter((f) => f.outcome !== 'failed' && f.outcome !== 'skipped').reduce((n, f) => n + f.size, 0),
    bytesSent: files.reduce((n, f) => n + f.bytesSent, 0),
    durationMs,
  };
}
