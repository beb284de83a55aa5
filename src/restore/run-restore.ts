/**
 * One restore: the record's listing and manifest → a plan → folders, files (concurrently, each
 * checked before it is moved into place), links, then folder modes and mtimes. Emits events;
 * never prints. A file's failure never stops the others.
 */
import { UserInputError } from '../util/user-input-error.js';
import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readlink, realpath, rm, symlink, unlink, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pLimit from 'p-limit';
import type { BackupFileEntry, BackupRecord } from '../koodrive/wire-types.js';
import { MANIFEST_DESCRIPTION } from '../names/file-name.js';
import { ManifestError, parseEntry, parseHeader, type ManifestEntry } from '../manifest/manifest-format.js';
import { checkDownloaded, type DownloadState } from './download.js';
import { fetchFile } from './fetch-file.js';
import type { RestoreEvent, RestoreTotals } from './events.js';
import { destinationOf, UnsafePathError } from './path-guard.js';
import { restoreFile, safeFolder, safeParent, type RestoreFileContext } from './restore-file.js';
import { planRestore, type RestoreFilter, type RestorePlan } from './restore-plan.js';
import { DownloadUrls, type DownloadUrlApi } from './url-cache.js';

export interface RestoreApi extends DownloadUrlApi {
  getRecord(recordId: string): Promise<BackupRecord>;
  listBackupFiles(recordId: string): AsyncIterable<BackupFileEntry>;
}

export interface RestoreOptions {
  recordId: string;
  dest: string;
  filter: RestoreFilter;
  overwrite: boolean;
  concurrency: number;
  /** The space to download from; else the one the record's properties name. */
  containerId?: string;
  timeoutMs: number;
}

export interface RestoreDeps {
  api: RestoreApi;
  emit(event: RestoreEvent): void;
  signal: AbortSignal;
  /** The run's retry loop for one download (classifies, waits, reports). */
  retry<T>(what: string, attempt: () => Promise<T>): Promise<T>;
  isExpired(err: unknown): boolean;
  describeError(err: unknown): string;
}

/** The restore cannot start: the message says what is missing and how to give it. */
export class RestoreSetupError extends UserInputError {
  override readonly name = 'RestoreSetupError';
}

export interface RestoreResult {
  totals: RestoreTotals;
  /** Why it stopped early (interrupt), if it did. */
  stopped?: unknown;
}

export async function runRestore(opts: RestoreOptions, deps: RestoreDeps): Promise<RestoreResult> {
  const started = Date.now();
  const record = await deps.api.getRecord(opts.recordId);
  if (record.status !== 1)
    deps.emit({
      type: 'warn',
      message: `record ${opts.recordId} was never completed: it may hold only part of its run`,
    });
  const listing: BackupFileEntry[] = [];
  for await (const entry of deps.api.listBackupFiles(opts.recordId)) listing.push(entry);
  const containerId = opts.containerId ?? recordContainerId(record);
  if (!containerId) {
    throw new RestoreSetupError(
      `record ${opts.recordId} does not say which space holds its files; pass --container-id (or set ` +
        `containerId in .koodriverc)`,
    );
  }
  const isManifest = (e: BackupFileEntry) => e.description === MANIFEST_DESCRIPTION;
  const manifestEntry = listing.filter(isManifest).pop();
  const manifest = manifestEntry ? await loadManifest(manifestEntry, containerId, opts, deps) : undefined;
  const plan = planRestore(
    listing.filter((e) => !isManifest(e)),
    manifest,
    opts.filter,
  );

  const totals: RestoreTotals = {
    files: plan.files.length,
    restored: 0,
    unchanged: 0,
    failed: 0,
    refused: plan.refused.length,
    folders: 0,
    links: 0,
    bytesTotal: plan.files.reduce((n, f) => n + f.size, 0),
    bytesDownloaded: 0,
    durationMs: 0,
  };
  const dest = path.resolve(opts.dest);
  deps.emit({
    type: 'restore:start',
    recordId: opts.recordId,
    dest,
    files: plan.files.length,
    bytes: totals.bytesTotal,
    manifest: manifest !== undefined,
  });
  for (const refused of plan.refused) {
    totals.failed += 1;
    deps.emit({ type: 'file:done', path: refused.serverPath, outcome: 'failed', size: 0, error: refused.reason });
  }
  await mkdir(dest, { recursive: true });
  const realDest = await realpath(dest);
  const fail = (p: string, size: number, err: unknown) => {
    totals.failed += 1;
    deps.emit({ type: 'file:done', path: p, outcome: 'failed', size, error: deps.describeError(err) });
  };

  for (const folder of plan.folders) {
    try {
      await safeFolder({ realDest }, destinationOf(dest, folder.path), folder.path);
      totals.folders += 1;
    } catch (err) {
      fail(`${folder.path}/`, 0, err);
    }
  }

  const urls = new DownloadUrls(
    deps.api,
    containerId,
    plan.files.map((f) => f.fileId),
  );
  const ctx: RestoreFileContext = {
    dest,
    realDest,
    overwrite: opts.overwrite,
    defaultMode: 0o666 & ~process.umask(),
    signal: deps.signal,
    timeoutMs: opts.timeoutMs,
    urlFor: (id, fresh) => urls.urlFor(id, fresh),
    retry: deps.retry,
    isExpired: deps.isExpired,
    onProgress: (bytes) => deps.emit({ type: 'progress', bytes }),
  };
  const limit = pLimit(Math.max(1, opts.concurrency));
  await Promise.all(
    plan.files.map((file) =>
      limit(async () => {
        if (deps.signal.aborted) return;
        try {
          const { outcome, bytes } = await restoreFile(file, ctx);
          totals[outcome] += 1;
          totals.bytesDownloaded += bytes;
          deps.emit({ type: 'file:done', path: file.path, outcome, size: file.size });
        } catch (err) {
          if (deps.signal.aborted) return;
          fail(file.path, file.size, err);
        }
      }),
    ),
  );
  if (!deps.signal.aborted) {
    await restoreLinks(plan, dest, realDest, opts.overwrite, totals, fail);
    await applyFolderMetadata(plan, dest, fail);
  }
  totals.durationMs = Date.now() - started;
  return { totals, ...(deps.signal.aborted ? { stopped: deps.signal.reason } : {}) };
}

/** The containerId the record's properties name (written by upload when it completed the record). */
export function recordContainerId(record: BackupRecord): string | undefined {
  try {
    const value = JSON.parse(record.properties ?? '') as { containerId?: unknown };
    return typeof value.containerId === 'string' && /^[\w.@:-]{1,256}$/.test(value.containerId)
      ? value.containerId
      : undefined;
  } catch {
    return undefined;
  }
}

/** Downloads and parses the manifest (a temp file: it can be large); a bad one is a warning, not a failure. */
async function loadManifest(
  entry: BackupFileEntry,
  containerId: string,
  opts: RestoreOptions,
  deps: RestoreDeps,
): Promise<ManifestEntry[] | undefined> {
  const dir = await mkdtemp(path.join(tmpdir(), 'koodrive-manifest-'));
  const file = path.join(dir, 'manifest.ndjson');
  try {
    const urls = new DownloadUrls(deps.api, containerId, [entry.fileId]);
    const out = await open(file, 'wx', 0o600);
    let state: DownloadState;
    try {
      const fetchDeps = {
        urlFor: (id: string, fresh: boolean) => urls.urlFor(id, fresh),
        retry: deps.retry,
        isExpired: deps.isExpired,
      };
      ({ state } = await fetchFile(entry, 'download the manifest', out, fetchDeps, {
        signal: deps.signal,
        timeoutMs: opts.timeoutMs,
      }));
    } finally {
      await out.close();
    }
    checkDownloaded(state, { size: entry.size, sha256: entry.sha256.toLowerCase(), path: 'the manifest' });
    const entries: ManifestEntry[] = [];
    let lineNo = 0;
    for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
      lineNo += 1;
      if (lineNo === 1) parseHeader(line);
      else if (line !== '') entries.push(parseEntry(line, lineNo));
    }
    if (lineNo === 0) throw new ManifestError('the manifest is empty');
    return entries;
  } catch (err) {
    if (deps.signal.aborted) throw err;
    const why = err instanceof ManifestError ? err.message : deps.describeError(err);
    deps.emit({
      type: 'warn',
      message:
        `the record's manifest cannot be used ` +
        `(${why}); restoring the files without modes, mtimes, empty folders or links`,
    });
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Symbolic links, after the files (so that no file is ever written through one). */
async function restoreLinks(
  plan: RestorePlan,
  dest: string,
  realDest: string,
  overwrite: boolean,
  totals: RestoreTotals,
  fail: (p: string, size: number, err: unknown) => void,
): Promise<void> {
  for (const link of plan.links) {
    try {
      const target = await safeParent({ dest, realDest }, link.path);
      const existing = await lstat(target).catch(() => undefined);
      if (existing?.isSymbolicLink() && (await readlink(target)) === link.target) {
        totals.links += 1;
        continue;
      }
      if (existing && !overwrite)
        throw new UnsafePathError(
          link.path,
          'something else is already there; pass --overwrite to replace it with the link',
        );
      if (existing?.isDirectory()) throw new UnsafePathError(link.path, 'a folder is there');
      if (existing) await unlink(target);
      await symlink(link.target, target);
      totals.links += 1;
    } catch (err) {
      fail(link.path, 0, err);
    }
  }
}

/** Folder modes and mtimes last, deepest first: writing into a folder changes its mtime. */
async function applyFolderMetadata(
  plan: RestorePlan,
  dest: string,
  fail: (p: string, size: number, err: unknown) => void,
): Promise<void> {
  const deepestFirst = [...plan.folders].sort((a, b) => b.path.split('/').length - a.path.split('/').length);
  for (const folder of deepestFirst) {
    try {
      const target = destinationOf(dest, folder.path);
      const st = await lstat(target);
      if (!st.isDirectory()) continue; // refused or replaced earlier; already reported
      await chmod(target, folder.mode);
      const at = folder.mtimeMs / 1000;
      await utimes(target, at, at);
    } catch (err) {
      fail(`${folder.path}/`, 0, err);
    }
  }
}
