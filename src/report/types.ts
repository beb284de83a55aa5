import type { EventSink, RunEvent } from '../backup/events.js';

/** The summary event, the last one of a run. */
export type SummaryEvent = Extract<RunEvent, { type: 'summary' }>;

/** Where a sink writes: process.stdout/stderr, a file stream, or a test collector. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** A sink plus the way to shut it down (timers, spinners, pending file writes). */
export interface RunReporter {
  sink: EventSink;
  /** Stops timers and displays and waits for pending writes; safe to call twice. */
  close(): Promise<void>;
}

/** Interval timers, injectable so tests can tick them by hand. */
export interface ReportTimer {
  setInterval(tick: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The real timers; unref'd so a forgotten close() never keeps the process alive. */
export const systemTimer: ReportTimer = {
  setInterval(tick, ms) {
    const handle = setInterval(tick, ms);
    handle.unref();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as ReturnType<typeof setInterval>);
  },
};

/** The environment as an object (never read from process.env inside report modules). */
export type ReportEnv = Readonly<Record<string, string | undefined>>;
