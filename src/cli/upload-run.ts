import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { FilePlanner } from '../backup/backup-api.js';
import { DRY_RUN_API } from '../backup/dry-run-api.js';
import type { RunEvent } from '../backup/events.js';
import { heldLockFile, heldLockPath } from '../backup/held-lock.js';
import { journalPath } from '../backup/journal.js';
import { partSender } from '../backup/part-sender.js';
import { runBackup, type BackupRunDeps, type BackupRunOptions, type BackupRunResult } from '../backup/run-backup.js';
import { RunTally } from '../backup/run-tally.js';
import { underStateLock } from '../backup/state-lock.js';
import { MIN_PART_SIZE } from '../hash/part-rules.js';
import { KooDriveClient } from '../koodrive/client.js';
import { isLockBusy, isLockLost, type KooDriveError } from '../koodrive/koodrive-error.js';
import { resolveOutput } from '../report/choose-sink.js';
import { formatDuration } from '../report/format.js';
import { lockWaitNotes } from '../report/lock-wait-notes.js';
import type { SummaryEvent } from '../report/types.js';
import { checkRoots, walk } from '../scan/walk.js';
import { partWindow, RateLimiter } from '../transfer/rate-limiter.js';
import { deviceIdIn } from './device-id.js';
import {
  describeError,
  describeFileError,
  exitCodeOf,
  exitCodeOfRun,
  exitCodeOfSignal,
  setStateFolder,
} from './error-report.js';
import { runExplainFilters } from './explain-filters-run.js';
import { runHooks } from './hooks.js';
import { watchInterrupts } from './interrupts.js';
import type { CliIo } from './io.js';
import { openOutput } from './output.js';
import { makePlanner } from './planner.js';
import { reportFailure } from './report-failure.js';
import { EMBEDDED_PLANNED, plannedTarget, resolveTarget, type Target } from './target.js';
import { describeHashEngine } from '../hash/backends.js';
import { loadUploadSettings, ReportPathError, type UploadSettings } from './upload-settings.js';

/** `upload`: resolves settings, starts the target, runs the backup, renders it, returns the exit code. */
export async function runUploadCommand(paths: string[], flags: Record<string, unknown>, io: CliIo): Promise<number> {
  let settings: UploadSettings;
  try {
    settings = await loadUploadSettings(paths, flags, io);
  } catch (err) {
    // Even a run refused before it started ends --json with a summary and is an error in CI.
    const reportOk = typeof flags.report === 'string' && !(err instanceof ReportPathError);
    const early = {
      json: flags.json === true,
      quiet: flags.quiet === true,
      verbose: flags.verbose === true,
      ...(reportOk ? { report: flags.report as string } : {}),
    };
    const mode = resolveOutput({ mode: early.json ? 'json' : 'auto', isTTY: false, quiet: early.quiet, env: io.env });
    if (mode === 'json' || mode === 'github' || early.report)
      await openOutput(early, io).fatal(fatalSummary(err, exitCodeOf(err), undefined, '', 0));
    return reportFailure(err, io, false);
  }
  setStateFolder(settings.stateDir); // a full or read-only state folder is named with its fix
  if (settings.explainFilters)
    return runExplainFilters(settings, io).catch((err: unknown) => reportFailure(err, io, false));
  const output = openOutput(settings, io);
  // What the run did before a fatal error, for the summary that ends its output even then.
  const started = Date.now();
  const done = new RunTally(); // totals and the files that need attention, not every file
  let recordId = '';
  const waiting = lockWaitNotes(settings.lock.waitLockMs, Date.now);
  const emit = (event: RunEvent): void => {
    if (event.type === 'run:start') recordId = event.recordId;
    // Without its native addon hashing is ~9× slower, so a verbose run says which engine it got.
    if (event.type === 'run:start' && settings.verbose && !settings.json)
      io.stderr.write(`koodrive-backup: hash engine: ${describeHashEngine(settings.hashBackend)}\n`);
    if (event.type === 'file:done') done.add(event.file);
    // --wait-lock: say what the run waits for (once, then every minute), not only with --verbose.
    const note = event.type === 'retry' ? waiting(event.what, event.reason) : undefined;
    if (note) output.emit({ type: 'warn', message: note });
    output.emit(event);
  };
  const interrupts = watchInterrupts(
    (sig) => output.emit({ type: 'warn', message: interruptMessage(sig) }),
    // The journal is append-only, so it is consistent at any instant; the next run takes the lock over.
    (sig) =>
      io.stderr.write(
        `koodrive-backup: second ${sig}: stopped at once; run the same command again to resume where it stopped\n`,
      ),
  );
  let target: Target | undefined;
  const planner = makePlanner(settings);
  try {
    target = settings.dryRun ? plannedTarget(settings.target) : await resolveTarget(settings.target);
    if (target.embedded && !settings.target.emulator) {
      const message =
        `nothing configured: backing up to the embedded KooDrive emulator at ` +
        `${target.embedded.url} (data in ${target.embedded.dataDir}), not to KooDrive; set ` +
        `KOODRIVE_USER_ID and KOODRIVE_TOKEN to back up to KooDrive, or pass --emulator to say you mean it`;
      // --quiet hides warnings; this one must show whatever the output mode.
      if (settings.quiet && !settings.json) io.stderr.write(`koodrive-backup: warning: ${message}\n`);
      else output.emit({ type: 'warn', message });
    }
    const result = await backup(settings, target, io, emit, interrupts.signal, planner.plan(target.proofSeed));
    if (result.totals.files === 0 && !result.stopped) {
      // An unmounted mount point or an exclude that keeps nothing: exit 0 (the empty tree is
      // backed up as asked) but never silently, also not with --quiet (docs/exit-codes.md).
      const message =
        `nothing to back up: no file found under ${settings.paths.join(', ')} (an unmounted disk, an empty ` +
        `folder, or filters that leave out everything?); check the paths and --include/--exclude ` +
        `(--explain-filters shows why each path is in or out)`;
      if (
        settings.quiet &&
        !settings.json &&
        resolveOutput({ mode: 'auto', isTTY: false, quiet: true, env: io.env }) === 'plain'
      )
        io.stderr.write(`koodrive-backup: warning: ${message}\n`);
      else output.emit({ type: 'warn', message });
    }
    const exitCode = exitCodeOfRun(result, interrupts.received());
    const reason = result.stopped ? describeUploadError(result.stopped, settings) : undefined;
    output.emit({
      type: 'summary',
      recordId: result.recordId,
      totals: result.totals,
      files: result.files,
      exitCode,
      ...(reason ? { reason } : {}),
    });
    await output.close();
    await runHooks(settings, { recordId: result.recordId, totals: result.totals, files: result.files, exitCode }, io);
    return exitCode;
  } catch (err) {
    const signal = interrupts.received();
    const code = signal ? exitCodeOfSignal(signal) : exitCodeOf(err);
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
 * describeError, with the advice an upload can follow: a busy lock names --wait-lock (which only
 * upload has), or says how long the run did wait.
 */
export function describeUploadError(err: unknown, settings: Pick<UploadSettings, 'lock'>): string {
  const text = describeError(err);
  if (settings.lock.lockId && isLockLost(err)) {
    const lost = err as KooDriveError;
    // The lock named with --lock-id: "run again" cannot help, a new lock can.
    return (
      `${lost.call} failed: the backup lock ${settings.lock.lockId} given with --lock-id (or ` +
      `KOODRIVE_LOCK_ID) is unknown, released or expired (${lost.msg}); take a new one with koodrive-backup ` +
      `lock create, or leave out --lock-id to let upload take its own`
    );
  }
  if (!isLockBusy(err)) return text;
  return settings.lock.waitLockMs > 0
    ? `${text}; waited ${formatDuration(settings.lock.waitLockMs)} (--wait-lock) for it`
    : `${text}, or pass --wait-lock 10m to wait for it`;
}

/** The first SIGINT/SIGTERM: what happens now, and what to do next. */
export function interruptMessage(sig: NodeJS.Signals): string {
  return (
    `${sig} received: stopping; parts in flight are aborted (parts already sent are kept), the journal is ` +
    `kept and the backup lock released; run the same command again to resume ` +
    `(${sig === 'SIGINT' ? 'press Ctrl-C' : 'send it'} again to quit at once)`
  );
}

/** The summary event of a run that ended with a fatal error: what it did before, the code and why. */
function fatalSummary(
  err: unknown,
  exitCode: number,
  done: RunTally | undefined,
  recordId: string,
  durationMs: number,
): SummaryEvent {
  const tally = done ?? new RunTally();
  return {
    type: 'summary',
    recordId,
    totals: tally.totals(durationMs),
    files: tally.attention,
    exitCode,
    reason: describeError(err),
  };
}

async function backup(
  settings: UploadSettings,
  target: Target,
  io: CliIo,
  emit: (e: RunEvent) => void,
  signal: AbortSignal,
  plan: FilePlanner,
): Promise<BackupRunResult> {
  const api = settings.dryRun ? DRY_RUN_API : apiClient(settings, target, signal, emit);
  const rateLimiter = settings.bwlimit ? new RateLimiter({ bytesPerSecond: settings.bwlimit }) : undefined;
  const roots = settings.paths.map((p: string) => resolve(io.cwd, p));
  // The embedded emulator listens on a new port each run: its journal is keyed by its data folder,
  // so that a dry run (which starts no emulator) and the next run find what the last one sent.
  const embedded = target.embedded !== undefined || target.endpoint === EMBEDDED_PLANNED;
  const journalEndpoint = embedded ? `embedded:${join(settings.stateDir, 'emulator')}` : target.endpoint;
  const journal = journalPath(settings.stateDir, { endpoint: journalEndpoint, userId: target.userId, roots });
  const heldLock = heldLockFile(heldLockPath(settings.stateDir, { endpoint: target.endpoint, userId: target.userId }));
  const options: BackupRunOptions = {
    roots,
    ...(settings.recordId ? { recordId: settings.recordId } : {}),
    dryRun: settings.dryRun,
    resume: settings.resume,
    checksum: settings.checksum,
    fileConcurrency: settings.fileConcurrency,
    // Under --bwlimit, few enough parts that each ends within seconds (docs/resume.md); auto parts are 5 MiB up to ~50
    // GB.
    partConcurrency: partWindow(settings.bwlimit, settings.partSize ?? MIN_PART_SIZE, settings.concurrency),
    bandwidthLimited: !!settings.bwlimit,
    request: settings.request,
    retry: settings.retry,
    proofSeed: target.proofSeed,
    deviceId: settings.deviceId ?? deviceIdIn(settings.stateDir),
    recordProperties: JSON.stringify({ tool: 'koodrive-backup', version: settings.version, host: hostname(), roots }),
    journalPath: journal,
    // Beside the journals, not among them: one manifest per backup, rewritten by each run.
    manifestPath: join(settings.stateDir, 'manifests', basename(journal)),
    lock: { ...settings.lock, memo: heldLock },
  };
  const deps: BackupRunDeps = {
    api,
    scan: () => walk(roots, { ...settings.scan, reportTree: true }),
    checkScan: () => checkRoots(roots, settings.scan),
    plan,
    sendPart: partSender({ timeoutMs: settings.timeoutMs, ...(rateLimiter ? { rateLimiter } : {}) }),
    emit,
    signal,
    describeError: describeFileError,
  };
  if (settings.dryRun) return runBackup(options, deps);
  return underStateLock(settings.stateDir, { waitMs: settings.lock.waitLockMs, signal, emit }, () =>
    runBackup(options, deps),
  );
}

function apiClient(
  settings: UploadSettings,
  target: Target,
  signal: AbortSignal,
  emit: (e: RunEvent) => void,
): KooDriveClient {
  return new KooDriveClient({
    endpoint: target.endpoint,
    userId: target.userId,
    credentials: target.credentials,
    timeoutMs: settings.timeoutMs,
    retry: settings.retry,
    clockSkewMs: settings.clockSkewMs,
    signal,
    onRetry: (info) => emit({ type: 'retry', ...info }),
    userAgent: `koodrive-backup/${settings.version}`,
  });
}
