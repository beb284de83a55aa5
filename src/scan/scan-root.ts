import type { Stats } from 'node:fs';
import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode, ScanRootError } from './scan-errors.js';

/** A path named on the command line, checked and ready to walk. */
export interface ScanRoot {
  /** As the user gave it (LocalFile.root, and the start of notice paths). */
  given: string;
  absPath: string;
  kind: 'file' | 'folder';
  stat: Stats;
}

/**
 * Checks one root. A root that is a symbolic link is followed even without --follow-symlinks:
 * the user named it. Throws ScanRootError with a one-line message and the fix.
 */
export async function resolveRoot(given: string, cwd: string): Promise<ScanRoot> {
  const absPath = path.resolve(cwd, given);
  let st: Stats;
  try {
    st = await stat(absPath);
  } catch (err) {
    throw new ScanRootError(given, rootProblem(given, errnoCode(err), err));
  }
  if (!st.isFile() && !st.isDirectory()) {
    throw new ScanRootError(
      given,
      `path ${given} is not a file or folder (it is ${specialKindName(st)}); name a file or folder to back up`,
    );
  }
  try {
    await access(absPath, st.isDirectory() ? constants.R_OK | constants.X_OK : constants.R_OK);
  } catch (err) {
    throw new ScanRootError(given, rootProblem(given, errnoCode(err), err));
  }
  return { given, absPath, kind: st.isDirectory() ? 'folder' : 'file', stat: st };
}

function rootProblem(given: string, code: string | undefined, err: unknown): string {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `path ${given} does not exist; check the spelling`;
    case 'EACCES':
    case 'EPERM':
      return `path ${given} cannot be read (permission denied); run as a user who may read it, or fix its permissions`;
    case 'ELOOP':
      return `path ${given} is a symbolic link loop; point it at a real file or folder`;
    default:
      return `path ${given} cannot be read (${code ?? (err as Error).message}); check that it is reachable`;
  }
}

/** "a FIFO", "a socket", … for messages about entries that are neither files nor folders. */
export function specialKindName(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isCharacterDevice()) return 'a character device';
  return 'not a regular file';
}
