/**
 * A scripted run shared by the report-* tests: four files, one uploaded in three parts, one rapid, one failed, one
 * unchanged.
 */
import * as readline from 'node:readline';
import { Writable } from 'node:stream';
import type { FileOutcome, RunEvent, RunTotals } from '../../src/backup/events.js';

export const MiB = 1024 * 1024;
export const T0 = Date.parse('2026-11-25T10:00:00.000Z');
export const RECORD_ID = '1842862763295184641';

export const UPLOADED: FileOutcome = {
  path: 'docs/a.bin',
  absPath: '/data/docs/a.bin',
  size: 12 * MiB,
  outcome: 'uploaded',
  serverName: 'a.bin',
  fileId: 'F1',
  sha256: 'aa'.repeat(32),
  bytesSent: 12 * MiB,
};
export const RAPID: FileOutcome = {
  path: 'media/b.iso',
  absPath: '/data/media/b.iso',
  size: 100 * MiB,
  outcome: 'rapid',
  serverName: 'b.iso',
  fileId: 'F2',
  sha256: 'bb'.repeat(32),
  bytesSent: 0,
};
// A hostile name: an escape sequence that would clear the screen, and a newline.
export const FAILED_PATH = 'bad/c\x1b[2J|x\n.txt';
export const FAILED: FileOutcome = {
  path: FAILED_PATH,
  absPath: `/data/${FAILED_PATH}`,
  size: 2000,
  outcome: 'failed',
  bytesSent: 0,
  error: 'HTTP 500 from the upload URL after 5 tries',
};
export const UNCHANGED: FileOutcome = {
  path: 'old/d.txt',
  absPath: '/data/old/d.txt',
  size: 500,
  outcome: 'unchanged',
  serverName: 'd.txt',
  fileId: 'F4',
  sha256: 'dd'.repeat(32),
  bytesSent: 0,
};

export const FILES = [UPLOADED, RAPID, FAILED, UNCHANGED];
export const BYTES_TOTAL = FILES.reduce((sum, f) => sum + f.size, 0);

export const TOTALS: RunTotals = {
  files: 4,
  uploaded: 1,
  rapid: 1,
  exist: 0,
  unchanged: 1,
  skipped: 0,
  conflict: 0,
  failed: 1,
  bytesTotal: BYTES_TOTAL,
  bytesBackedUp: BYTES_TOTAL - 2000,
  bytesSent: 12 * MiB,
  durationMs: 62_000,
};

export const SUMMARY: Extract<RunEvent, { type: 'summary' }> = {
  type: 'summary',
  recordId: RECORD_ID,
  totals: TOTALS,
  files: FILES,
  exitCode: 3,
};

/** The whole run, in order. */
export function scriptedRun(): RunEvent[] {
  return [
    { type: 'run:start', recordId: RECORD_ID, roots: ['/data'], dryRun: false },
    { type: 'notice', notice: { path: 'link', kind: 'symlink', message: 'symbolic links are not followed' } },
    { type: 'notice', notice: { path: 'tmp/x.swp', kind: 'excluded', message: 'matches *.swp' } },
    { type: 'scan:done', files: 4, bytes: BYTES_TOTAL },
    { type: 'file:planned', path: 'docs/a.bin', size: 12 * MiB, parts: 3 },
    { type: 'file:start', path: 'docs/a.bin', size: 12 * MiB, parts: 3 },
    { type: 'progress', path: 'docs/a.bin', bytes: 5 * MiB },
    { type: 'part:sent', path: 'docs/a.bin', partNumber: 1, bytes: 5 * MiB },
    { type: 'retry', what: 'PUT part 2 of docs/a.bin', attempt: 2, delayMs: 1500, reason: 'ECONNRESET' },
    { type: 'progress', path: 'docs/a.bin', bytes: 5 * MiB },
    { type: 'part:sent', path: 'docs/a.bin', partNumber: 2, bytes: 5 * MiB },
    { type: 'progress', path: 'docs/a.bin', bytes: 2 * MiB },
    { type: 'part:sent', path: 'docs/a.bin', partNumber: 3, bytes: 2 * MiB },
    { type: 'file:done', file: UPLOADED },
    { type: 'file:done', file: RAPID },
    { type: 'file:start', path: FAILED_PATH, size: 2000, parts: 1 },
    { type: 'file:done', file: FAILED },
    { type: 'file:done', file: UNCHANGED },
    { type: 'warn', message: 'renewing the backup lock took 4.0s' },
    SUMMARY,
  ];
}

/** A clock the test moves by hand. */
export function manualClock(start = T0): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

/** A stream that keeps everything written to it (synchronously), optionally posing as a terminal. */
export class Collector extends Writable {
  readonly chunks: string[] = [];
  isTTY?: boolean;
  columns?: number;
  rows?: number;

  constructor(tty?: { columns: number; rows?: number }) {
    super({ decodeStrings: false });
    if (tty) {
      this.isTTY = true;
      this.columns = tty.columns;
      this.rows = tty.rows ?? 30;
    }
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(typeof chunk === 'string' ? chunk : String(chunk));
    done();
  }

  text(): string {
    return this.chunks.join('');
  }

  // The tty.WriteStream methods ora calls.
  cursorTo(x: number, y?: number): boolean {
    return readline.cursorTo(this, x, y);
  }

  moveCursor(dx: number, dy: number): boolean {
    return readline.moveCursor(this, dx, dy);
  }

  clearLine(dir: -1 | 0 | 1): boolean {
    return readline.clearLine(this, dir);
  }
}

/** Control characters and escape sequences that plain output must never hold. */
export const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]|\x1b\[/;
