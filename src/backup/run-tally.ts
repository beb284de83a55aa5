/**
 * What a run keeps of its files once they are done, so that its memory is bounded by the work in
 * flight, not by the tree (issue 16): running totals, the few files that need attention (failed,
 * conflict), and — for finishing the record — the stored files, in a few bytes of memory each
 * (stored-files.ts). The full per-file list is the `file:done` stream.
 */
import type { FileOutcome, FileOutcomeKind, RunTotals } from './events.js';
import type { StoredFiles } from './stored-files.js';

/** Outcomes that leave the file stored in the run's record. */
const STORED: ReadonlySet<FileOutcomeKind> = new Set(['uploaded', 'rapid', 'exist', 'unchanged']);

/** Outcomes that a summary and a report list file by file. */
const ATTENTION: ReadonlySet<FileOutcomeKind> = new Set(['failed', 'conflict']);

export class RunTally {
  private readonly counts: Record<FileOutcomeKind, number> = {
    uploaded: 0,
    rapid: 0,
    exist: 0,
    unchanged: 0,
    planned: 0,
    skipped: 0,
    conflict: 0,
    failed: 0,
  };
  private bytesTotal = 0;
  private bytesBackedUp = 0;
  private bytesSent = 0;
  private bytesRapid = 0;
  private bytesExist = 0;
  /** Failed and conflicting files, in the order they ended. */
  readonly attention: FileOutcome[] = [];
  /** The first space id the server named (create's answer). */
  containerId: string | undefined;

  /** `stored`: where to remember stored files for finish-record (not needed for dry runs). */
  constructor(readonly stored?: StoredFiles) {}

  add(o: FileOutcome): void {
    this.counts[o.outcome]++;
    this.bytesTotal += o.size;
    this.bytesSent += o.bytesSent;
    if (STORED.has(o.outcome)) this.bytesBackedUp += o.size;
    if (o.outcome === 'rapid') this.bytesRapid += o.size;
    if (o.outcome === 'exist') this.bytesExist += o.size;
    if (ATTENTION.has(o.outcome)) this.attention.push(o);
    if (o.containerId && this.containerId === undefined) this.containerId = o.containerId;
    if (this.stored && STORED.has(o.outcome) && o.sha256 && o.sha256.length === 64)
      this.stored.add({ sha256: o.sha256, relPath: o.path, absPath: o.absPath });
  }

  /** Every file counted (a stored one or not). */
  get fileCount(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  /** True when every counted file is stored in the record. */
  get allStored(): boolean {
    return this.counts.planned + this.counts.skipped + this.counts.conflict + this.counts.failed === 0;
  }

  get storedCount(): number {
    return this.stored?.count ?? 0;
  }

  totals(durationMs: number): RunTotals {
    const c = this.counts;
    return {
      files: this.fileCount,
      uploaded: c.uploaded,
      rapid: c.rapid,
      exist: c.exist,
      unchanged: c.unchanged,
      skipped: c.skipped + c.planned,
      conflict: c.conflict,
      failed: c.failed,
      // Every file of the run, so the numbers add up whatever happened (stopped, failed, conflicts).
      bytesTotal: this.bytesTotal,
      bytesBackedUp: this.bytesBackedUp,
      bytesSent: this.bytesSent,
      durationMs,
      plannedFiles: c.planned,
      bytesRapid: this.bytesRapid,
      bytesExist: this.bytesExist,
    };
  }
}
