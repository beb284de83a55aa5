/**
 * What a run keeps of its files once they are done, so that its memory is bounded by the work in
 * flight, not by the tree (issue 16): running totals, the few files that need attention (failed,
 * conflict), and — for finishing the record — one compact string per stored file (its sha256, its
 * path in the record and where it is on disk). The full per-file list is the `file:done` stream.
 */
import type { FileOutcome, FileOutcomeKind, RunTotals } from './events.js';

/** Outcomes that leave the file stored in the run's record. */
const STORED: ReadonlySet<FileOutcomeKind> = new Set(['uploaded', 'rapid', 'exist', 'unchanged']);

/** Outcomes that a summary and a report list file by file. */
const ATTENTION: ReadonlySet<FileOutcomeKind> = new Set(['failed', 'conflict']);

/** One stored file, as finish-record needs it. */
export interface StoredFile {
  /** Path in the record (root-prefixed, POSIX). */
  relPath: string;
  absPath: string;
  sha256: string;
}

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
  /** `sha256 + relPath + '\0' + absPath` of every stored file with a known sha256 (when kept). */
  private readonly stored: string[] = [];
  /** The first space id the server named (create's answer). */
  containerId: string | undefined;

  /** `keepStored`: remember stored files for finish-record (not needed for dry runs). */
  constructor(private readonly keepStored = false) {}

  add(o: FileOutcome): void {
    this.counts[o.outcome]++;
    this.bytesTotal += o.size;
    this.bytesSent += o.bytesSent;
    if (STORED.has(o.outcome)) this.bytesBackedUp += o.size;
    if (o.outcome === 'rapid') this.bytesRapid += o.size;
    if (o.outcome === 'exist') this.bytesExist += o.size;
    if (ATTENTION.has(o.outcome)) this.attention.push(o);
    if (o.containerId && this.containerId === undefined) this.containerId = o.containerId;
    if (this.keepStored && STORED.has(o.outcome) && o.sha256 && o.sha256.length === 64)
      this.stored.push(`${o.sha256}${o.path}\u0000${o.absPath}`);
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
    return this.stored.length;
  }

  /** The stored files, one at a time (the compact strings are unpacked lazily). */
  *storedFiles(): Generator<StoredFile> {
    for (const s of this.stored) {
      const cut = s.indexOf('\u0000', 64);
      yield { sha256: s.slice(0, 64), relPath: s.slice(64, cut), absPath: s.slice(cut + 1) };
    }
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
