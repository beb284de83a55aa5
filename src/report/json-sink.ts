import type { RunEvent } from '../backup/events.js';
import { isoTime } from './format.js';
import type { OutputStream, RunReporter } from './types.js';

export interface JsonSinkOptions {
  out: OutputStream;
  now?: () => number;
  /**
   * Least time between two `progress` lines for one file (default 1000 ms); deltas in between are
   * added up into the next line. 0 leaves progress lines out altogether.
   */
  progressEveryMs?: number;
}

interface FileProgress {
  lastAt: number;
  pending: number;
  bytesSent: number;
}

/** Serialises one event as a JSON line: `type` and `time` first, then the event's own fields. */
export function jsonLine(event: RunEvent, time: number, extra: Record<string, unknown> = {}): string {
  const { type, ...fields } = event;
  return `${JSON.stringify({ type, time: isoTime(time), ...fields, ...extra })}\n`;
}

/**
 * `--json`: one JSON object per line per event (NDJSON). Progress deltas, which can come thousands
 * of times a second, are coalesced per file into at most one line per `progressEveryMs`, carrying
 * the summed delta (`bytes`) and the file's running total (`bytesSent`).
 */
export function createJsonSink(options: JsonSinkOptions): RunReporter {
  const { out } = options;
  const now = options.now ?? Date.now;
  const every = options.progressEveryMs ?? 1000;
  const files = new Map<string, FileProgress>();

  const sink = (event: RunEvent): void => {
    const time = now();
    if (event.type === 'progress') {
      if (every <= 0) return;
      const file = files.get(event.path) ?? { lastAt: -Infinity, pending: 0, bytesSent: 0 };
      files.set(event.path, file);
      file.pending += event.bytes;
      file.bytesSent += event.bytes;
      if (time - file.lastAt < every) return;
      file.lastAt = time;
      const bytes = file.pending;
      file.pending = 0;
      out.write(jsonLine({ ...event, bytes }, time, { bytesSent: file.bytesSent }));
      return;
    }
    // A dry run prints one object per file sent: `file:planned` with the create-file request under
    // `request` (fileName, sha256, length, proofCode, multiParts, …), once; its file:done adds nothing.
    if (event.type === 'file:done' && event.file.outcome === 'planned') return;
    // file:done carries the authoritative bytesSent; a pending remainder would only repeat it.
    if (event.type === 'file:done') files.delete(event.file.path);
    if (event.type === 'summary') files.clear();
    out.write(jsonLine(event, time));
  };

  return { sink, close: async () => files.clear() };
}
