import type { FileOutcome, RunEvent } from '../backup/events.js';
import { formatBytes, formatDuration, formatEta, formatRate, isoTime, percent, plural } from './format.js';
import { RunProgress } from './run-progress.js';
import { plannedCount, renderSummary, renderSummaryLine } from './summary.js';
import { sanitizeText } from './terminal-text.js';
import { systemTimer, type OutputStream, type ReportTimer, type RunReporter } from './types.js';

export interface PlainSinkOptions {
  /** The run's story: file outcomes, progress, summary. */
  out: OutputStream;
  /** Problems: failed files, conflicts, warnings (may be the same stream as `out`). */
  err: OutputStream;
  quiet?: boolean;
  verbose?: boolean;
  now?: () => number;
  timer?: ReportTimer;
  /** Seconds between progress lines, in ms (default 10 000; 0 turns them off). */
  progressEveryMs?: number;
}

/** The word each outcome gets at the start of its line, padded so paths line up. */
const OUTCOME_WORD: Record<FileOutcome['outcome'], string> = {
  uploaded: 'uploaded ',
  rapid: 'rapid    ',
  exist: 'exist    ',
  unchanged: 'unchanged',
  planned: 'would send',
  skipped: 'skipped  ',
  conflict: 'CONFLICT ',
  failed: 'FAILED   ',
};

/** Outcomes listed one per line only with --verbose: nothing was sent for them (issue 12 item 4). */
export const QUIET_OUTCOMES: ReadonlySet<FileOutcome['outcome']> = new Set(['unchanged', 'exist', 'rapid']);

/** One log line for a finished file. */
export function fileOutcomeLine(file: FileOutcome): string {
  const path = sanitizeText(file.path);
  const size = formatBytes(file.size);
  switch (file.outcome) {
    case 'uploaded':
      return `${OUTCOME_WORD.uploaded} ${path} (${size}, sent ${formatBytes(file.bytesSent)})`;
    case 'planned':
      return `${OUTCOME_WORD.planned} ${path} (${size}, dry run: nothing sent)`;
    case 'failed':
    case 'conflict':
    case 'skipped':
      return `${OUTCOME_WORD[file.outcome]} ${path} (${size})${file.error ? `: ${sanitizeText(file.error)}` : ''}`;
    default:
      return `${OUTCOME_WORD[file.outcome]} ${path} (${size}, nothing sent)`;
  }
}

/** The periodic progress line: files done/total, bytes, percent, rate and ETA. */
export function progressLine(progress: RunProgress, now: number): string {
  const rate = progress.rate(now);
  const files =
    progress.filesTotal === undefined
      ? `${plural(progress.filesDone, 'file')} done (scan running)`
      : `${progress.filesDone}/${plural(progress.filesTotal, 'file')}`;
  const remaining = progress.bytesRemaining();
  const bytes =
    progress.bytesTotal === undefined
      ? `${formatBytes(progress.bytesProcessed)}`
      : `${formatBytes(progress.bytesProcessed)}/${formatBytes(progress.bytesTotal)} ` +
        `(${percent(progress.bytesProcessed, progress.bytesTotal)}%)`;
  const eta = remaining === undefined ? '' : `, ETA ${formatEta(remaining, rate)}`;
  const active = progress.active.size > 0 ? `, ${progress.active.size} active` : '';
  return `progress: ${files}, ${bytes}, sent ${formatBytes(progress.bytesSent)} at ${formatRate(rate)}${eta}${active}`;
}

/**
 * Plain text for cron, CI and pipes: one timestamped line per file outcome and notice, a progress
 * line every `progressEveryMs`, and the summary. Every interpolated string is sanitized, so the
 * output holds no control character or escape sequence, whatever the file names are.
 */
export function createPlainSink(options: PlainSinkOptions): RunReporter {
  const { out, err, quiet = false, verbose = false } = options;
  const now = options.now ?? Date.now;
  const timer = options.timer ?? systemTimer;
  const every = options.progressEveryMs ?? 10_000;
  const progress = new RunProgress();
  let ticker: unknown;
  let finished = false;

  const line = (stream: OutputStream, text: string) => stream.write(`${isoTime(now())} ${text}\n`);
  // Lines are built only when shown: with --quiet, a run of many small files builds none per file.
  const info = (text: () => string) => {
    if (!quiet) line(out, text());
  };
  const detail = (text: () => string) => {
    if (verbose && !quiet) line(out, text());
  };
  const stopTicker = () => {
    if (ticker !== undefined) timer.clearInterval(ticker);
    ticker = undefined;
  };
  const startTicker = () => {
    if (ticker !== undefined || finished || quiet || every <= 0) return;
    ticker = timer.setInterval(() => info(() => progressLine(progress, now())), every);
  };

  const sink = (event: RunEvent): void => {
    progress.apply(event, now());
    switch (event.type) {
      case 'run:start':
        info(
          () =>
            `start: record ${sanitizeText(event.recordId)}, ` +
            `${event.roots.map(sanitizeText).join(', ')}${event.dryRun ? ' (dry run)' : ''}`,
        );
        startTicker();
        break;
      case 'scan:done':
        info(() => `scan: ${plural(event.files, 'file')}, ${formatBytes(event.bytes)}`);
        startTicker();
        break;
      case 'notice':
        // Exclusions are what the user asked for; listing each one is only noise unless asked.
        if (event.notice.kind === 'excluded')
          detail(() => `excluded ${sanitizeText(event.notice.path)}: ${sanitizeText(event.notice.message)}`);
        else
          info(
            () =>
              `notice: ${event.notice.kind} ${sanitizeText(event.notice.path)}: ${sanitizeText(event.notice.message)}`,
          );
        break;
      case 'file:planned':
        detail(
          () => `planned ${sanitizeText(event.path)} (${formatBytes(event.size)}, ${plural(event.parts, 'part')})`,
        );
        break;
      case 'file:start':
        detail(() => `start ${sanitizeText(event.path)} (${formatBytes(event.size)}, ${plural(event.parts, 'part')})`);
        break;
      case 'part:sent':
        detail(() => `part ${event.partNumber} of ${sanitizeText(event.path)} sent (${formatBytes(event.bytes)})`);
        break;
      case 'progress':
        break;
      case 'file:done': {
        const file = event.file;
        if (file.outcome === 'failed' || file.outcome === 'conflict') line(err, fileOutcomeLine(file));
        // Files that needed no bytes (unchanged, already on the server, rapid) are most of an
        // incremental run; one line each would drown the news. The summary counts them.
        else if (QUIET_OUTCOMES.has(file.outcome)) detail(() => fileOutcomeLine(file));
        else info(() => fileOutcomeLine(file));
        break;
      }
      case 'retry':
        detail(
          () =>
            `retry ${sanitizeText(event.what)}: attempt ${event.attempt} in ${formatDuration(event.delayMs)} ` +
            `(${sanitizeText(event.reason)})`,
        );
        break;
      case 'warn':
        if (!quiet) line(err, `warning: ${sanitizeText(event.message)}`);
        break;
      case 'summary': {
        finished = true;
        stopTicker();
        const planned = plannedCount(event.files, event.totals);
        if (quiet) {
          line(
            event.exitCode === 0 ? out : err,
            renderSummaryLine(event.totals, event.exitCode, event.reason, planned, event.recordId),
          );
          break;
        }
        for (const text of renderSummary(event.totals, event.files, { color: false, recordId: event.recordId }))
          line(out, text);
        line(out, renderSummaryLine(event.totals, event.exitCode, event.reason, planned, event.recordId));
        break;
      }
    }
  };

  return {
    sink,
    close: async () => {
      finished = true;
      stopTicker();
    },
  };
}
