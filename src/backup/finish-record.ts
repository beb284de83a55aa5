/**
 * Turning a record into a full snapshot before completing it (reference Part 1, "Records are
 * snapshots"): every stored file of the run must be in the record's listing — an `exist` answer
 * may point at a file of another record — so missing ones are added again (autoRename 2: a rapid
 * upload, no bytes), the manifest goes in last, and only then is the record completed.
 */
import { stat } from 'node:fs/promises';
import type { BackupFileEntry } from '../koodrive/wire-types.js';
import { MANIFEST_DESCRIPTION } from '../names/file-name.js';
import type { LocalFile } from '../scan/local-file.js';
import type { ManifestWriter } from '../manifest/manifest-writer.js';
import type { EventSink, FileOutcome } from './events.js';
import type { StoredFile, StoredFiles } from './stored-files.js';
import { backupFile, type FileJobContext } from './file-job.js';
import { isStored } from './file-outcome.js';

/** The calls finishing needs beyond the file calls. */
export interface RecordFinishApi {
  listBackupFiles(recordId: string): AsyncIterable<BackupFileEntry>;
  completeRecord(recordId: string, properties?: string): Promise<void>;
}

/** The record could not be made complete: it is left open for the next run. */
export class RecordIncompleteError extends Error {
  override readonly name = 'RecordIncompleteError';
}

export interface FinishOptions {
  /** Each root and the prefix its files stand under (scan/root-prefixes.ts). */
  roots: Array<{ path: string; prefix: string }>;
  /** The run's record properties (a JSON string); completing adds containerId and the manifest's path. */
  recordProperties: string;
  manifest?: ManifestWriter;
  /** Runs the run's bounded file pass over some files with another context, outcome by outcome. */
  pass(
    files: Iterable<LocalFile> | AsyncIterable<LocalFile>,
    ctx: FileJobContext,
    onOutcome: (o: FileOutcome) => void,
  ): Promise<void>;
  /** A space id a file's create answer named, if any. */
  containerId?: string;
}

/**
 * The stored files again as LocalFiles, from disk (stat): what a pass adding them to a record
 * needs. A file gone or changed since is one that cannot be added: `onGone` is told.
 */
export async function* localFilesOf(
  stored: Iterable<StoredFile>,
  onGone: (f: StoredFile, why: string) => void,
): AsyncGenerator<LocalFile> {
  for (const f of stored) {
    try {
      const st = await stat(f.absPath);
      yield {
        absPath: f.absPath,
        relPath: f.relPath,
        root: f.absPath,
        size: st.size,
        mtimeMs: st.mtimeMs,
        mode: st.mode & 0o7777,
        dev: st.dev,
        ino: st.ino,
      };
    } catch (err) {
      onGone(f, err instanceof Error ? err.message : String(err));
    }
  }
}

/**
 * Adds what the record lacks (of the run's stored files), uploads the manifest and completes the
 * record. Throws RecordIncompleteError when a file cannot be added.
 */
export async function finishRecord(
  api: RecordFinishApi,
  stored: StoredFiles,
  ctx: FileJobContext,
  opts: FinishOptions,
): Promise<void> {
  // The extra creates are bookkeeping: only their retries and warnings are worth showing.
  const quiet: EventSink = (e) => (e.type === 'retry' || e.type === 'warn' ? ctx.emit(e) : undefined);
  const missing = await stored.missingFrom(api.listBackupFiles(ctx.recordId));
  let containerId = opts.containerId;
  if (missing.length > 0) {
    const fill: FileJobContext = { ...ctx, emit: quiet, fill: true, request: { ...ctx.request, onConflict: 'rename' } };
    const failed: Array<{ path: string; why: string }> = [];
    await opts.pass(
      localFilesOf(missing, (f, why) => failed.push({ path: f.relPath, why })),
      fill,
      (o) => {
        if (!isStored(o)) failed.push({ path: o.path, why: o.error ?? o.outcome });
        containerId ??= o.containerId;
      },
    );
    if (failed.length > 0) {
      throw new RecordIncompleteError(
        `${failed.length} file(s) could not be added to record ${ctx.recordId} (e.g. ${failed[0]!.path}: ` +
          `${failed[0]!.why}); run the same command again`,
      );
    }
  }
  const manifestOutcome = opts.manifest ? await storeManifest(opts.manifest, ctx, quiet, opts.roots) : undefined;
  containerId = ctx.request.containerId ?? manifestOutcome?.containerId ?? containerId;
  const properties = {
    ...parseProperties(opts.recordProperties),
    ...(containerId ? { containerId } : {}),
    ...(manifestOutcome ? { manifest: MANIFEST_DESCRIPTION } : {}),
  };
  await api.completeRecord(ctx.recordId, JSON.stringify(properties));
  ctx.journal.append({ t: 'record-complete', recordId: ctx.recordId });
}

/** Writes the manifest for this record and backs it up as the record's last file. */
async function storeManifest(
  manifest: ManifestWriter,
  ctx: FileJobContext,
  emit: EventSink,
  roots: FinishOptions['roots'],
): Promise<FileOutcome> {
  const path = await manifest.writeFor({ roots });
  const st = await stat(path);
  const file: LocalFile = {
    absPath: path,
    relPath: MANIFEST_DESCRIPTION,
    root: path,
    size: st.size,
    mtimeMs: st.mtimeMs,
    dev: st.dev,
    ino: st.ino,
  };
  // autoRename 2: an unchanged tree's manifest is known content (a rapid upload), and must be a
  // file of this record even where names clash across records (an `exist` would point elsewhere).
  const outcome = await backupFile(file, { ...ctx, emit, request: { ...ctx.request, onConflict: 'rename' } });
  if (!isStored(outcome))
    throw new RecordIncompleteError(
      `the manifest of record ` +
        `${ctx.recordId} could not be stored (${outcome.error ?? outcome.outcome}); run the same command again`,
    );
  return outcome;
}

function parseProperties(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
