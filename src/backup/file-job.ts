/**
 * One file's backup: plan (or reuse the journal's plan), create, send what is missing (part-loop.ts),
 * complete. Retries within a call are the retry loop's; what this job decides is what to do when the
 * server forgot an upload, lacks parts, or refuses the name.
 */
import type { LimitFunction } from 'p-limit';
import { FileChangedError } from '../hash/file-changed-error.js';
import type { FilePlan } from '../hash/file-plan.js';
import { isNameTaken, isUploadTaskGone, partsNotUploaded } from '../koodrive/koodrive-error.js';
import type { CreateFileResponse, WirePartWithUrl } from '../koodrive/wire-types.js';
import type { RetryPolicy } from '../retry/retry-policy.js';
import { sameVersion, type LocalFile } from '../scan/local-file.js';
import { isNoSuchUpload } from '../transfer/part-upload-error.js';
import type { FileApi, FilePlanner, PartSender } from './backup-api.js';
import { buildCreateFileRequest, type RequestOptions } from './create-request.js';
import type { EventSink, FileOutcome } from './events.js';
import { bytesSentBy, FileJobError, someCause } from './file-job-error.js';
import { outcomeOf } from './file-outcome.js';
import type { Journal, JournalFile, JournalLine } from './journal.js';
import { PartLoop, type UploadTarget } from './part-loop.js';

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
  /** The retry policy of each part PUT (a fresh URL on every attempt). */
  retry: RetryPolicy;
  request: RequestOptions;
  seedId: string;
  checksum: boolean;
  dryRun: boolean;
  signal: AbortSignal;
  /** Adding a file the record lacks (finish-record.ts): create it even when the journal says done. */
  fill?: boolean;
}

/**
 * The server no longer has the upload: 13000401 from the API (uploadUrl, complete), or the
 * storage's 404 NoSuchUpload for a PUT (purged, or completed already).
 */
export function isUploadGone(err: unknown): boolean {
  return isUploadTaskGone(err) || isNoSuchUpload(err);
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
    const spent = bytesSentBy(err);
    const fresh = await ctx.plan(file, ctx.signal);
    // The journal's plan is the file's: the bytes really changed while they were read.
    if (JSON.stringify(fresh) === JSON.stringify(cached)) throw err;
    ctx.emit({ type: 'warning', warning: { type: 'plan:stale', path: file.relPath } });
    try {
      const outcome = await backupFileOnce(file, ctx, fresh);
      return { ...outcome, bytesSent: outcome.bytesSent + spent };
    } catch (again) {
      const cause = again instanceof FileJobError ? again.cause : again;
      throw new FileJobError(cause, bytesSentBy(again) + spent);
    }
  }
}

async function backupFileOnce(
  file: LocalFile,
  ctx: FileJobContext,
  freshPlan?: FilePlan,
  recreated = false,
): Promise<FileOutcome> {
  const known = ctx.journal.state.files.get(file.absPath);
  const unchanged = isUnchanged(known, file, ctx.seedId);
  // A dry run after a backup: a file an earlier run sent and that did not change since would send
  // no byte (the server has it), so it is not "would send" but unchanged. A real run skips a file
  // this record already holds, unless it fills the record.
  const sameRecord = known?.recordId === ctx.recordId && !ctx.dryRun && !ctx.fill;
  if (unchanged && known?.outcome && !ctx.checksum && (ctx.dryRun || sameRecord)) {
    return outcomeOf(file, 'unchanged', {
      serverName: known.serverName,
      fileId: known.fileId,
      sha256: known.plan?.sha256,
    });
  }

  const plan = freshPlan ?? (unchanged && known?.plan && !ctx.checksum ? known.plan : await ctx.plan(file, ctx.signal));
  // A new plan is journalled before the step that relies on it. For a one-part file with no upload
  // under way it waits for the create's answer and goes with it, in one write (one compact line):
  // a crash before that costs a re-hash of one small part, nothing else.
  let pendingPlan: JournalLine | undefined;
  if (!ctx.dryRun && known?.plan !== plan) {
    const line: JournalLine = {
      t: 'plan',
      absPath: file.absPath,
      size: file.size,
      mtimeMs: file.mtimeMs,
      ino: file.ino,
      seedId: ctx.seedId,
      plan,
    };
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
  ctx.emit({
    type: 'file:planned',
    path: file.relPath,
    size: file.size,
    parts: plan.parts.length,
    request: ctx.dryRun ? request : undefined,
  });
  if (ctx.dryRun) return outcomeOf(file, 'planned', { serverName: request.fileName, sha256: plan.sha256 });

  // Read again after the plan line: the entry now carries this plan, and a half-sent upload of it.
  const entry = ctx.journal.state.files.get(file.absPath);
  const resumable =
    entry?.recordId === ctx.recordId && entry.fileId && !entry.outcome && entry.plan?.sha256 === plan.sha256;
  if (resumable && entry?.fileId && !recreated) {
    const upload = { file, plan, fileId: entry.fileId, serverName: entry.serverName ?? request.fileName };
    try {
      return await sendAndComplete(upload, ctx, new Set(entry.partsDone));
    } catch (err) {
      if (!someCause(err, isUploadGone)) throw err;
      // The server finished the upload already (its answer was lost), or forgot it: take the
      // finished file, or start this file over.
      const finished = await takeFinished(upload, ctx, err);
      if (finished) return finished;
      ctx.emit({ type: 'warning', warning: { type: 'upload:forgotten', path: file.relPath, during: 'resume' } });
    }
  }

  let created: CreateFileResponse;
  try {
    created = await ctx.api.createBackupFile(ctx.recordId, request);
  } catch (err) {
    journal();
    // autoRename 3 may answer the clash as an error rather than with existFileId: same outcome.
    if (!isNameTaken(err)) throw err;
    const error = `a file named "${request.fileName}" already exists; use --on-conflict rename or skip-identical`;
    return outcomeOf(file, 'conflict', { serverName: request.fileName, sha256: plan.sha256, error });
  }
  const serverName = created.fileName || request.fileName;
  const fileId = created.existFileId ?? created.fileId;
  const createdAs = {
    serverName,
    fileId,
    sha256: plan.sha256,
    ...(created.containerId ? { containerId: created.containerId } : {}),
  };
  if (created.rapidUpload || created.exist) {
    const outcome = created.rapidUpload ? 'rapid' : 'exist';
    journal({ t: 'done', absPath: file.absPath, recordId: ctx.recordId, fileId, serverName, outcome });
    return outcomeOf(file, outcome, createdAs);
  }
  if (created.existFileId) {
    journal();
    const error =
      `a file named "${serverName}" already exists (id ${created.existFileId}); ` +
      'use --on-conflict rename or skip-identical';
    return outcomeOf(file, 'conflict', { ...createdAs, error });
  }
  journal({ t: 'created', absPath: file.absPath, recordId: ctx.recordId, fileId: created.fileId, serverName });
  const upload = { file, plan, fileId: created.fileId, serverName };
  try {
    return { ...(await sendAndComplete(upload, ctx, new Set(), created.multiParts ?? [])), ...containerOf(created) };
  } catch (err) {
    if (recreated || !someCause(err, isUploadGone)) throw err;
    const finished = await takeFinished(upload, ctx, err);
    if (finished) return { ...finished, ...containerOf(created) };
    ctx.emit({ type: 'warning', warning: { type: 'upload:forgotten', path: file.relPath, during: 'send' } });
    return backupFileOnce(file, ctx, plan, true);
  }
}

function containerOf(created: CreateFileResponse): { containerId?: string } {
  return created.containerId ? { containerId: created.containerId } : {};
}

/** An upload under way: the file, its id, and the name the server gave it. */
interface Upload extends UploadTarget {
  serverName: string;
}

/** Sends the parts the server lacks, then finishes the file. */
async function sendAndComplete(
  upload: Upload,
  ctx: FileJobContext,
  done: Set<number>,
  urls: readonly WirePartWithUrl[] = [],
): Promise<FileOutcome> {
  const loop = new PartLoop(upload, ctx, done, urls);
  const missing = loop.missing();
  if (missing.length > 0)
    ctx.emit({
      type: 'file:start',
      path: upload.file.relPath,
      size: upload.file.size,
      parts: upload.plan.parts.length,
    });
  await loop.send(missing);
  await completeUpload(upload, ctx, loop, missing.length > 0);
  return uploaded(upload, ctx, loop.bytesSent);
}

/**
 * files/complete. The server may lack parts it once accepted (a stale PUT that arrived late, a
 * journal that ran ahead of a crash): complete names them; those are sent again, with fresh URLs,
 * and the file completed again, once.
 */
async function completeUpload(upload: Upload, ctx: FileJobContext, loop: PartLoop, started: boolean): Promise<void> {
  const { file, plan, fileId } = upload;
  for (let resent = false; ; resent = true) {
    try {
      await ctx.api.completeFile(fileId, plan.sha256);
      return;
    } catch (err) {
      const lost = resent ? undefined : partsNotUploaded(err);
      const again = lost === 'all' ? plan.parts : plan.parts.filter((p) => lost?.includes(p.partNumber));
      if (!lost || again.length === 0) throw new FileJobError(err, loop.bytesSent);
      ctx.emit({
        type: 'warning',
        warning: { type: 'parts:lost', path: file.relPath, parts: again.map((p) => p.partNumber) },
      });
      if (!started) ctx.emit({ type: 'file:start', path: file.relPath, size: file.size, parts: plan.parts.length });
      started = true;
      loop.forget(again);
      await loop.send(again);
    }
  }
}

/**
 * After the server said an upload is gone: completing it again succeeds when the server had
 * finished it (the answer to our complete, or the journal line, was lost); then that file is
 * taken. Undefined when the upload is really gone.
 */
async function takeFinished(upload: Upload, ctx: FileJobContext, err: unknown): Promise<FileOutcome | undefined> {
  try {
    await ctx.api.completeFile(upload.fileId, upload.plan.sha256);
  } catch {
    return undefined;
  }
  return uploaded(upload, ctx, bytesSentBy(err));
}

/** Journals the finished upload and gives its outcome. */
function uploaded(upload: Upload, ctx: FileJobContext, bytesSent: number): FileOutcome {
  const { file, fileId, serverName } = upload;
  ctx.journal.append({
    t: 'done',
    absPath: file.absPath,
    recordId: ctx.recordId,
    fileId,
    serverName,
    outcome: 'uploaded',
  });
  return outcomeOf(file, 'uploaded', { fileId, serverName, sha256: upload.plan.sha256, bytesSent });
}

/** The journal knows this version of the file, planned with this proofCode seed. */
function isUnchanged(known: JournalFile | undefined, file: LocalFile, seedId: string): boolean {
  return !!known && sameVersion(known, file) && known.seedId === seedId && !!known.plan;
}
