import type { FileOutcome, RunTotals } from '../backup/events.js';
import { formatBytes, formatDuration, formatRate, plural, throughput } from './format.js';
import { countOf, OUTCOME_ORDER, plannedCount, rapidSavings } from './summary.js';
import { sanitizeText } from './terminal-text.js';

export interface MarkdownSummaryOptions {
  recordId?: string;
  exitCode?: number;
  reason?: string;
  /** Most failures listed before "… and N more" (default 100). */
  maxFailures?: number;
  /**
   * Bytes per outcome, counted from the run's `file:done` events: the summary event lists only the
   * files that need attention, so the sizes of the others cannot come from `files`.
   */
  sizes?: Partial<Record<FileOutcome['outcome'], number>>;
}

const LABELS: Record<string, string> = {
  uploaded: 'Uploaded',
  rapid: 'Rapid upload (server had the content)',
  exist: 'Already on the server',
  unchanged: 'Unchanged since last run',
  skipped: 'Skipped',
  conflict: 'Conflict',
  failed: 'Failed',
};

/** Escapes text for a Markdown table cell: no pipes, no line breaks, no markup or HTML. */
export function markdownCell(text: string): string {
  return sanitizeText(text).replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`);
}

/** The run as GitHub-flavoured Markdown (for $GITHUB_STEP_SUMMARY): outcome table, bytes, time, failures. */
export function renderMarkdownSummary(
  totals: RunTotals,
  files: readonly FileOutcome[],
  options: MarkdownSummaryOptions = {},
): string {
  const maxFailures = options.maxFailures ?? 100;
  const ok = totals.failed === 0 && (options.exitCode ?? 0) === 0;
  const sizeOf = (kind: FileOutcome['outcome']) =>
    options.sizes?.[kind] ?? files.filter((f) => f.outcome === kind).reduce((sum, f) => sum + f.size, 0);
  const out: string[] = [
    `### KooDrive backup ${ok ? 'succeeded' : 'finished with errors'}: ${plural(totals.files, 'file')}, ` +
      `${totals.failed} failed`,
    '',
  ];
  if (options.recordId) out.push(`Record \`${options.recordId.replace(/`/g, '')}\``, '');
  if (options.reason) out.push(`> ${markdownCell(options.reason)}`, '');
  out.push('| Outcome | Files | Size |', '| --- | ---: | ---: |');
  const planned = plannedCount(files, totals);
  for (const { kind } of OUTCOME_ORDER) {
    out.push(`| ${LABELS[kind]} | ${countOf(totals, kind, planned)} | ${formatBytes(sizeOf(kind))} |`);
  }
  if (planned > 0) out.push(`| Would send (dry run, nothing sent) | ${planned} | ${formatBytes(sizeOf('planned'))} |`);
  out.push(`| **Total** | **${totals.files}** | **${formatBytes(totals.bytesTotal)}** |`, '');
  out.push(
    '| Transfer | |',
    '| --- | ---: |',
    `| Bytes sent | ${formatBytes(totals.bytesSent)} |`,
    `| Bytes backed up (stored) | ${formatBytes(totals.bytesBackedUp)} of ${formatBytes(totals.bytesTotal)} |`,
    `| Saved by rapid upload | ${formatBytes(rapidSavings(files, totals))} |`,
    `| Duration | ${formatDuration(totals.durationMs)} |`,
    `| Throughput | ${formatRate(throughput(totals.bytesSent, totals.durationMs))} |`,
  );
  const failures = files.filter((f) => f.outcome === 'failed' || f.outcome === 'conflict');
  if (failures.length > 0) {
    out.push('', '#### Not backed up', '', '| File | Outcome | Error |', '| --- | --- | --- |');
    for (const file of failures.slice(0, maxFailures)) {
      out.push(`| ${markdownCell(file.path)} | ${file.outcome} | ${markdownCell(file.error ?? '')} |`);
    }
    if (failures.length > maxFailures) out.push('', `… and ${failures.length - maxFailures} more`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * A run that stopped with a fatal error (bad configuration, credentials refused, lock busy): a
 * heading that says it failed and with which exit code, the reason, and what was done before it
 * stopped, if anything.
 */
export function renderFatalMarkdown(
  totals: RunTotals,
  files: readonly FileOutcome[],
  options: MarkdownSummaryOptions & { exitCode: number; reason: string },
): string {
  const out = [
    `### KooDrive backup failed: exit code ${options.exitCode}`,
    '',
    `> ${markdownCell(options.reason)}`,
    '',
  ];
  if (files.length === 0) return `${out.join('\n')}\n`;
  // Files done before the error: the usual tables, under their own heading.
  const details = renderMarkdownSummary(totals, files, {
    ...(options.recordId ? { recordId: options.recordId } : {}),
    exitCode: options.exitCode,
  })
    .split('\n')
    .slice(2);
  return `${[...out, ...details].join('\n')}`;
}
