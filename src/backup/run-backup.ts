import { resolve } from 'node:path';
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { isRecordIncomplete } from '../koodrive/koodrive-error.js';
import type { ManifestEntry } from '../manifest/manifest-format.js';
import { ManifestWriter } from '../manifest/manifest-writer.js';
import { toDescription } from '../names/file-name.js';
import type { RetryPolicy } from '../retry/retry-policy.js';
import type { LocalFile, ScanNotice } from '../scan/local-file.js';
import { distinctRoots, rootPrefixes } from '../scan/root-prefixes.js';
import type { ScanItem } from '../scan/scan-options.js';
import type { FileApi, FilePlanner, PartSender } from './backup-api.js';
import type { RequestOptions } from './create-request.js';
import type { EventSink, FileOutcome, RunTotals } from './events.js';
import type { FileJobContext } from './file-job.js';
import { isStored, outcomeOf } from './file-outcome.js';
import { streamFilePass } from './file-pass.js';
import { finishRecord, localFilesOf, type FinishOptions, type RecordFinishApi } from './finish-record.js';
import type { LockMemo } from './held-lock.js';
import { Journal, journalBase, seedIdOf } from './journal.js';
import { LockKeeper, type LockApi } from './lock-keeper.js';
import { openRecord, startRecord, type RecordApi } from './open-record.js';
import { RunTally } from './run-tally.js';
import { StoredFiles } from './stored-files.js';

export type { ScanItem } from '../scan/scan-options.js';

/** The server calls of a whole run (DRY_RUN_API for a dry run, which makes none). */
export interface RunApi extends FileApi, LockApi, RecordFinishApi, RecordApi {}

export interface BackupRunOptions {
  roots: string[];
  recordId?: string;
  dryRun: boolean;
  resume: boolean;
  checksum: boolean;
  fileConcurrency: number;
  partConcurrency: number;
  /** Under --bwlimit small files' PUTs share the part limit too, so that each part still ends in seconds. */
  bandwidthLimited?: boolean;
  request: RequestOptions;
  /** The retry policy of each part PUT. */
  retry: RetryPolicy;
  /** The proofCode seed value (never stored; only its digest is). */
  proofSeed: string;
  deviceId: string;
  /** JSON string stored as the record's properties. */
  recordProperties: string;
  journalPath: string;
  /** Where the run's manifest is written (in the state folder); none for a dry run. */
  manifestPath?: string;
  /** `lockId`: use this held lock (upload --lock-id) instead of taking one; it is left held. */
  lock: { renewEveryMs: number; waitLockMs: number; lockTtlMs: number; memo?: LockMemo; lockId?: string };
}

export interface BackupRunDeps {
  api: RunApi;
  scan: () => AsyncIterable<ScanItem>;
  /** The scan's own checks of the roots and filters (fast, no walk): made before the lock is taken. */
  checkScan?: () => Promise<void>;
  plan: FilePlanner;
  sendPart: PartSender;
  emit: EventSink;
  /** Aborted by the user (SIGINT/SIGTERM). */
  signal: AbortSignal;
  /** Words for a failure (a file's FileOutcome.error, a failed lock release). */
  describeError(err: unknown): string;
}

export interface BackupRunResult {
  recordId: string;
  totals: RunTotals;
  /** The files that need attention (failed, conflict); every file had its `file:done` event. */
  files: FileOutcome[];
  /** Why the run stopped early (interrupt, lost lock, fatal error), if it did. */
  stopped?: unknown;
  recordCompleted: boolean;
}

/**
 * One backup run: lock (which checks the credentials) and journal first, then scan, plan and
 * upload as one stream with a bounded window of files in flight, then complete and release —
 * release also on failure. Nothing is kept per file but totals, the files that need attention and
 * a fingerprint per stored file for finishing the record (stored-files.ts).
 */
export async function runBackup(opts: BackupRunOptions, deps: BackupRunDeps): Promise<BackupRunResult> {
  const started = Date.now();
  const tally = new RunTally(opts.dryRun ? undefined : StoredFiles.spilledBeside(opts.journalPath));
  const manifest = opts.manifestPath && !opts.dryRun ? await ManifestWriter.create(opts.manifestPath) : undefined;
  let journal: Journal | undefined;
  let keeper: LockKeeper | undefined;
  const scan = deps.scan()[Symbol.asyncIterator]();
  try {
    await deps.checkScan?.(); // a bad path is the user's to fix: refused before any call
    // The lock first: a refused credential or a busy lock fails at once, not after a long scan.
    // The keeper renews it on its timer while the scan and the uploads go on.
    if (!opts.dryRun) {
      keeper = await LockKeeper.acquire(deps.api, {
        ...opts.lock,
        signal: deps.signal,
        onRetry: (reason, delayMs) =>
          deps.emit({ type: 'retry', what: 'take the backup lock', attempt: 0, delayMs, reason }),
        onTakeover: () => deps.emit({ type: 'warning', warning: { type: 'lock:taken-over' } }),
      });
    }
    // The scan checks every root (and the filters) before its first item: a bad path fails here,
    // before a record is opened.
    const first = await scan.next();
    // Only the lock holder may open (and so compact) the journal: a second run of the same backup
    // must not rewrite the file the first one is appending to.
    journal = opts.dryRun
      ? Journal.readOnly(opts.resume ? opts.journalPath : undefined)
      : Journal.open(opts.journalPath, {
          fresh: !opts.resume,
          expect: { base: journalBase(opts.roots.map((r) => resolve(r))), seedId: seedIdOf(opts.proofSeed) },
        });
    let recordId = opts.dryRun ? (opts.recordId ?? '(dry-run)') : await openRecord(deps.api, opts, journal, deps.emit);
    deps.emit({ type: 'run:start', recordId, roots: opts.roots, dryRun: opts.dryRun });

    const stop = new AbortController();
    const runSignal = AbortSignal.any([deps.signal, stop.signal, ...(keeper ? [keeper.lost.signal] : [])]);
    setMaxListeners(0, runSignal); // every file, hash job and API call in flight listens; the pools bound them
    const partLimit = pLimit(opts.partConcurrency);
    const ctx: FileJobContext = {
      recordId,
      api: deps.api,
      journal,
      emit: deps.emit,
      plan: deps.plan,
      sendPart: deps.sendPart,
      partLimit,
      // Unlimited (the file window bounds small files) unless a bandwidth limit is shared.
      smallPartLimit: opts.bandwidthLimited ? partLimit : <T>(fn: () => Promise<T>) => fn(),
      retry: opts.retry,
      request: opts.request,
      seedId: seedIdOf(opts.proofSeed),
      checksum: opts.checksum,
      dryRun: opts.dryRun,
      signal: runSignal,
    };
    const passOptions = { fileConcurrency: opts.fileConcurrency, describeError: deps.describeError, stop };
    const pass: FinishOptions['pass'] = (some, c, onOutcome) => streamFilePass(some, c, passOptions, onOutcome);

    // Scan → plan → upload, one stream: the scan waits while the window of files is full.
    let scanned = 0;
    let scannedBytes = 0;
    const scanFiles = async function* (): AsyncGenerator<LocalFile> {
      for (let next = first; !next.done; next = await scan.next()) {
        const item = next.value;
        const entry = runSignal.aborted ? undefined : manifestEntryOf(item);
        if (entry) await manifest?.add(entry);
        if (item.type === 'file') {
          scanned++;
          scannedBytes += item.file.size;
          yield item.file;
        } else if (item.type === 'notice') {
          deps.emit({ type: 'notice', notice: item.notice });
          const failed = notBackedUp(item.notice);
          if (failed) {
            deps.emit({ type: 'file:done', file: failed });
            unbackable.add(failed);
          }
        }
        // A stopped run (Ctrl-C, a lost lock, a fatal error) still walks the rest of the tree, so
        // that its totals cover every file (each one `skipped`, nothing read or sent).
      }
      await manifest?.close();
      deps.emit({ type: 'scan:done', files: scanned, bytes: scannedBytes });
    };
    // Files the scan could not take fail the run (exit 4) but do not hold the record open: no rerun
    // can add them without the user's help.
    const unbackable = new RunTally();
    await pass(scanFiles(), ctx, (o) => tally.add(o));

    const stopped = runSignal.aborted ? runSignal.reason : undefined;
    let recordCompleted = false;
    if (!opts.dryRun && !stopped && tally.allStored) {
      const absRoots = distinctRoots(opts.roots);
      const prefixes = rootPrefixes(absRoots);
      const finish: FinishOptions = {
        roots: absRoots.map((path, i) => ({ path, prefix: prefixes[i]! })),
        recordProperties: opts.recordProperties,
        pass,
        ...(manifest ? { manifest } : {}),
        ...(tally.containerId ? { containerId: tally.containerId } : {}),
      };
      recordId = await completeRecordOrRedo(recordId, tally, ctx, opts, deps, finish);
      recordCompleted = true;
    }
    for (const o of unbackable.attention) tally.add(o);
    return { recordId, totals: tally.totals(Date.now() - started), files: tally.attention, stopped, recordCompleted };
  } finally {
    await scan.return?.(undefined).catch(() => undefined);
    await manifest?.discard();
    tally.stored?.dispose();
    // A run that held the lock to the end leaves its journal compacted (one compact line per small
    // file); one that lost it must not rewrite a file another run may now be appending to.
    journal?.close({ compact: !opts.dryRun && keeper !== undefined && !keeper.lost.signal.aborted });
    if (keeper) {
      try {
        await keeper.release();
      } catch (err) {
        deps.emit({ type: 'warning', warning: { type: 'lock:not-released', reason: deps.describeError(err) } });
      }
    }
  }
}

/**
 * A file the user asked for that the scan had to pass over (unreadable, over 200 GB, a name
 * KooDrive refuses) is a failed file, so the run does not end as a clean success. Symlinks,
 * special files and exclusions are choices, not failures.
 */
function notBackedUp(notice: ScanNotice): FileOutcome | undefined {
  if (notice.kind !== 'unreadable' && notice.kind !== 'too-large' && notice.kind !== 'bad-name') return undefined;
  return outcomeOf({ relPath: notice.relPath || notice.path, absPath: notice.path, size: 0 }, 'failed', {
    error: notice.message,
  });
}

/**
 * Finishes the record (finish-record.ts: fills what it lacks, adds the manifest, completes it). When
 * the server refuses because the record holds an upload this run cannot finish (a create whose
 * answer was lost to a fault or a stop, then made again), every stored file is added once more to
 * a fresh record — all stored already, so no byte is sent — and that record is finished instead.
 * Done once; a second refusal is the run's error.
 */
async function completeRecordOrRedo(
  recordId: string,
  tally: RunTally,
  ctx: FileJobContext,
  opts: BackupRunOptions,
  deps: BackupRunDeps,
  finish: FinishOptions,
): Promise<string> {
  const stored = tally.stored!;
  try {
    await finishRecord(deps.api, stored, ctx, finish);
    return recordId;
  } catch (err) {
    // A record named with --record-id stays the user's choice: no silent switch.
    if (!isRecordIncomplete(err) || tally.storedCount === 0 || opts.recordId) throw err;
    deps.emit({ type: 'warning', warning: { type: 'record:redone', recordId } });
    const freshId = await startRecord(deps.api, opts, ctx.journal);
    // The second pass is bookkeeping: only its retries and warnings are worth showing.
    const quiet: EventSink = (e) => (e.type === 'retry' || e.type === 'warn' ? ctx.emit(e) : undefined);
    const freshCtx = { ...ctx, recordId: freshId, emit: quiet };
    let failed = 0;
    await finish.pass(
      localFilesOf(stored.all(), () => failed++),
      freshCtx,
      (o) => {
        if (!isStored(o)) failed++;
      },
    );
    if (failed > 0) throw err;
    await finishRecord(deps.api, stored, { ...freshCtx, emit: ctx.emit }, finish);
    return freshId;
  }
}

/** What the manifest says of a scanned item (files, folders, links), if anything. */
function manifestEntryOf(item: ScanItem): ManifestEntry | undefined {
  switch (item.type) {
    case 'file':
      return {
        type: 'file',
        path: toDescription(item.file.relPath),
        size: item.file.size,
        mtimeMs: item.file.mtimeMs,
        ...(item.file.mode !== undefined ? { mode: item.file.mode } : {}),
      };
    case 'folder':
      return {
        type: 'folder',
        path: toDescription(item.folder.relPath),
        mode: item.folder.mode,
        mtimeMs: item.folder.mtimeMs,
      };
    case 'link':
      return { type: 'link', path: toDescription(item.link.relPath), target: item.link.target };
    default:
      return undefined;
  }
}

/** Adds up the outcomes. */
export function totalsOf(files: readonly FileOutcome[], durationMs: number): RunTotals {
  const tally = new RunTally();
  for (const f of files) tally.add(f);
  return tally.totals(durationMs);
}
