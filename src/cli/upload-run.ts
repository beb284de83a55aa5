import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { FilePlanner, PartSender } from '../backup/backup-api.js';
import type { RunEvent } from '../backup/events.js';
import { heldLockFile, heldLockPath } from '../backup/held-lock.js';
import { journalPath } from '../backup/journal.js';
import { runBackup, type BackupRunResult } from '../backup/run-backup.js';
import { RunTally } from '../backup/run-tally.js';
import { resolveOutput } from '../report/choose-sink.js';
import type { SummaryEvent } from '../report/types.js';
import { lockStateFolder } from '../backup/state-lock.js';
import { KooDriveClient } from '../koodrive/client.js';
import { CODES } from '../koodrive/error-codes.js';
import { KooDriveError, numericCode } from '../koodrive/koodrive-error.js';
import { createPartVerifier, expectedPartEnd } from '../hash/part-verifier.js';
import { checkRoots, walk } from '../scan/walk.js';
import { expiresAt } from '../transfer/presigned-url.js';
import { putPart, PartUploadError } from '../transfer/put-part.js';
import { planBytes } from '../hash/plan-bytes.js';
import { partWindow, RateLimiter } from '../transfer/rate-limiter.js';
import { MIN_PART_SIZE } from '../hash/part-rules.js';
import { withRetry } from '../retry/retry.js';
import { classifyNetworkError } from '../retry/retry-policy.js';
import { deviceIdIn } from './device-id.js';
import { describeError, describeFileError, exitCodeOf, setStateFolder } from './error-report.js';
import { formatDuration } from '../report/format.js';
import { EXIT } from './exit-codes.js';
import { InterruptedError, watchInterrupts } from './interrupts.js';
import type { CliIo } from './io.js';
import { loadUploadSettings, ReportPathError, type UploadSettings } from './upload-settings.js';
import { EMBEDDED_PLANNED, plannedTarget, resolveTarget, type Target } from './target.js';
import { openOutput } from './output.js';
import { makePlanner } from './planner.js';
import { runHooks } from './hooks.js';
import { runExplainFilters } from './explain-filters-run.js';


/** `upload`: resolves settings, starts the target, runs the backup, renders it, returns the exit code. */
export async function runUploadCommand(paths: string[], flags: Record<string, unknown>, io: CliIo): Promise<number> {
  let settings: UploadSettings;
  try {
    settings = await loadUploadSettings(paths, flags, io);
  } catch (err) {
    // Even a run refused before it started ends --json with a summary and is an error in CI.
    const reportOk = typeof flags.report === 'string' && !(err instanceof ReportPathError);
    const early = { json: flags.json === true, quiet: flags.quiet === true, verbose: flags.verbose === true, ...(reportOk ? { report: flags.report as string } : {}) };
    const mode = resolveOutput({ mode: early.json ? 'json' : 'auto', isTTY: false, quiet: early.quiet, env: io.env });
    if (mode === 'json' || mode === 'github' || early.report) await openOutput(early, io).fatal(fatalSummary(err, exitCodeOf(err), undefined, '', 0));
    io.stderr.write(`koodrive-backup: ${describeError(err)}\n`);
    return exitCodeOf(err);
  }
  setStateFolder(settings.stateDir); // a full or read-only state folder is named with its fix
  if (settings.explainFilters) return runExplainFilters(settings, io).catch((err: unknown) => {
    io.stderr.write(`koodrive-backup: ${describeError(err)}\n`);
    return exitCodeOf(err);
  });
  const output = openOutput(settings, io);
  // What the run did before a fatal error, for the summary that ends its output even then.
  const started = Date.now();
  const done = new RunTally(); // totals and the files that need attention, not every file
  let recordId = '';
  const waiting = lockWaitNotes(settings, Date.now);
  const emit = (event: RunEvent): void => {
    if (event.type === 'run:start') recordId = event.recordId;
    if (event.type === 'file:done') done.add(event.file);
    // --wait-lock: say what the run waits for (once, then every minute), not only with --verbose.
    const note = event.type === 'retry' ? waiting(event.what, event.reason) : undefined;
    if (note) output.emit({ type: 'warn', message: note });
    output.emit(event);
  };
  const interrupts = watchInterrupts(
    (sig) => output.emit({ type: 'warn', message: interruptMessage(sig) }),
    // The journal is append-only, so it is consistent at any instant; the next run takes the lock over.
    (sig) => io.stderr.write(`koodrive-backup: second ${sig}: stopped at once; run the same command again to resume where it stopped\n`),
  );
  let target: Target | undefined;
  const planner = makePlanner(settings);
  try {
    target = settings.dryRun ? plannedTarget(settings.target) : await resolveTarget(settings.target);
    if (target.embedded && !settings.target.emulator) {
      const message = `nothing configured: backing up to the embedded KooDrive emulator at ${target.embedded.url} (data in ${target.embedded.dataDir}), not to KooDrive; set KOODRIVE_USER_ID and KOODRIVE_TOKEN to back up to KooDrive, or pass --emulator to say you mean it`;
      // --quiet hides warnings; this one must show whatever the output mode.
      if (settings.quiet && !settings.json) io.stderr.write(`koodrive-backup: warning: ${message}\n`);
      else output.emit({ type: 'warn', message });
    }
    const result = await backup(settings, target, io, emit, interrupts.signal, planner.plan(target.proofSeed));
    if (result.totals.files === 0 && !result.stopped) {
      // An unmounted mount point or an exclude that keeps nothing: exit 0 (the empty tree is
      // backed up as asked) but never silently, also not with --quiet (docs/exit-codes.md).
      const message = `nothing to back up: no file found under ${settings.paths.join(', ')} (an unmounted disk, an empty folder, or filters that leave out everything?); check the paths and --include/--exclude (--explain-filters shows why each path is in or out)`;
      if (settings.quiet && !settings.json && resolveOutput({ mode: 'auto', isTTY: false, quiet: true, env: io.env }) === 'plain') io.stderr.write(`koodrive-backup: warning: ${message}\n`);
      else output.emit({ type: 'warn', message });
    }
    const exitCode = exitCodeFor(result, interrupts.received());
    const reason = result.stopped ? describeUploadError(result.stopped, settings) : undefined;
    output.emit({ type: 'summary', recordId: result.recordId, totals: result.totals, files: result.files, exitCode, ...(reason ? { reason } : {}) });
    await output.close();
    await runHooks(settings, { recordId: result.recordId, totals: result.totals, files: result.files, exitCode }, io);
    return exitCode;
  } catch (err) {
    const code = interrupts.received() ? (interrupts.received() === 'SIGINT' ? EXIT.INTERRUPTED : EXIT.TERMINATED) : exitCodeOf(err);
    const why = describeUploadError(err, settings);
    await output.fatal({ ...fatalSummary(err, code, done, recordId, Date.now() - started), reason: why });
    io.stderr.write(`koodrive-backup: ${why}\n`);
    if (settings.verbose && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    await runHooks(settings, { error: why, exitCode: code }, io);
    return code;
  } finally {
    interrupts.dispose();
    await planner.close();
    await target?.embedded?.close();
  }
}

/**
 * The line for a wait on a busy lock (--wait-lock): the first retry of each lock, then at most one
 * a minute, saying what holds it and how long the run will wait. Undefined for other retries.
 */
export function lockWaitNotes(settings: Pick<UploadSettings, 'lock'>, now: () => number): (what: string, reason: string) => string | undefined {
  const started = now();
  const last = new Map<string, number>();
  return (what, reason) => {
    if (what !== 'take the backup lock' && what !== 'take the state folder') return undefined;
    if (/^lock renewal failed/.test(reason)) return undefined;
    const at = now();
    const previous = last.get(what);
    if (previous !== undefined && at - previous < 60_000) return undefined;
    last.set(what, at);
    const left = Math.max(0, settings.lock.waitLockMs - (at - started));
    const lock = what === 'take the state folder' ? 'the state folder' : 'the backup lock';
    return `waiting for ${lock}: ${reason}; waiting up to ${formatDuration(left)} more (--wait-lock), Ctrl-C to stop`;
  };
}

/**
 * describeError, with the advice an upload can follow: a busy lock names --wait-lock (which only
 * upload has), or says how long the run did wait.
 */
export function describeUploadError(err: unknown, settings: Pick<UploadSettings, 'lock'>): string {
  const text = describeError(err);
  if (settings.lock.lockId && err instanceof KooDriveError && err.kind === 'lock-lost') {
    // The lock named with --lock-id: "run again" cannot help, a new lock can.
    return `${err.call} failed: the backup lock ${settings.lock.lockId} given with --lock-id (or KOODRIVE_LOCK_ID) is unknown, released or expired (${err.msg}); take a new one with koodrive-backup lock create, or leave out --lock-id to let upload take its own`;
  }
  if (!(err instanceof KooDriveError) || err.kind !== 'lock-busy') return text;
  return settings.lock.waitLockMs > 0
    ? `${text}; waited ${formatDuration(settings.lock.waitLockMs)} (--wait-lock) for it`
    : `${text}, or pass --wait-lock 10m to wait for it`;
}

/** The first SIGINT/SIGTERM: what happens now, and what to do next. */
export function interruptMessage(sig: NodeJS.Signals): string {
  return `${sig} received: stopping; parts in flight are aborted (parts already sent are kept), the journal is kept and the backup lock released; run the same command again to resume (${sig === 'SIGINT' ? 'press Ctrl-C' : 'send it'} again to quit at once)`;
}

/** The summary event of a run that ended with a fatal error: what it did before, the code and why. */
function fatalSummary(err: unknown, exitCode: number, done: RunTally | undefined, recordId: string, durationMs: number): SummaryEvent {
  const tally = done ?? new RunTally();
  return { type: 'summary', recordId, totals: tally.totals(durationMs), files: tally.attention, exitCode, reason: describeError(err) };
}

async function backup(settings: UploadSettings, target: Target, io: CliIo, emit: (e: RunEvent) => void, signal: AbortSignal, plan: FilePlanner): Promise<BackupRunResult> {
  const onRetry = (info: { what: string; attempt: number; delayMs: number; reason: string }) => emit({ type: 'retry', ...info });
  const client = settings.dryRun
    ? (undefined as unknown as KooDriveClient)
    : new KooDriveClient({
        endpoint: target.endpoint,
        userId: target.userId,
        credentials: target.credentials,
        timeoutMs: settings.timeoutMs,
        retry: settings.retry,
        clockSkewMs: settings.clockSkewMs,
        signal,
        onRetry,
        userAgent: `koodrive-backup/${settings.version}`,
      });
  const limiter = settings.bwlimit ? new RateLimiter({ bytesPerSecond: settings.bwlimit }) : undefined;
  const sendPart: PartSender = async ({ url, file, plan: filePlan, part, signal: partSignal, onProgress }) => {
    // A small file's bytes as they were hashed need no second check; bytes read again from disk do.
    const bytes = filePlan.parts.length === 1 ? planBytes(filePlan) : undefined;
    await putPart({
      url,
      absPath: file.absPath,
      partOffset: part.partOffset,
      partSize: part.partSize,
      signal: partSignal,
      onProgress,
      timeoutMs: settings.timeoutMs,
      ...(bytes ? { bytes } : { transform: () => createPartVerifier(part, expectedPartEnd(filePlan, part.partNumber), undefined, { filePath: file.relPath }) }),
      ...(limiter ? { rateLimiter: limiter } : {}),
    });
  };
  const roots = settings.paths.map((p: string) => resolve(io.cwd, p));
  const deviceId = settings.deviceId ?? deviceIdIn(settings.stateDir);
  // The embedded emulator listens on a new port each run: its journal is keyed by its data folder,
  // so that a dry run (which starts no emulator) and the next run find what the last one sent.
  const embedded = target.embedded !== undefined || target.endpoint === EMBEDDED_PLANNED;
  const journal = journalPath(settings.stateDir, { endpoint: embedded ? `embedded:${join(settings.stateDir, 'emulator')}` : target.endpoint, userId: target.userId, roots });
  return underStateLock(settings, signal, emit, () => runBackup(
    {
      roots,
      ...(settings.recordId ? { recordId: settings.recordId } : {}),
      dryRun: settings.dryRun,
      resume: settings.resume,
      checksum: settings.checksum,
      fileConcurrency: settings.fileConcurrency,
      // Under --bwlimit, few enough parts that each ends within seconds (docs/resume.md); auto parts are 5 MiB up to ~50 GB.
      partConcurrency: partWindow(settings.bwlimit, settings.partSize ?? MIN_PART_SIZE, settings.concurrency),
      bandwidthLimited: !!settings.bwlimit,
      request: settings.request,
      proofSeed: target.proofSeed,
      deviceId,
      recordProperties: JSON.stringify({ tool: 'koodrive-backup', version: settings.version, host: hostname(), roots }),
      journalPath: journal,
      // Beside the journals, not among them: one manifest per backup, rewritten by each run.
      manifestPath: join(settings.stateDir, 'manifests', basename(journal)),
      lock: { ...settings.lock, memo: heldLockFile(heldLockPath(settings.stateDir, { endpoint: target.endpoint, userId: target.userId })) },
    },
    {
      api: client,
      scan: () => walk(roots, { ...settings.scan, reportTree: true }),
      checkScan: () => checkRoots(roots, settings.scan),
      plan,
      sendPart,
      emit,
      signal,
      retryPart: (what, attempt, partSignal) =>
        withRetry(attempt, { what, policy: settings.retry, signal: partSignal, classify: classifyPartError, onRetry }),
      isUrlFresh,
      isExpiredUrl: (err) => err instanceof PartUploadError && err.expired,
      isUploadGone,
      partsNotUploaded,
      isNameConflict: (err) => err instanceof KooDriveError && [CODES.FILE_EXISTS, CODES.DUPLICATE_FILE_NAME].includes(numericCode(err.code) as never),
      isRecordIncomplete: (err) => err instanceof KooDriveError && numericCode(err.code) === CODES.RECORD_FILES_INCOMPLETE,
      isLockBusy: (err) => err instanceof KooDriveError && err.kind === 'lock-busy',
      isLockGone: (err) => err instanceof KooDriveError && err.kind === 'lock-lost',
      isFatal: (err) => err instanceof KooDriveError && (err.kind === 'auth' || err.kind === 'clock' || err.kind === 'lock-lost'),
      describeError: describeFileError,
    },
  ));
}

/**
 * Runs `work` holding the state folder's OS lock (not for dry runs): one upload per state folder
 * on this machine, so only one rerun can take over a backup lock a killed run left behind.
 */
async function underStateLock<T>(settings: UploadSettings, signal: AbortSignal, emit: (e: RunEvent) => void, work: () => Promise<T>): Promise<T> {
  if (settings.dryRun) return work();
  const lock = await lockStateFolder(settings.stateDir, {
    waitMs: settings.lock.waitLockMs,
    signal,
    onWait: (reason, delayMs) => emit({ type: 'retry', what: 'take the state folder', attempt: 0, delayMs, reason }),
  });
  if (!lock.exclusive) emit({ type: 'warn', message: `cannot lock the state folder ${settings.stateDir} on this system; make sure no two uploads use it at once` });
  try {
    return await work();
  } finally {
    lock.release();
  }
}

/**
 * The server no longer has the upload: 13000401 from the API (uploadUrl, complete), or the storage's
 * 404 NoSuchUpload for a PUT (purged, or already completed). The file job looks through wrappers.
 */
function isUploadGone(err: unknown): boolean {
  if (err instanceof KooDriveError) return numericCode(err.code) === CODES.NOT_EXIST_UPLOAD_TASK;
  return err instanceof PartUploadError && err.status === 404 && /NoSuchUpload/.test(err.message);
}

/**
 * files/complete answered 13000402 because parts are missing: their numbers when the message lists
 * them all ("part(s) 2, 5 not uploaded"), else 'all' (a shortened list, or no list at all).
 */
function partsNotUploaded(err: unknown): number[] | 'all' | undefined {
  if (!(err instanceof KooDriveError) || numericCode(err.code) !== CODES.FILE_COMPLETE_CHECK_FAILURE) return undefined;
  const listed = /part\(s\) ([\d, ]+?)( not uploaded|, …)/.exec(err.message);
  if (!listed || listed[2] !== ' not uploaded') return 'all';
  return listed[1]!.split(',').map((n) => Number(n.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

/** A URL is fresh until a quarter of its life (at most 5 minutes) before it expires. */
function isUrlFresh(url: string): boolean {
  const at = expiresAt(url);
  if (!at) return true;
  const ttlMs = Number(new URL(url).searchParams.get('X-Amz-Expires') ?? '3600') * 1000;
  return at.getTime() - Date.now() > Math.min(5 * 60_000, ttlMs / 4);
}

function classifyPartError(err: unknown): { transient: boolean; reason: string; retryAfterMs?: number } {
  if (err instanceof PartUploadError) {
    return { transient: err.transient || err.expired, reason: err.expired ? 'upload URL expired' : err.reason, ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) };
  }
  if (err instanceof KooDriveError) return { transient: err.transient, reason: err.message, ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) };
  const net = classifyNetworkError(err);
  return { transient: net.transient, reason: net.reason };
}

/** Maps a finished run to its exit code. */
function exitCodeFor(result: BackupRunResult, signal: NodeJS.Signals | undefined): number {
  if (signal || result.stopped instanceof InterruptedError) return signal === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED;
  if (result.stopped) return exitCodeOf(result.stopped);
  if (result.totals.failed > 0) return EXIT.PARTIAL;
  if (result.totals.conflict > 0) return EXIT.CONFLICT;
  return EXIT.OK;
}
