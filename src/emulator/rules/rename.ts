/**
 * The rename of autoRename 2 and 4 (reference Part 1, §3.9 example): `_yyyyMMdd_HHmmss` in UTC+8
 * (server-local China time) before the extension: 123.jpg at 01:32:35 UTC → 123_20251218_093235.jpg.
 */

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

export function chinaTimeSuffix(at: Date): string {
  const china = new Date(at.getTime() + CHINA_OFFSET_MS);
  const two = (n: number) => (n < 10 ? `0${n}` : String(n));
  const date = `${china.getUTCFullYear()}${two(china.getUTCMonth() + 1)}${two(china.getUTCDate())}`;
  const time = `${two(china.getUTCHours())}${two(china.getUTCMinutes())}${two(china.getUTCSeconds())}`;
  return `_${date}_${time}`;
}

/** Splits at the last dot; a leading dot (".bashrc") or no dot means no extension. */
function stemAndExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

/** The name with the suffix (and, past the first try, "_<n>") before the extension. */
export function renamedName(name: string, at: Date, attempt = 1): string {
  const [stem, ext] = stemAndExtension(name);
  return `${stem}${chinaTimeSuffix(at)}${attempt > 1 ? `_${attempt}` : ''}${ext}`;
}
