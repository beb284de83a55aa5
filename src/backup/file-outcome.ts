/** The one place a file's outcome is built, and what counts as stored. */
import type { FileOutcome, FileOutcomeKind } from './events.js';

/** What an outcome needs to know of the file: its paths and size. */
export interface OutcomeFile {
  relPath: string;
  absPath: string;
  size: number;
}

/** A file's outcome: no byte sent unless `extra` says so. */
export function outcomeOf(file: OutcomeFile, outcome: FileOutcomeKind, extra: Partial<FileOutcome> = {}): FileOutcome {
  return { path: file.relPath, absPath: file.absPath, size: file.size, outcome, bytesSent: 0, ...extra };
}

const STORED: ReadonlySet<FileOutcomeKind> = new Set(['uploaded', 'rapid', 'exist', 'unchanged']);

/** Outcomes that leave the file stored in the run's record. */
export function isStored(o: FileOutcome): boolean {
  return STORED.has(o.outcome);
}
