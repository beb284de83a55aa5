/**
 * The "Folders and names" rules of the reference, in one place: a folder tree is stored flat in its
 * record, each file under its base name made legal, with the relative path kept in `description`.
 */

export const MAX_NAME_LENGTH = 250;
export const MAX_DESCRIPTION_LENGTH = 512;

// Forbidden characters and the fullwidth twins rclone uses for such backends (readable, reversible).
const FULLWIDTH: Record<string, string> = {
  '<': '＜',
  '>': '＞',
  '|': '｜',
  ':': '：',
  '"': '＂',
  '*': '＊',
  '?': '？',
  '/': '／',
  '\\': '＼',
};
const FORBIDDEN = /[<>|:"*?/\\]/g;
const FORBIDDEN_TEST = /[<>|:"*?/\\]/;

export interface NameRules {
  /** The English page forbids spaces; the Chinese original does not (emulator switch). */
  forbidSpace?: boolean;
}

/** Why a server-side fileName is illegal, or undefined when it is fine. */
export function fileNameProblem(name: string, rules: NameRules = {}): string | undefined {
  if (name === '') return 'fileName is empty';
  if (name === '.' || name === '..') return `fileName "${name}" is not allowed`;
  if ([...name].length > MAX_NAME_LENGTH) return `fileName is longer than ${MAX_NAME_LENGTH} characters`;
  const bad = FORBIDDEN_TEST.exec(name);
  if (bad) return `fileName "${name}" contains the forbidden character "${bad[0]}"`;
  if (rules.forbidSpace && name.includes(' ')) return `fileName "${name}" contains a space`;
  return undefined;
}

/** Maps a local base name to a legal KooDrive fileName (forbidden characters → fullwidth twins). */
export function toServerFileName(baseName: string): string {
  return FORBIDDEN_TEST.test(baseName) ? baseName.replace(FORBIDDEN, (c) => FULLWIDTH[c] ?? c) : baseName;
}

/**
 * The relative POSIX path stored in `description`. Only `/` separates: on POSIX a `\\` is part of
 * a name (it maps to ＼ in fileName), so `we\\ird.txt` stays one name.
 */
export function toDescription(relPath: string): string {
  return relPath.split('/').filter(Boolean).join('/');
}

/** The description of the record's manifest (reference Part 1); the scanner refuses a local file there. */
export const MANIFEST_DESCRIPTION = '.koodrive-backup/manifest.ndjson';

/** Why a file cannot be named on the server (name or path), or undefined; give the final (root-prefixed) path. */
export function localNameProblem(relPath: string): string | undefined {
  const description = toDescription(relPath);
  if ([...description].length > MAX_DESCRIPTION_LENGTH) {
    return (
      `path "${description}" is longer than ${MAX_DESCRIPTION_LENGTH} characters, ` +
      'the limit of the description field'
    );
  }
  if (description === MANIFEST_DESCRIPTION)
    return `path "${description}" is where koodrive-backup keeps each record's manifest`;
  const base = description.split('/').pop() ?? '';
  return fileNameProblem(toServerFileName(base));
}

/** `_yyyyMMdd_HHmmss` in UTC+8 (server-local China time, reference Part 1). */
export function renameSuffix(at: Date): string {
  const t = new Date(at.getTime() + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `_${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}_${p(t.getUTCHours())}` +
    `${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`
  );
}

/** Inserts the rename suffix before the extension: report.pdf → report_20251218_093235.pdf. */
export function renamedFileName(name: string, at: Date): string {
  const dot = name.lastIndexOf('.');
  const suffix = renameSuffix(at);
  if (dot <= 0) return name + suffix;
  return name.slice(0, dot) + suffix + name.slice(dot);
}
