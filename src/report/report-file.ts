import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FileOutcomeKind, RunTotals } from '../backup/events.js';
import type { SummaryEvent } from './types.js';

/** One file in the report: where it came from, what the server calls it, how it ended. */
export interface ReportFileEntry {
  path: string;
  serverName?: string;
  fileId?: string;
  sha256?: string;
  size: number;
  outcome: FileOutcomeKind;
  error?: string;
}

/** The JSON document `--report <file>` writes. */
export interface BackupReport {
  recordId: string;
  exitCode: number;
  reason?: string;
  totals: RunTotals;
  files: ReportFileEntry[];
}

/** Why the report could not be written, and what to do about it. */
export class ReportFileError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`could not write the report to ${path}: ${why}; check that its folder exists and is writable`, { cause });
    this.name = 'ReportFileError';
  }
}

const CHUNK_CHARS = 64 * 1024;

function entryOf(file: SummaryEvent['files'][number]): ReportFileEntry {
  const entry: ReportFileEntry = { path: file.path, size: file.size, outcome: file.outcome };
  if (file.serverName !== undefined) entry.serverName = file.serverName;
  if (file.fileId !== undefined) entry.fileId = file.fileId;
  if (file.sha256 !== undefined) entry.sha256 = file.sha256;
  if (file.error !== undefined) entry.error = file.error;
  return entry;
}

/**
 * Writes the run's report as one JSON document, atomically: into a temp file beside the target,
 * flushed to disk, then renamed over it, so a reader never sees half a report. File entries are
 * written in bounded chunks, so a run of a million files never builds the whole text in memory.
 */
export async function writeReport(path: string, summary: SummaryEvent): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx');
    const head: Omit<BackupReport, 'files'> = {
      recordId: summary.recordId,
      exitCode: summary.exitCode,
      totals: summary.totals,
    };
    if (summary.reason !== undefined) head.reason = summary.reason;
    const headText = JSON.stringify(head, null, 2); // ends with "\n}"
    let chunk = `${headText.slice(0, -2)},\n  "files": [`;
    for (const [index, file] of summary.files.entries()) {
      chunk += `${index === 0 ? '' : ','}\n    ${JSON.stringify(entryOf(file))}`;
      if (chunk.length >= CHUNK_CHARS) {
        await handle.write(chunk);
        chunk = '';
      }
    }
    chunk += summary.files.length > 0 ? '\n  ]\n}\n' : ']\n}\n';
    await handle.write(chunk);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw new ReportFileError(path, error);
  }
}
