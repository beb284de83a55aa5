import { parseDuration } from '../util/size.js';

/** Parses a duration that may carry a sign ("-2m", "+30s"); bare numbers are seconds. */
export function parseSignedDuration(text: string): number {
  const m = /^\s*([+-]?)\s*(.*)$/.exec(text);
  const ms = parseDuration(m?.[2] ?? text);
  return m?.[1] === '-' ? -ms : ms;
}

/** Milliseconds in the shortest unit that shows them exactly: 180000 → "3m", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs === 0) return '0s';
  if (abs % 3_600_000 === 0) return `${sign}${abs / 3_600_000}h`;
  if (abs % 60_000 === 0) return `${sign}${abs / 60_000}m`;
  if (abs % 1000 === 0) return `${sign}${abs / 1000}s`;
  return `${sign}${abs}ms`;
}
