import { formatBytes } from '../util/size.js';

export { formatBytes };

/** Bytes per second as e.g. "12.3 MiB/s". */
export function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '0 B/s';
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** A duration as "850ms", "12.3s", "3m 05s" or "1h 02m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const totalSeconds = Math.floor(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/** Time left for `remainingBytes` at `bytesPerSecond`, "?" when there is no rate yet. */
export function formatEta(remainingBytes: number, bytesPerSecond: number): string {
  if (remainingBytes <= 0) return '0s';
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '?';
  const ms = (remainingBytes / bytesPerSecond) * 1000;
  // Past a week the number means nothing; say so instead of printing "4000h 12m".
  if (ms > 7 * 24 * 3_600_000) return '>7d';
  return ms < 1000 ? '<1s' : formatDuration(ms);
}

/** Whole percent of `done` out of `total`, clamped to 0..100 (100 for an empty total). */
export function percent(done: number, total: number): number {
  if (total <= 0) return 100;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}

/** Average throughput of `bytes` over `ms`, in bytes per second (0 for no time). */
export function throughput(bytes: number, ms: number): number {
  return ms > 0 ? (bytes * 1000) / ms : 0;
}

/** ISO-8601 UTC timestamp of an epoch-millisecond time. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** "1 part", "3 parts". */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
