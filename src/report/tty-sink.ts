import cliProgress from 'cli-progress';
import ora, { type Ora } from 'ora';
import type { RunEvent } from '../backup/events.js';
import { formatBytes, formatDuration, plural } from './format.js';
import { RunProgress } from './run-progress.js';
import { paint } from './style.js';
import { renderSummary } from './summary.js';
import { QUIET_OUTCOMES } from './plain-sink.js';
import { displayWidth, sanitizeText, truncateStyled, wrapText } from './terminal-text.js';
import { renderFileLine, renderResultLine, renderTotalLine } from './tty-lines.js';
import type { OutputStream, RunReporter } from './types.js';

export interface TtySinkOptions {
  /** The terminal for the spinner, bars and per-file results (process.stderr in the CLI). */
  stream: OutputStream;
  /** Where the final summary goes (process.stdout in the CLI), so it stays after the bars are gone. */
  out: OutputStream;
  /** Colour on `stream`; and on `out` for the summary. */
  color?: boolean;
  summaryColor?: boolean;
  verbose?: boolean;
  now?: () => number;
  /** Most redraws per second (default 10). */
  fps?: number;
  /** Most file lines shown at once; the rest are counted in one line (default 8). */
  maxFileLines?: number;
}

type Bar = cliProgress.SingleBar;

// Ask the terminal to show each redraw at once (DEC mode 2026); terminals without it ignore it.
const SYNC_BEGIN = '\x1b[?2026h';
const SYNC_END = '\x1b[?2026l';
const ERASE_RIGHT = '\x1b[K';

/**
 * The interactive display: an ora spinner while scanning and planning, then a cli-progress
 * MultiBar with a line per file in flight and a total line. The bars are redrawn only on
 * MultiBar's own timer (at most `fps` a second), and each redraw reads the folded run state,
 * so a flood of progress events costs no terminal output. Finished files leave a persistent
 * result line above the bars; the summary goes to `out` once the bars are cleared.
 */
export function createTtySink(options: TtySinkOptions): RunReporter {
  const { stream, out, verbose = false } = options;
  const color = options.color ?? true;
  const now = options.now ?? Date.now;
  const fps = options.fps ?? 10;
  const maxFileLines = options.maxFileLines ?? 8;
  const progress = new RunProgress();
  let spinner: Ora | undefined;
  let bars: cliProgress.MultiBar | undefined;
  const slots: Bar[] = [];
  let surplus = 0;
  let removing = false;
  let closed = false;
  let finished = false; // after the summary nothing may start a display again

  // A pseudo-terminal nobody sized (script, some CI runners) reports 0 columns and rows.
  const width = () => stream.columns || 80;
  const rows = () => stream.rows || 24;

  const printAbove = (text: string) => {
    const line = truncateStyled(text, Math.max(8, width() - 1));
    // Erase to the end of the line: a result line may land on a row that held a longer bar line.
    if (bars) bars.log(`${line}${ERASE_RIGHT}\n`);
    else stream.write(`${line}${ERASE_RIGHT}\n`); // ora hooks the stream: it clears the spinner, writes, redraws it
  };

  // A warning carries advice at its end: wrap it rather than cut it.
  const printWarning = (message: string) => {
    const [first = '', ...rest] = wrapText(`warning: ${sanitizeText(message)}`, Math.max(8, width() - 1));
    printAbove(paint('yellow', 'warning:', color) + first.slice('warning:'.length));
    for (const line of rest) printAbove(line);
  };

  const startSpinner = (text: string) => {
    if (spinner || bars || finished) return;
    spinner = ora({
      stream: stream as unknown as NodeJS.WritableStream,
      text,
      isEnabled: true, // the caller chose this sink because the stream is a terminal
      discardStdin: false, // leave stdin alone: Ctrl-C must reach the CLI's own handler
      hideCursor: true,
      interval: Math.max(80, Math.round(1000 / fps)),
    }).start();
  };

  // Rebuild the lines from the run state just before MultiBar draws them.
  const syncLines = () => {
    if (!bars) return;
    const at = now();
    const cols = width();
    const files = [...progress.active.values()];
    const room = Math.max(1, Math.min(maxFileLines, rows() - 3));
    const shown = files.slice(0, room);
    const lines = shown.map((file) => renderFileLine(file, at, cols, color));
    if (files.length > shown.length)
      lines.push(paint('dim', `… and ${plural(files.length - shown.length, 'more file')} in flight`, color));
    lines.push(renderTotalLine(progress, at, cols, color));
    while (slots.length < lines.length) slots.push(bars.create(1, 0, { line: '' }));
    slots.forEach((slot, index) => slot.update({ line: lines[index] ?? '' }));
    surplus = slots.length - lines.length;
  };

  // Lines no longer needed are removed after the redraw (remove() redraws itself, so never during one).
  const dropSurplus = () => {
    if (!bars || removing || surplus <= 0) return;
    removing = true;
    try {
      while (surplus > 0) {
        const slot = slots.pop();
        surplus--;
        if (slot) bars.remove(slot);
      }
    } finally {
      removing = false;
    }
  };

  const startBars = () => {
    if (bars || finished) return;
    spinner?.stop();
    spinner = undefined;
    bars = new cliProgress.MultiBar({
      stream: stream as unknown as NodeJS.WritableStream,
      fps,
      format: (_options, _params, payload: { line?: string }) => payload.line ?? '',
      hideCursor: true,
      clearOnComplete: true,
      // Wrapping off while the bars show (close() turns it back on): lines already fit, and
      // cli-progress would otherwise cut them by string length, colour escapes included.
      linewrap: false,
      forceRedraw: true, // a log line above shifts every bar down: all must be rewritten
      gracefulExit: false, // signals belong to the CLI, which closes this sink
      autopadding: false,
    });
    bars.on('update-pre', () => {
      stream.write(SYNC_BEGIN);
      if (!removing) syncLines();
    });
    bars.on('update-post', () => {
      stream.write(SYNC_END);
      dropSurplus();
    });
    slots.push(bars.create(1, 0, { line: '' }));
  };

  const stopDisplays = () => {
    spinner?.stop();
    spinner = undefined;
    if (bars) {
      bars.update(); // flush result lines still waiting in the log buffer
      bars.stop();
      bars = undefined;
      slots.length = 0;
    }
  };

  const sink = (event: RunEvent): void => {
    if (closed) return;
    progress.apply(event, now());
    switch (event.type) {
      case 'run:start':
        startSpinner(`${event.dryRun ? 'Dry run: s' : 'S'}canning ${event.roots.map(sanitizeText).join(', ')}…`);
        break;
      case 'scan:done':
        if (spinner) spinner.text = `Planning ${plural(event.files, 'file')} (${formatBytes(event.bytes)})…`;
        break;
      case 'notice':
        if (event.notice.kind !== 'excluded' || verbose) {
          printAbove(
            paint('yellow', `${event.notice.kind}:`, color) +
              ` ${sanitizeText(event.notice.path)}: ${sanitizeText(event.notice.message)}`,
          );
        }
        break;
      case 'file:planned':
        if (spinner) {
          const total = progress.filesTotal === undefined ? '' : ` of ${progress.filesTotal}`;
          spinner.text =
            `Planning: ${progress.filesPlanned}${total} ` +
            `${(progress.filesTotal ?? progress.filesPlanned) === 1 ? 'file' : 'files'} hashed…`;
        }
        if (verbose)
          printAbove(
            paint(
              'dim',
              `planned ${sanitizeText(event.path)} (${formatBytes(event.size)}, ${plural(event.parts, 'part')})`,
              color,
            ),
          );
        break;
      case 'file:start':
        startBars();
        break;
      case 'part:sent':
        if (verbose)
          printAbove(
            paint(
              'dim',
              `part ${event.partNumber} of ${sanitizeText(event.path)} sent (${formatBytes(event.bytes)})`,
              color,
            ),
          );
        break;
      case 'progress':
        break; // folded into the state; the next redraw shows it
      case 'file:done':
        startBars();
        // Unchanged, existing and rapid files are the bulk of an incremental run, and skipped ones
        // all share the reason the run stopped (said once under the summary): a line each would bury the news.
        if ((!QUIET_OUTCOMES.has(event.file.outcome) && event.file.outcome !== 'skipped') || verbose)
          printAbove(renderResultLine(event.file, width(), color));
        break;
      case 'retry':
        if (verbose)
          printAbove(
            paint(
              'dim',
              `retry ${sanitizeText(event.what)}: attempt ${event.attempt} in ${formatDuration(event.delayMs)} ` +
                `(${sanitizeText(event.reason)})`,
              color,
            ),
          );
        break;
      case 'warn':
        printWarning(event.message);
        break;
      case 'summary': {
        finished = true;
        stopDisplays();
        const summaryColor = options.summaryColor ?? color;
        // The summary stays on screen: long lines (failure reasons, why the run stopped) are
        // word-wrapped to the terminal rather than broken mid-word by it.
        const cols = out.columns;
        const fit = (line: string, indent: number): string[] =>
          !cols || line.includes('\x1b') || displayWidth(line) < cols ? [line] : wrapText(line, cols - 1, indent);
        const lines = renderSummary(event.totals, event.files, {
          color: summaryColor,
          recordId: event.recordId,
        }).flatMap((line) => fit(line, 2));
        if (event.reason)
          lines.push(...fit(sanitizeText(event.reason), 2).map((line) => paint('yellow', line, summaryColor)));
        out.write(`${lines.join('\n')}\n`);
        break;
      }
    }
  };

  return {
    sink,
    close: async () => {
      if (closed) return;
      closed = true;
      finished = true;
      stopDisplays();
    },
  };
}
