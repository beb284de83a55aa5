/**
 * Where each backed-up root's files stand in the record. One root: at the top (no prefix). Several:
 * under their path relative to the roots' nearest common folder, so /x/data and /y/data become
 * x/data/… and y/data/… and never land on the same path (restic keeps whole paths for the same reason).
 */
import path from 'node:path';
import { ScanRootError } from './scan-errors.js';

/** The roots with duplicates dropped (first one kept); refuses a root inside another. */
export function distinctRoots(absRoots: readonly string[]): string[] {
  const out: string[] = [];
  for (const root of absRoots.map((r) => path.resolve(r))) {
    if (out.includes(root)) continue;
    const outer = out.find((other) => isInside(root, other) || isInside(other, root));
    if (outer) {
      const [inner, container] = isInside(root, outer) ? [root, outer] : [outer, root];
      throw new ScanRootError(
        inner,
        `path ${inner} is inside ${container}, which is also backed up; name only ${container}`,
      );
    }
    out.push(root);
  }
  return out;
}

/** The POSIX prefix of each root (same order); '' for a single root. Roots must be distinct and not nested. */
export function rootPrefixes(absRoots: readonly string[]): string[] {
  if (absRoots.length <= 1) return absRoots.map(() => '');
  const ancestor = commonFolder(absRoots);
  return absRoots.map((root) => path.relative(ancestor, root).split(path.sep).join('/'));
}

/** The relative path a file gets in the record: its path below its root, behind the root's prefix. */
export function prefixed(prefix: string, relPath: string): string {
  if (prefix === '') return relPath;
  return relPath === '' ? prefix : `${prefix}/${relPath}`;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function commonFolder(absRoots: readonly string[]): string {
  const split = absRoots.map((r) => r.split(path.sep));
  const first = split[0]!;
  let n = 0;
  while (n < first.length && split.every((parts) => parts[n] === first[n])) n += 1;
  // A root itself is never the common folder (that would be nesting), so its parent is the bound.
  return first.slice(0, n).join(path.sep) || path.sep;
}
