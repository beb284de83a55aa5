/**
 * Comparing a local tree with the files of a backup record, without I/O: files are matched by
 * relative POSIX path (the `description` upload stores), then compared by size and SHA-256.
 */
import { toDescription } from '../names/file-name.js';

export type VerifyStatus = 'ok' | 'missing' | 'extra' | 'size-differs' | 'content-differs';

/** Statuses in the order reports list them, with the words they are shown in. */
export const STATUS_TEXT: Readonly<Record<VerifyStatus, string>> = Object.freeze({
  ok: 'ok',
  missing: 'missing on server',
  extra: 'extra on server',
  'size-differs': 'size differs',
  'content-differs': 'content differs',
});

/** A file of the local tree, as the scanner found it. */
export interface LocalEntry {
  relPath: string;
  size: number;
}

/** A file of the backup record, as listBackupFiles returns it. */
export interface ServerEntry {
  fileId: string;
  fileName: string;
  size: number;
  sha256: string;
  description?: string;
}

/** The verdict on one path. */
export interface VerifyItem {
  path: string;
  status: VerifyStatus;
  local?: { size: number; sha256?: string };
  server?: { fileId: string; fileName: string; size: number; sha256: string };
}

export interface VerifyResult {
  /** Every path of either side, sorted by path. */
  items: VerifyItem[];
  counts: Record<VerifyStatus, number>;
  identical: boolean;
}

/** The relative path a server file stands for: its description, else (older uploads) its fileName. */
export function serverPath(entry: ServerEntry): string {
  const described = entry.description === undefined ? '' : toDescription(entry.description);
  return described === '' ? entry.fileName : described;
}

/** Server files grouped by path, in listing (creation) order. */
function groupByPath(server: readonly ServerEntry[]): Map<string, ServerEntry[]> {
  const byPath = new Map<string, ServerEntry[]>();
  for (const entry of server) {
    const key = serverPath(entry);
    const group = byPath.get(key);
    if (group) group.push(entry);
    else byPath.set(key, [entry]);
  }
  return byPath;
}

/**
 * The local paths whose content must be hashed: those with a server file of the same size (a
 * different size already decides, and a file missing on the server needs no hash).
 */
export function pathsToHash(local: readonly LocalEntry[], server: readonly ServerEntry[]): string[] {
  const byPath = groupByPath(server);
  return local
    .map((file) => ({ path: toDescription(file.relPath), size: file.size }))
    .filter(({ path, size }) => byPath.get(path)?.some((entry) => entry.size === size) ?? false)
    .map(({ path }) => path);
}

/**
 * The verdict on every path. `localSha256` holds the hash of each path pathsToHash named (keyed by
 * that path). When the record holds one path more than once (backed up twice into one record), the
 * path is ok if any of its copies matches; otherwise it is compared with the latest copy.
 */
export function compareTrees(
  local: readonly LocalEntry[],
  server: readonly ServerEntry[],
  localSha256: ReadonlyMap<string, string>,
): VerifyResult {
  const byPath = groupByPath(server);
  const items: VerifyItem[] = [];
  const seen = new Set<string>();
  for (const file of local) {
    const path = toDescription(file.relPath);
    if (seen.has(path)) throw new Error(`the local tree names ${path} twice; verify one folder at a time`);
    seen.add(path);
    const copies = byPath.get(path);
    if (!copies) {
      items.push({ path, status: 'missing', local: { size: file.size } });
      continue;
    }
    items.push(verdict(path, file.size, copies, localSha256));
  }
  for (const [path, copies] of byPath) {
    if (!seen.has(path)) items.push({ path, status: 'extra', server: serverView(copies[copies.length - 1]!) });
  }
  items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const counts: Record<VerifyStatus, number> = { ok: 0, missing: 0, extra: 0, 'size-differs': 0, 'content-differs': 0 };
  for (const item of items) counts[item.status] += 1;
  return { items, counts, identical: items.every((item) => item.status === 'ok') };
}

function verdict(
  path: string,
  size: number,
  copies: readonly ServerEntry[],
  localSha256: ReadonlyMap<string, string>,
): VerifyItem {
  const sameSize = copies.filter((entry) => entry.size === size);
  const latest = copies[copies.length - 1]!;
  if (sameSize.length === 0) return { path, status: 'size-differs', local: { size }, server: serverView(latest) };
  const sha256 = localSha256.get(path);
  if (sha256 === undefined) throw new Error(`no local SHA-256 for ${path}; hash every path pathsToHash names`);
  const match = sameSize.find((entry) => entry.sha256.toLowerCase() === sha256.toLowerCase());
  if (match) return { path, status: 'ok', local: { size, sha256 }, server: serverView(match) };
  return {
    path,
    status: 'content-differs',
    local: { size, sha256 },
    server: serverView(sameSize[sameSize.length - 1]!),
  };
}

function serverView(entry: ServerEntry): NonNullable<VerifyItem['server']> {
  return { fileId: entry.fileId, fileName: entry.fileName, size: entry.size, sha256: entry.sha256 };
}
