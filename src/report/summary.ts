import type { FileOutcome, FileOutcomeKind, RunTotals } from '../backup/events.js';
import { formatBytes, formatDuration, formatRate, plural, throughput } from './format.js';
import { paint, type StyleName } from './style.js';
import { sanitizeText } from './terminal-text.js';

export interface SummaryStyle {
  color: boolean;
  /** The backup record of the run (`verify --record-id` and `restore` need it); left out when empty or a dry run's. */
  recordId?: string;
  /** Most failures listed by name before "… and N more" (default 20). */
  maxFailures?: number;
}

/** Outcomes counted in RunTotals ('planned', the dry-run outcome, is counted from the files). */
export type CountedOutcome = Extract<FileOutcomeKind, keyof RunTotals>;

/** Outcome counts in the order they are shown, with the colour each gets when non-zero. */
export const OUTCOME_ORDER: ReadonlyArray<{ kind: CountedOutcome; label: string; style: StyleName }> = [
  { kind: 'uploaded', label: 'uploaded', style: 'green' },
  { kind: 'rapid', label: 'rapid', style: 'cyan' },
  { kind: 'exist', label: 'exist', style: 'cyan' },
  { kind: 'unchanged', label: 'unchanged', style: 'dim' },
  { kind: 'skipped', label: 'skipped', style: 'yellow' },
  { kind: 'conflict', label: 'conflict', style: 'yellow' },
  { kind: 'failed', label: 'failed', style: 'red' },
];

/** Bytes backed up without being sent because the server had the content (rapid upload). */
export function rapidSavings(files: readonly FileOutcome[], totals?: RunTotals): number {
  // the summary lists only the files that need attention
  if (totals?.bytesRapid !== undefined) return totals.bytesRapid;
  let saved = 0;
  for (const file of files) if (file.outcome === 'rapid') saved += file.size;
  return saved;
}

/** Bytes of files the record already held (outcome `exist`): nothing sent, and not a rapid upload. */
export function existBytes(files: readonly FileOutcome[], totals?: RunTotals): number {
  if (totals?.bytesExist !== undefined) return totals.bytesExist;
  let bytes = 0;
  for (const file of files) if (file.outcome === 'exist') bytes += file.size;
  return bytes;
}

/** A record id worth showing: a dry run's placeholder and a run that never got one have none. */
export function shownRecordId(recordId: string | undefined): string | undefined {
  return recordId && recordId !== '(dry-run)' ? recordId : undefined;
}

/** Files a dry run planned but did not send. */
export function plannedCount(files: readonly FileOutcome[], totals?: RunTotals): number {
  if (totals?.plannedFiles !== undefined) return totals.plannedFiles;
  return files.filter((f) => f.outcome === 'planned').length;
}

/** The count of one outcome; a dry run's planned files are folded into totals.skipped and shown apart. */
export function countOf(totals: RunTotals, kind: CountedOutcome, planned: number): number {
  return kind === 'skipped' ? Math.max(0, totals.skipped - planned) : totals[kind];
}

/** The outcome counts as "10 uploaded, 5 rapid, …, 0 failed" (zero counts left out, failed always shown). */
export function outcomeCounts(totals: RunTotals, color: boolean, planned = 0): string {
  const parts: string[] = planned > 0 ? [paint('blue', `${planned} would send (dry run)`, color)] : [];
  for (const { kind, label, style } of OUTCOME_ORDER) {
    const count = countOf(totals, kind, planned);
    if (count === 0 && kind !== 'failed') continue;
    parts.push(paint(count > 0 ? style : 'dim', `${count} ${label}`, color));
  }
  return parts.join(', ');
}

/** One line with the whole result, for --quiet and the end of plain logs. */
export function renderSummaryLine(
  totals: RunTotals,
  exitCode: number,
  reason?: string,
  planned = 0,
  recordId?: string,
): string {
  const rate = formatRate(throughput(totals.bytesSent, totals.durationMs));
  const record = shownRecordId(recordId);
  const head =
    `${totals.failed > 0 || exitCode !== 0 ? 'finished with errors' : 'done'}: ` +
    `${plural(totals.files, 'file')} ` +
    `(${outcomeCounts(totals, false, planned)})${record ? `; record ${sanitizeText(record)}` : ''}`;
  // "backed up" is what is stored now, out of every file of the run; "sent" is what went over the wire.
  const tail =
    `backed up ${formatBytes(totals.bytesBackedUp)} of ${formatBytes(totals.bytesTotal)}, sent ` +
    `${formatBytes(totals.bytesSent)} in ${formatDuration(totals.durationMs)} (${rate}), exit ${exitCode}`;
  return `${head}; ${tail}${reason ? ` — ${sanitizeText(reason)}` : ''}`;
}

/** The human summary: outcome counts, bytes sent vs backed up, time and throughput, failures. */
export function renderSummary(totals: RunTotals, files: readonly FileOutcome[], style: SummaryStyle): string[] {
  const { color } = style;
  const maxFailures = style.maxFailures ?? 20;
  const saved = rapidSavings(files, totals);
  const existing = existBytes(files, totals);
  const record = shownRecordId(style.recordId);
  const lines = [
    `${paint('bold', 'Files:', color)}  ${totals.files} total: ` +
      `${outcomeCounts(totals, color, plannedCount(files, totals))}`,
    `${paint('bold', 'Data:', color)}   ${formatBytes(totals.bytesSent)} sent, ` +
      `${formatBytes(totals.bytesBackedUp)} of ${formatBytes(totals.bytesTotal)} backed up` +
      (saved > 0 ? `, ${formatBytes(saved)} saved by rapid upload` : '') +
      (existing > 0 ? `, ${formatBytes(existing)} already on the server` : ''),
    `${paint('bold', 'Time:', color)}   ${formatDuration(totals.durationMs)}, ` +
      `${formatRate(throughput(totals.bytesSent, totals.durationMs))}`,
  ];
  // verify --record-id and restore need it: after the totals, before any failure list.
  if (record) lines.push(`${paint('bold', 'Record:', color)} ${sanitizeText(record)}`);
  const failures = files.filter((f) => f.outcome === 'failed' || f.outcome === 'conflict');
  if (failures.length > 0) {
    lines.push(paint('red', 'Not backed up:', color));
    for (const file of failures.slice(0, maxFailures)) {
      const why =
        file.error ?? (file.outcome === 'conflict' ? 'a different file of that name exists on the server' : 'failed');
      lines.push(`  ${sanitizeText(file.path)}: ${sanitizeText(why)}`);
    }
    if (failures.length > maxFailures) lines.push(`  … and ${failures.length - maxFailures} more`);
  }
  return lines;
}
