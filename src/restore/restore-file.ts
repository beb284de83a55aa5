/**
 * Restores one file: the guard against links on the way, the "already there" check, the download
 * to a temporary name beside the target, the SHA-256 check, mode and mtime, then one rename.
 */
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, realpath, rename, rm, utimes } from 'node:fs/promises';
import path from 'node:path';
import { sha256OfFile } from '../verify/file-sha256.js';
import { checkDownloaded } from './download.js';
import { fetchFile, type FetchDeps } from './fetch-file.js';
import { destinationOf, isWithin, UnsafePathError } from './path-guard.js';
import type { RestoreFile } from './restore-plan.js';

export interface RestoreFileContext extends FetchDeps {
  /** The destination as given (resolved) and as the filesystem resolves it (links followed). */
  dest: string;
  realDest: string;
  overwrite: boolean;
  /** The default mode for files the manifest says nothing of (0o666 less the umask). */
  defaultMode: number;
  signal: AbortSignal;
  timeoutMs: number;
  onProgress(bytes: number): void;
}

/** A restore target that exists and differs, without --overwrite. */
export class TargetExistsError extends Error {
  override readonly name = 'TargetExistsError';
}

/** Makes the parent folder and proves that it (links followed) is inside the destination; returns the target path. */
export async function safeParent(ctx: Pick<RestoreFileContext, 'dest' | 'realDest'>, relPath: string): Promise<string> {
  const target = destinationOf(ctx.dest, relPath);
  await safeFolder(ctx, path.dirname(target), relPath);
  return target;
}

/**
 * Makes a folder (absolute, inside dest) without ever creating anything through a symbolic link
 * that leads outside: the deepest folder that exists is checked first, the made one after.
 */
export async function safeFolder(
  ctx: Pick<RestoreFileContext, 'realDest'>,
  folder: string,
  relPath: string,
): Promise<void> {
  const outside = () => new UnsafePathError(relPath, 'a symbolic link on its way leads outside the destination');
  let existing = folder;
  for (;;) {
    const real = await realpath(existing).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (real !== undefined) {
      if (!isWithin(ctx.realDest, real)) throw outside();
      break;
    }
    const up = path.dirname(existing);
    if (up === existing) break;
    existing = up;
  }
  await mkdir(folder, { recursive: true });
  if (!isWithin(ctx.realDest, await realpath(folder))) throw outside();
}

/** Restores the file; resolves 'unchanged' when an identical file is already in place. */
export async function restoreFile(
  file: RestoreFile,
  ctx: RestoreFileContext,
): Promise<{ outcome: 'restored' | 'unchanged'; bytes: number }> {
  const target = await safeParent(ctx, file.path);
  const existing = await lstat(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing && (await isSame(existing, target, file))) {
    await applyMetadata(target, file, ctx.defaultMode, existing);
    return { outcome: 'unchanged', bytes: 0 };
  }
  if (existing?.isDirectory())
    throw new TargetExistsError(`${file.path} is a folder in the destination; move it away to restore the file`);
  if (existing && !ctx.overwrite)
    throw new TargetExistsError(
      `${file.path} exists in the destination with other content; pass --overwrite to replace it`,
    );

  // One fixed temporary name per file: a restore killed mid-file leaves one, which the next run reuses.
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.koodrive-restore`);
  await rm(tmp, { force: true }); // a link planted there must not be followed by open()
  const out = await open(tmp, 'wx', 0o600);
  try {
    const { state, bytes } = await fetchFile(file, `download ${file.path}`, out, ctx, {
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      onProgress: ctx.onProgress,
    });
    checkDownloaded(state, file);
    await out.close();
    await applyMetadata(tmp, file, ctx.defaultMode);
    await rename(tmp, target);
    return { outcome: 'restored', bytes };
  } catch (err) {
    await out.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

async function isSame(st: Stats, target: string, file: RestoreFile): Promise<boolean> {
  if (!st.isFile() || st.size !== file.size) return false;
  return (await sha256OfFile(target)) === file.sha256;
}

/** Mode and mtime as the manifest recorded them (the default mode when it has none). */
async function applyMetadata(target: string, file: RestoreFile, defaultMode: number, current?: Stats): Promise<void> {
  // A file already in place keeps its mode unless the manifest names one.
  const mode = file.mode ?? (current ? undefined : defaultMode);
  if (mode !== undefined && (!current || (current.mode & 0o7777) !== mode)) await chmod(target, mode);
  if (file.mtimeMs !== undefined && (!current || current.mtimeMs !== file.mtimeMs)) {
    const at = file.mtimeMs / 1000; // seconds as a number keep the sub-millisecond part a Date would drop
    await utimes(target, at, at);
  }
}
