/**
 * Text that is safe and measured for a terminal: file names come from disk and may hold control
 * characters (a name with "\x1b[2J" must not clear anyone's screen) or double-width CJK characters.
 */

// C0 and C1 controls, DEL, line/paragraph separators and bidi overrides (which can reorder a line).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Replaces every control or bidi character with a visible escape such as \x1b or \u202e. */
export function sanitizeText(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

const ZERO_WIDTH: ReadonlyArray<readonly [number, number]> = [
  [0x0300, 0x036f],
  [0x200b, 0x200f],
  [0x20d0, 0x20ff],
  [0xfe00, 0xfe0f],
  [0xfe20, 0xfe2f],
];
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

function inRanges(code: number, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  return ranges.some(([low, high]) => code >= low && code <= high);
}

/** Columns one code point takes in a terminal: 0, 1 or 2 (East Asian wide and fullwidth forms). */
export function codePointWidth(code: number): number {
  if (inRanges(code, ZERO_WIDTH)) return 0;
  return inRanges(code, WIDE) ? 2 : 1;
}

/** Columns a (sanitized, escape-free) string takes in a terminal. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += codePointWidth(char.codePointAt(0)!);
  return width;
}

/** Shortens text to at most `maxWidth` columns with "…" in the middle, keeping more of the end (the extension). */
export function truncateMiddle(text: string, maxWidth: number): string {
  if (displayWidth(text) <= maxWidth) return text;
  if (maxWidth <= 0) return '';
  if (maxWidth === 1) return '…';
  const chars = [...text];
  const headBudget = Math.floor((maxWidth - 1) * 0.4);
  let tailBudget = maxWidth - 1 - headBudget;
  let head = '';
  let used = 0;
  for (const char of chars) {
    const w = codePointWidth(char.codePointAt(0)!);
    if (used + w > headBudget) break;
    head += char;
    used += w;
  }
  tailBudget += headBudget - used; // a wide char that did not fit in the head leaves room at the end
  let tail = '';
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = codePointWidth(chars[i]!.codePointAt(0)!);
    if (w > tailBudget) break;
    tail = chars[i]! + tail;
    tailBudget -= w;
  }
  return `${head}…${tail}`;
}

/** Cuts text to at most `maxWidth` columns from the end, no ellipsis. */
export function truncateEnd(text: string, maxWidth: number): string {
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = codePointWidth(char.codePointAt(0)!);
    if (used + w > maxWidth) break;
    out += char;
    used += w;
  }
  return out;
}

/** Pads text with spaces to exactly `width` columns (text is truncated first if longer). */
export function padToWidth(text: string, width: number): string {
  const fitted = truncateMiddle(text, width);
  return fitted + ' '.repeat(Math.max(0, width - displayWidth(fitted)));
}

const SGR = /^\x1b\[[0-9;]*m/;

/** Cuts text holding colour escapes (SGR only) to `maxWidth` visible columns, ending with "…" and a reset when cut. */
export function truncateStyled(text: string, maxWidth: number): string {
  const plainWidth = displayWidth(text.replace(/\x1b\[[0-9;]*m/g, ''));
  if (plainWidth <= maxWidth) return text;
  let out = '';
  let used = 0;
  let styled = false;
  for (let i = 0; i < text.length; ) {
    const sgr = SGR.exec(text.slice(i, i + 16));
    if (sgr) {
      out += sgr[0];
      styled = true;
      i += sgr[0].length;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(i)!);
    const w = codePointWidth(char.codePointAt(0)!);
    if (used + w > maxWidth - 1) break;
    out += char;
    used += w;
    i += char.length;
  }
  return `${out}…${styled ? '\x1b[0m' : ''}`;
}

/**
 * Word-wraps escape-free text into lines of at most `width` columns. Leading spaces are kept; lines
 * after the first are indented by them plus `indent`. A word longer than a line is cut. For text
 * that must be read whole (warnings, failure reasons), where cutting the end would lose the advice.
 */
export function wrapText(text: string, width: number, indent = 2): string[] {
  const lead = /^ */.exec(text)![0];
  const lines: string[] = [];
  let line = '';
  const prefix = () => (lines.length > 0 ? ' '.repeat(lead.length + indent) : lead);
  const room = () => Math.max(4, width - prefix().length);
  const flush = () => {
    lines.push(`${prefix()}${line}`);
    line = '';
  };
  for (let word of text.slice(lead.length).split(/ +/)) {
    if (line && displayWidth(line) + 1 + displayWidth(word) > room()) flush();
    while (displayWidth(word) > room()) {
      if (line) flush();
      line = truncateEnd(word, room());
      word = word.slice(line.length);
      flush();
    }
    line = line ? `${line} ${word}` : word;
  }
  if (line || lines.length === 0) flush();
  return lines;
}
