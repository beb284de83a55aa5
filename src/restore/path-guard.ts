/**
 * The path guard: every path a server (or a manifest it served) names is checked before it touches
 * the disk. Pure: string rules only; restore-file.ts adds the check against symbolic links on disk.
 */
import path from 'node:path';

/** A server path that would leave the destination, or cannot be a path at all. */
export class UnsafePathError extends Error {
  override readonly name = 'UnsafePathError';
  constructor(
    readonly serverPath: string,
    why: string,
  ) {
    super(`refused the server path ${JSON.stringify(serverPath)}: ${why}; nothing was written for it`);
  }
}

/**
 * The relative POSIX path a `description` names, normalised (empty and "." segments dropped).
 * Refuses absolute paths, ".." segments, NUL and the empty path.
 */
export function safeRelativePath(serverPath: string): string {
  if (serverPath.includes('\0')) throw new UnsafePathError(serverPath, 'it holds a NUL character');
  if (serverPath.startsWith('/')) throw new UnsafePathError(serverPath, 'it is absolute');
  const segments = serverPath.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new UnsafePathError(serverPath, 'it has a ".." segment');
  if (segments.length === 0) throw new UnsafePathError(serverPath, 'it names no file');
  return segments.join('/');
}

/** The absolute destination of a checked relative path; throws when it would resolve outside `destRoot`. */
export function destinationOf(destRoot: string, relPath: string): string {
  const root = path.resolve(destRoot);
  const target = path.resolve(root, ...relPath.split('/'));
  if (!isWithin(root, target) || target === root) throw new UnsafePathError(relPath, `it resolves outside ${root}`);
  return target;
}

/** True when `target` is `root` or below it (both absolute and resolved). */
export function isWithin(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}
