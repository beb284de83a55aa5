/**
 * The per-record manifest (reference Part 1, docs/decisions.md): what the API has no field for —
 * modes, mtimes, empty folders, symbolic links. NDJSON: a header line, then one line per entry.
 * Pure: encoding and a strict parser (a manifest comes back from the server, so it is untrusted).
 */

export const MANIFEST_VERSION = 1;

/**
 * No record id or time in it: an unchanged tree gives the same manifest, which the server then
 * takes as a rapid upload (no bytes sent by a run that changed nothing).
 */
export interface ManifestHeader {
  koodriveManifest: typeof MANIFEST_VERSION;
  /** Each backed-up root and the prefix its files stand under in the record. */
  roots: Array<{ path: string; prefix: string }>;
}

/** One entry; `path` is the relative POSIX path as in `description`. */
export type ManifestEntry =
  | { type: 'file'; path: string; size: number; mtimeMs: number; mode?: number }
  | { type: 'folder'; path: string; mtimeMs: number; mode: number }
  | { type: 'link'; path: string; target: string };

/** The header line (with its newline). */
export function headerLine(header: Omit<ManifestHeader, 'koodriveManifest'>): string {
  return `${JSON.stringify({ koodriveManifest: MANIFEST_VERSION, roots: header.roots })}\n`;
}

/** One entry's line (with its newline); short keys keep a million-file manifest small. */
export function entryLine(entry: ManifestEntry): string {
  switch (entry.type) {
    case 'file':
      return (
        JSON.stringify({
          f: entry.path,
          size: entry.size,
          mtimeMs: entry.mtimeMs,
          ...(entry.mode !== undefined ? { mode: entry.mode } : {}),
        }) + '\n'
      );
    case 'folder':
      return `${JSON.stringify({ d: entry.path, mode: entry.mode, mtimeMs: entry.mtimeMs })}\n`;
    case 'link':
      return `${JSON.stringify({ l: entry.path, target: entry.target })}\n`;
  }
}

/** A manifest line that is not what this version writes. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** Parses the header line; throws ManifestError when it is not a manifest of this version. */
export function parseHeader(line: string): ManifestHeader {
  const value = parseObject(line, 1);
  if (value.koodriveManifest !== MANIFEST_VERSION)
    throw new ManifestError(
      `manifest version ${String(value.koodriveManifest)} is not ${MANIFEST_VERSION}; update koodrive-backup`,
    );
  const roots = Array.isArray(value.roots) ? value.roots : undefined;
  if (!roots || !roots.every((r) => isRecord(r) && typeof r.path === 'string' && typeof r.prefix === 'string')) {
    throw new ManifestError('the manifest header has no valid roots list');
  }
  return {
    koodriveManifest: MANIFEST_VERSION,
    roots: roots.map((r) => ({ path: String(r.path), prefix: String(r.prefix) })),
  };
}

/** Parses one entry line (1-based `lineNo` for messages); unknown kinds are an error, not skipped. */
export function parseEntry(line: string, lineNo: number): ManifestEntry {
  const v = parseObject(line, lineNo);
  const bad = (what: string) => new ManifestError(`manifest line ${lineNo}: ${what}`);
  if (typeof v.f === 'string') {
    if (!isCount(v.size)) throw bad('size must be a whole number of bytes');
    if (!isTime(v.mtimeMs)) throw bad('mtimeMs must be a time in milliseconds');
    if (v.mode !== undefined && !isMode(v.mode)) throw bad('mode must be permission bits (0 to 0o7777)');
    return {
      type: 'file',
      path: v.f,
      size: v.size,
      mtimeMs: v.mtimeMs,
      ...(v.mode !== undefined ? { mode: v.mode as number } : {}),
    };
  }
  if (typeof v.d === 'string') {
    if (!isMode(v.mode)) throw bad('mode must be permission bits (0 to 0o7777)');
    if (!isTime(v.mtimeMs)) throw bad('mtimeMs must be a time in milliseconds');
    return { type: 'folder', path: v.d, mode: v.mode, mtimeMs: v.mtimeMs };
  }
  if (typeof v.l === 'string') {
    if (typeof v.target !== 'string' || v.target === '' || v.target.includes('\0'))
      throw bad('a link needs a non-empty target without NUL');
    return { type: 'link', path: v.l, target: v.target };
  }
  throw bad('not a file, folder or link entry');
}

function parseObject(line: string, lineNo: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ManifestError(`manifest line ${lineNo} is not JSON`);
  }
  if (!isRecord(value)) throw new ManifestError(`manifest line ${lineNo} is not a JSON object`);
  return value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isMode = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o7777;
