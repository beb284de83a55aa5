/** ANSI colours for human output; every call takes `enabled` so plain output can never get one. */
const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, dim: 2, bold: 1 } as const;

export type StyleName = keyof typeof CODES;

/** Wraps text in an ANSI colour when `enabled`, returns it unchanged otherwise. */
export function paint(style: StyleName, text: string, enabled: boolean): string {
  if (!enabled || text === '') return text;
  const reset = style === 'dim' || style === 'bold' ? 22 : 39;
  return `\x1b[${CODES[style]}m${text}\x1b[${reset}m`;
}

/** Whether colour is wanted on a stream: a TTY, and neither NO_COLOR nor TERM=dumb set. */
export function wantsColor(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}
