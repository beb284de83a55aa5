/**
 * What a restore will do, decided without I/O: the record's listing (and its manifest, when there
 * is one) → files to fetch with their modes and mtimes, folders, links, and the server paths refused.
 */
import type { BackupFileEntry } from '../koodrive/wire-types.js';
import type { ManifestEntry } from '../manifest/manifest-format.js';
import { compileGlob, type GlobRule } from '../scan/glob-rule.js';
import { safeRelativePath, UnsafePathError } from './path-guard.js';

export interface RestoreFile {
  path: string;
  fileId: string;
  sha256: string;
  size: number;
  mode?: number;
  mtimeMs?: number;
}

export interface RestorePlan {
  files: RestoreFile[];
  folders: Array<{ path: string; mode: number; mtimeMs: number }>;
  links: Array<{ path: string; target: string }>;
  /** Server paths the guard refused, with the reason. */
  refused: Array<{ serverPath: string; reason: string }>;
  /** Entries the include/exclude filters left out. */
  filteredOut: number;
}

export interface RestoreFilter {
  include?: readonly string[];
  exclude?: readonly string[];
}

/**
 * The fileName of a file stored without a description, with the fullwidth mapping undone (not ／: a name has no slash).
 */
export function nameFromFileName(fileName: string): string {
  const back: Record<string, string> = {
    '＜': '<',
    '＞': '>',
    '｜': '|',
    '：': ':',
    '＂': '"',
    '＊': '*',
    '？': '?',
    '＼': '\\',
  };
  return fileName.replace(/[＜＞｜：＂＊？＼]/g, (c) => back[c] ?? c);
}

/** Builds the plan; the last copy of a path in the listing wins (a path backed up twice into one record). */
export function planRestore(
  listing: readonly BackupFileEntry[],
  manifest: readonly ManifestEntry[] | undefined,
  filter: RestoreFilter = {},
): RestorePlan {
  const keep = compileFilter(filter);
  const plan: RestorePlan = { files: [], folders: [], links: [], refused: [], filteredOut: 0 };
  const meta = new Map<string, ManifestEntry & { type: 'file' }>();
  const accept = (serverPath: string): string | undefined => {
    try {
      return safeRelativePath(serverPath);
    } catch (err) {
      if (!(err instanceof UnsafePathError)) throw err;
      plan.refused.push({ serverPath, reason: err.message });
      return undefined;
    }
  };
  for (const entry of manifest ?? []) {
    const path = accept(entry.path);
    if (path === undefined) continue;
    if (entry.type === 'file') meta.set(path, entry);
    else if (!keep(path, entry.type === 'folder')) plan.filteredOut += 1;
    else if (entry.type === 'folder') plan.folders.push({ path, mode: entry.mode, mtimeMs: entry.mtimeMs });
    else plan.links.push({ path, target: entry.target });
  }
  const byPath = new Map<string, RestoreFile>();
  for (const entry of listing) {
    const path = accept(
      entry.description !== undefined && entry.description !== ''
        ? entry.description
        : nameFromFileName(entry.fileName),
    );
    if (path === undefined) continue;
    if (!keep(path, false)) {
      plan.filteredOut += 1;
      continue;
    }
    const file: RestoreFile = { path, fileId: entry.fileId, sha256: entry.sha256.toLowerCase(), size: entry.size };
    const m = meta.get(path);
    if (m && m.size === entry.size) {
      if (m.mode !== undefined) file.mode = m.mode;
      file.mtimeMs = m.mtimeMs;
    }
    byPath.delete(path); // re-inserted: Map order then follows the latest copy
    byPath.set(path, file);
  }
  plan.files = [...byPath.values()];
  return plan;
}

/** include/exclude with the upload's glob rules, applied to a path and every folder above it. */
function compileFilter(filter: RestoreFilter): (path: string, isDir: boolean) => boolean {
  const includes = (filter.include ?? []).map((p) => compileGlob(p, 'include'));
  const excludes = (filter.exclude ?? []).map((p) => compileGlob(p, 'exclude'));
  const matchesAny = (rules: readonly GlobRule[], path: string, isDir: boolean) => {
    const parts = path.split('/');
    return parts.some((_, i) => {
      const sub = parts.slice(0, i + 1).join('/');
      const subIsDir = i < parts.length - 1 || isDir;
      return rules.some((r) => r.matches(sub, subIsDir));
    });
  };
  return (path, isDir) => {
    if (matchesAny(excludes, path, isDir)) return false;
    return includes.length === 0 || matchesAny(includes, path, isDir);
  };
}
