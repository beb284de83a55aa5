import { setMaxListeners } from 'node:events';
import type { LimitFunction } from 'p-limit';
import { FileChangedError } from '../hash/file-changed-error.js';
import type { FilePlan, PartPlan } from '../hash/file-plan.js';
import type { CreateFileResponse } from '../koodrive/wire-types.js';
import type { LocalFile } from '../scan/local-file.js';
import type { FileApi, FilePlanner, PartSender } from './backup-api.js';
import { buildCreateFileRequest, type RequestOptions } from './create-request.js';
import type { EventSink, FileOutcome } from './events.js';
import type { Journal, JournalFile, JournalLine } from './journal.js';
import { PartUrls } from './part-urls.js';
import { isSmallPart } from './small-files.js';

/** What one file's backup needs from the run. */
export interface FileJobContext {
  recordId: string;
  api: FileApi;
  journal: Journal;
  emit: EventSink;
  plan: FilePlanner;
  sendPart: PartSender;
  /** Shared bound on part PUTs in flight across all files. */
  partLimit: LimitFunction;
  /** Bound on the PUT of a small file's one part (small-files.ts). */
  smallPartLimit: <T>(fn: () => Promise<T>) => Promise<T>;
  isUrlFresh(url: string): boolean;
  /** Runs one part attempt loop with the run's retry policy (fresh URL on every attempt). */
  retryPart<T>(what: string, attempt: (n: number) => Promise<T>, signal: AbortSignal): Promise<T>;
  /** True when a part PUT failed because its URL expired. */
  isExpiredUrl(err: unknown): boolean;
  /** The server no longer knows the upload (resume after it was purged): create the file again. */
  isUploadGone(err: unknown): boolean;
  /**
   * files/complete refused because parts the server accepted before are not there (a late stale
   * PUT, a journal that ran ahead): their numbers, 'all' when it does not say which, else undefined.
   */
  partsNotUploaded?(err: unknown): number[] | 'all' | undefined;
  /** The create call refused the name because it is taken (autoRename 3). */
  isNameConflict(err: unknown): boolean;
  request: RequestOptions;
  seedId: string;
  checksum: boolean;
  dryRun: boolean;
  signal: AbortSignal;
  /** Adding a file the record lacks (finish-record.ts): create it even when the journal says done. */
  fill?: boolean;
}

/**
 * Backs up one file: plan (or reuse the plan), create, send missing parts, complete. A plan taken
 * from the journal that the file's bytes do not match (a damaged journal line, or an edit in place
 * that kept size, mtime and inode) is made again from the bytes, and the file tried once more.
 */
export async function backupFile(file: LocalFile, ctx: FileJobContext): Promise<FileOutcome> {
  const known = ctx.journal.state.files.get(file.absPath);
  const cached = !ctx.dryRun && !ctx.checksum && isUnchanged(known, file, ctx.seedId) ? known?.plan : undefined;
  try {
    return await backupFileOnce(file, ctx);
  } catch (err) {
    if (!cached || !someCause(err, (e) => e instanceof FileChangedError)) throw err;
    const spent = err instanceof FileJobError ? err.bytesSent : 0;
    const fresh = await ctx.plan(file, ctx.signal);
    // The journal's plan is the file's: the bytes really changed while they were read.
    if (JSON.stringify(fresh) === JSON.stringify(cached)) throw err;
    ctx.emit({ type: 'warn', message: `${file.relPath}: the journal's plan does not match the file's bytes (a damaged journal line, or an edit in place that kept size and mtime); hashed it again and sending it as it is now` });
    try {
      const outcome = await backupFileOnce(file, ctx, fresh);
      return { ...outcome, bytesSent: outcome.bytesSent + spent };
    } catch (again) {
      throw again instanceof FileJobError ? withBytes(again.cause, again.bytesSent + spent) : withBytes(again, spent);
    }
  }
}

async function backupFileOnce(file: LocalFile, ctx: FileJobContext, freshPlan?: FilePlan, recreated = false): Promise<FileOutcome> {
  const base: FileOutcome = { path: file.relPath, absPath: file.absPath, size: file.size, outcome: 'failed', bytesSent: 0 };
  const known = ctx.journal.state.files.get(file.absPath);
  const unchanged = isUnchanged(known, file, ctx.seedId);
  // A dry run after a backup: a file an earlier run sent and that did not change since would send
  // no byte (the server has it), so it is not "would send" but unchanged.
  if (ctx.dryRun && unchanged && known?.outcome && !ctx.checksum) {
    return { ...base, outcome: 'unchanged', serverName: known.serverName, fileId: known.fileId, sha256: known.plan?.sha256 };
  }
  if (unchanged && known?.recordId === ctx.recordId && known.outcome && !ctx.checksum && !ctx.dryRun && !ctx.fill) {
    return { ...base, outcome: 'unchanged', serverName: known.serverName, fileId: known.fileId, sha256: known.plan?.sha256 };
  }

  const plan = freshPlan ?? (unchanged && known?.plan && !ctx.checksum ? known.plan : await ctx.plan(file, ctx.signal));
  // A new plan is journalled before the step that relies on it. For a one-part file with no upload
  // under way it waits for the create's answer and goes with it, in one write (one compact line):
  // a crash before that costs a re-hash of one small part, nothing else.
  let pendingPlan: JournalLine | undefined;
  if (!ctx.dryRun && (known?.plan !== plan)) {
    const line: JournalLine = { t: 'plan', absPath: file.absPath, size: file.size, mtimeMs: file.mtimeMs, ino: file.ino, seedId: ctx.seedId, plan };
    if (plan.parts.length === 1 && !known?.fileId) pendingPlan = line;
    else ctx.journal.append(line);
  }
  /** Journals `line` (if any) after the plan still waiting, in one write. */
  const journal = (line?: JournalLine): void => {
    const lines = [...(pendingPlan ? [pendingPlan] : []), ...(line ? [line] : [])];
    pendingPlan = undefined;
    if (lines.length > 0) ctx.journal.appendAll(lines);
  };
  const request = buildCreateFileRequest(file, plan, ctx.request);
  ctx.emit({ type: 'file:planned', path: file.relPath, size: file.size, parts: plan.parts.length, request: ctx.dryRun ? request : undefined });
  if (ctx.dryRun) return { ...base, outcome: 'planned', serverName: request.fileName, sha256: plan.sha256 };

  const entry = ctx.journal.state.files.get(file.absPath);
  const resumable = entry?.recordId === ctx.recordId && entry.fileId && !entry.outcome && entry.plan?.sha256 === plan.sha256;
  if (resumable && entry?.fileId && !recreated) {
    try {
      return await sendAndComplete(file, plan, entry.fileId, entry.serverName ?? request.fileName, [], new Set(entry.partsDone), ctx, base);
    } catch (err) {
      if (!someCause(err, ctx.isUploadGone)) throw err;
      // The server finished the upload already (its answer was lost), or forgot it: take the
      // finished file, or start this file over.
      const finished = await takeFinished(file, plan, entry.fileId, entry.serverName ?? request.fileName, ctx, base, err);
      if (finished) return finished;
      ctx.emit({ type: 'warn', message: `${file.relPath}: the server no longer knows its half-sent upload; sending the file again` });
    }
  }

  let created: CreateFileResponse;
  try {
    created = await ctx.api.createBackupFile(ctx.recordId, request);
  } catch (err) {
    journal();
    // autoRename 3 may answer the clash as an error rather than with existFileId: same outcome.
    if (!ctx.isNameConflict(err)) throw err;
    return { ...base, serverName: request.fileName, sha256: plan.sha256, outcome: 'conflict', error: `a file named "${request.fileName}" already exists; use --on-conflict rename or skip-identical` };
  }
  const serverName = created.fileName || request.fileName;
  const result = { ...base, serverName, fileId: created.existFileId ?? created.fileId, sha256: plan.sha256, ...(created.containerId ? { containerId: created.containerId } : {}) };
  if (created.rapidUpload || created.exist) {
    const outcome = created.rapidUpload ? 'rapid' : 'exist';
    journal({ t: 'done', absPath: file.absPath, recordId: ctx.recordId, fileId: result.fileId, serverName, outcome });
    return { ...result, outcome };
  }
  if (created.existFileId) {
    journal();
    return { ...result, outcome: 'conflict', error: `a file named "${serverName}" already exists (id ${created.existFileId}); use --on-conflict rename or skip-identical` };
  }
  journal({ t: 'created', absPath: file.absPath, recordId: ctx.recordId, fileId: created.fileId, serverName });
  try {
    return await sendAndComplete(file, plan, created.fileId, serverName, created.multiParts ?? [], new Set(), ctx, result);
  } catch (err) {
    if (recreated || !someCause(err, ctx.isUploadGone)) throw err;
    const finished = await takeFinished(file, plan, created.fileId, serverName, ctx, result, err);
    if (finished) return finished;
    ctx.emit({ type: 'warn', message: `${file.relPath}: the server forgot the upload while it was being sent; sending the file again` });
    return backupFileOnce(file, ctx, plan, true);
  }
}

/**
 * After the server said an upload is gone: completing it again succeeds when the server had
 * finished it (the answer to our complete, or the journal line, was lost); then that file is
 * taken. Undefined when the upload is really gone.
 */
async function takeFinished(file: LocalFile, plan: FilePlan, fileId: string, serverName: string, ctx: FileJobContext, base: FileOutcome, err: unknown): Promise<FileOutcome | undefined> {
  try {
    await ctx.api.completeFile(fileId, plan.sha256);
  } catch {
    return undefined;
  }
  ctx.journal.append({ t: 'done', absPath: file.absPath, recordId: ctx.recordId, fileId, serverName, outcome: 'uploaded' });
  return { ...base, outcome: 'uploaded', fileId, serverName, sha256: plan.sha256, bytesSent: err instanceof FileJobError ? err.bytesSent : 0 };
}

async function sendAndComplete(
  file: LocalFile,
  plan: FilePlan,
  fileId: string,
  serverName: string,
  initialUrls: CreateFileResponse['multiParts'] & object,
  done: Set<number>,
  ctx: FileJobContext,
  base: FileOutcome,
): Promise<FileOutcome> {
  const urls = new PartUrls(plan.parts, (parts) => ctx.api.getUploadUrls(fileId, parts), ctx.isUrlFresh, initialUrls);
  let missing = plan.parts.filter((p) => !done.has(p.partNumber));
  let bytesSent = 0;
  if (missing.length > 0) ctx.emit({ type: 'file:start', path: file.relPath, size: file.size, parts: plan.parts.length });
  const fileAbort = new AbortController();
  // One part has no siblings to stop: skip AbortSignal.any, which costs more than a small file's PUT.
  const signal = plan.parts.length === 1 ? ctx.signal : AbortSignal.any([ctx.signal, fileAbort.signal]);
  if (signal !== ctx.signal) setMaxListeners(0, signal); // every in-flight PUT of the file listens (twice with --bwlimit); the part pool bounds them, not 10
  const sendOne = async (part: PartPlan) => {
    await ctx.retryPart(`PUT part ${part.partNumber} of ${file.relPath}`, async () => {
      signal.throwIfAborted();
      const wanted = missing.filter((p) => !done.has(p.partNumber)).map((p) => p.partNumber);
      const url = await urls.urlFor(part.partNumber, wanted);
      let attemptBytes = 0;
      try {
        await ctx.sendPart({
          url,
          file,
          plan,
          part,
          signal,
          onProgress: (bytes) => {
            attemptBytes += bytes;
            bytesSent += bytes;
            ctx.emit({ type: 'progress', path: file.relPath, bytes });
          },
        });
      } catch (err) {
        if (attemptBytes > 0) ctx.emit({ type: 'progress', path: file.relPath, bytes: -attemptBytes }); // the display rolls back
        if (ctx.isExpiredUrl(err)) urls.invalidate(part.partNumber);
        throw err;
      }
    }, signal);
    done.add(part.partNumber);
    ctx.journal.append({ t: 'part', absPath: file.absPath, fileId, partNumber: part.partNumber });
    ctx.emit({ type: 'part:sent', path: file.relPath, partNumber: part.partNumber, bytes: part.partSize });
  };
  const sendAll = async (parts: readonly PartPlan[]): Promise<void> => {
    const sendOrStop = async (part: PartPlan): Promise<void> => {
      try {
        await sendOne(part);
      } catch (err) {
        fileAbort.abort(err); // one failed part stops its siblings
        throw err;
      }
    };
    // A small file's one part is bounded by the file window; big files' parts share the part limit.
    const small = parts.length === 1 && isSmallPart(parts[0]!.partSize);
    const results = await Promise.allSettled(parts.map((part) => (small ? ctx.smallPartLimit(() => sendOrStop(part)) : ctx.partLimit(() => sendOrStop(part)))));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw withBytes(failure.reason, bytesSent);
  };
  await sendAll(missing);
  // The server may lack parts it once accepted (a stale PUT that arrived late, a journal that ran
  // ahead of a crash): complete names them; send those again, with fresh URLs, and complete again.
  for (let resent = false; ; resent = true) {
    try {
      await ctx.api.completeFile(fileId, plan.sha256);
      break;
    } catch (err) {
      const lost = resent ? undefined : ctx.partsNotUploaded?.(err);
      const again = lost === 'all' ? plan.parts : plan.parts.filter((p) => lost?.includes(p.partNumber));
      if (!lost || again.length === 0) throw withBytes(err, bytesSent);
      ctx.emit({ type: 'warn', message: `${file.relPath}: the server lacks part(s) ${again.map((p) => p.partNumber).join(', ')} of its upload; sending them again` });
      if (missing.length === 0) ctx.emit({ type: 'file:start', path: file.relPath, size: file.size, parts: plan.parts.length });
      missing = again;
      for (const p of again) {
        done.delete(p.partNumber);
        urls.invalidate(p.partNumber);
      }
      await sendAll(again);
    }
  }
  ctx.journal.append({ t: 'done', absPath: file.absPath, recordId: ctx.recordId, fileId, serverName, outcome: 'uploaded' });
  return { ...base, outcome: 'uploaded', fileId, serverName, sha256: plan.sha256, bytesSent };
}

function isUnchanged(known: JournalFile | undefined, file: LocalFile, seedId: string): boolean {
  return !!known && known.size === file.size && known.mtimeMs === file.mtimeMs && known.ino === file.ino && known.seedId === seedId && !!known.plan;
}

/** Carries the bytes a failed file did send, for the summary. */
export class FileJobError extends Error {
  constructor(override readonly cause: unknown, readonly bytesSent: number) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'FileJobError';
  }
}

function withBytes(err: unknown, bytesSent: number): FileJobError {
  return new FileJobError(err, bytesSent);
}

/** True when `err` or any error it wraps (FileJobError, `cause`, AggregateError) passes `test`. */
export function someCause(err: unknown, test: (e: unknown) => boolean): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 32) {
    const e = queue.shift();
    if (e === undefined || e === null || seen.has(e)) continue;
    seen.add(e);
    if (test(e)) return true;
    if (e instanceof AggregateError) queue.push(...e.errors);
    if (e instanceof Error && 'cause' in e) queue.push(e.cause);
  }
  return false;
}
