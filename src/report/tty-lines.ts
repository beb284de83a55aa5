import type { FileOutcome } from '../backup/events.js';
import { formatBytes, formatEta, formatRate, percent, plural } from './format.js';
import type { ActiveFile, RunProgress } from './run-progress.js';
import { paint, type StyleName } from './style.js';
import { displayWidth, padToWidth, sanitizeText, truncateEnd } from './terminal-text.js';

/** A bar of `width` cells filled to `fraction` (0..1). */
export function renderBar(fraction: number, width: number, color: boolean): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return paint('cyan', '█'.repeat(filled), color) + paint('dim', '░'.repeat(width - filled), color);
}

/**
 * Lays out `label [bar] info…` in fewer than `width` columns (the last column is left free so a
 * terminal never wraps). Info pieces are dropped from the end, then the bar, as the room shrinks;
 * an undefined fraction (total unknown) draws no bar.
 */
export function composeLine(
  label: string,
  fraction: number | undefined,
  info: readonly string[],
  width: number,
  color: boolean,
  minLabelWidth = 10,
): string {
  const usable = Math.max(8, width - 1);
  for (let keep = info.length; keep >= 0; keep--) {
    const tail = info.slice(0, keep).join('  ');
    const room = usable - (tail ? displayWidth(tail) + 1 : 0);
    const barWidth = fraction !== undefined && room >= 40 ? Math.min(30, Math.floor(room * 0.35)) : 0;
    const labelWidth = room - (barWidth > 0 ? barWidth + 1 : 0);
    if (labelWidth < Math.min(minLabelWidth, usable) && keep > 0) continue;
    const bar = barWidth > 0 ? ` ${renderBar(fraction ?? 0, barWidth, color)}` : '';
    return `${padToWidth(label, Math.max(1, labelWidth))}${bar}${tail ? ` ${tail}` : ''}`;
  }
  return truncateEnd(label, usable);
}

function infoPieces(done: number, total: number, rate: number): string[] {
  return [
    `${percent(done, total)}%`.padStart(4),
    `${formatBytes(done)}/${formatBytes(total)}`.padStart(21),
    formatRate(rate).padStart(12),
    `ETA ${formatEta(total - done, rate)}`.padEnd(11),
  ];
}

/** The live line of one file in flight: name, bar, bytes, rate, ETA. */
export function renderFileLine(file: ActiveFile, now: number, width: number, color: boolean): string {
  const done = Math.min(file.sent, file.size);
  const rate = file.meter.rate(now);
  return composeLine(
    sanitizeText(file.path),
    file.size > 0 ? done / file.size : 1,
    infoPieces(done, file.size, rate),
    width,
    color,
  );
}

/** The total line: files done/total, bar, bytes, rate, ETA of the whole run. */
export function renderTotalLine(progress: RunProgress, now: number, width: number, color: boolean): string {
  const files =
    progress.filesTotal === undefined
      ? plural(progress.filesDone, 'file')
      : `${progress.filesDone}/${plural(progress.filesTotal, 'file')}`;
  const failed = progress.filesFailed > 0 ? `${progress.filesFailed} failed` : '';
  const head = `Total ${files}`;
  const label = failed ? `${head}, ${failed}` : head;
  const rate = progress.rate(now);
  const total = progress.bytesTotal;
  const line =
    total === undefined
      ? composeLine(
          label,
          undefined,
          [formatBytes(progress.bytesProcessed).padStart(21), formatRate(rate).padStart(12)],
          width,
          color,
          displayWidth(label),
        )
      : composeLine(
          label,
          total > 0 ? Math.min(progress.bytesProcessed, total) / total : 1,
          infoPieces(Math.min(progress.bytesProcessed, total), total, rate),
          width,
          color,
          displayWidth(label),
        );
  if (!color) return line;
  // Pieces are measured uncoloured and coloured afterwards, so escapes never count as columns.
  const coloured = line.replace(head, paint('bold', head, true));
  return failed ? coloured.replace(failed, paint('red', failed, true)) : coloured;
}

const RESULT: Record<FileOutcome['outcome'], { symbol: string; style: StyleName }> = {
  uploaded: { symbol: '✔', style: 'green' },
  rapid: { symbol: '✔', style: 'cyan' },
  exist: { symbol: '✔', style: 'cyan' },
  unchanged: { symbol: '·', style: 'dim' },
  planned: { symbol: '○', style: 'blue' },
  skipped: { symbol: '–', style: 'yellow' },
  conflict: { symbol: '!', style: 'yellow' },
  failed: { symbol: '✖', style: 'red' },
};

/** The persistent one-line result printed above the bars when a file finishes. */
export function renderResultLine(file: FileOutcome, width: number, color: boolean): string {
  const { symbol, style } = RESULT[file.outcome];
  const word = (file.outcome === 'planned' ? 'would send' : file.outcome).padEnd(9);
  const sentNothing =
    file.outcome === 'rapid' || file.outcome === 'exist' || file.outcome === 'unchanged' || file.outcome === 'planned';
  const size = sentNothing ? `${formatBytes(file.size)}, nothing sent` : formatBytes(file.size);
  const why = file.error ? `: ${sanitizeText(file.error)}` : '';
  const plain = `${symbol} ${word} ${sanitizeText(file.path)} (${size})${why}`;
  const fitted = truncateEnd(plain, Math.max(8, width - 1));
  const cut = fitted.length < plain.length ? `${fitted.slice(0, -1)}…` : fitted;
  return color
    ? paint(style, cut.slice(0, symbol.length + 1 + word.length), true) + cut.slice(symbol.length + 1 + word.length)
    : cut;
}
