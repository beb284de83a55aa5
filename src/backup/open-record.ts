/** Which record a run adds its files to: the one named, the last run's unfinished one, or a new one. */
import { statSync } from 'node:fs';
import type { BackupRecord, CreateRecordRequest } from '../koodrive/wire-types.js';
import { MODULE_FOLDER_BACKUP } from '../koodrive/wire-types.js';
import type { FileVersion } from '../scan/local-file.js';
import type { EventSink } from './events.js';
import { abandonedUploads, type Journal } from './journal.js';

/** --record-id names a record that can take no more files. */
export class RecordCompletedError extends Error {
  override readonly name = 'RecordCompletedError';
}

/** The record calls opening a record needs. */
export interface RecordApi {
  createRecord(request: CreateRecordRequest): Promise<BackupRecord>;
  getRecord(recordId: string): Promise<BackupRecord>;
}

export interface OpenRecordOptions {
  recordId?: string;
  resume: boolean;
  roots: string[];
  deviceId: string;
  /** JSON string stored as the record's properties. */
  recordProperties: string;
}

/** Reuses --record-id, or the unfinished record of the last run, or creates a new one. */
export async function openRecord(
  api: RecordApi,
  opts: OpenRecordOptions,
  journal: Journal,
  emit: EventSink,
): Promise<string> {
  if (opts.recordId) {
    const record = await api.getRecord(opts.recordId);
    if (record.status !== 0)
      throw new RecordCompletedError(
        `record ${opts.recordId} is already completed; leave out --record-id to start a new one`,
      );
    if (journal.state.recordId !== opts.recordId)
      journal.append({ t: 'record', recordId: opts.recordId, roots: opts.roots });
    return opts.recordId;
  }
  const previous = journal.state.recordId;
  if (opts.resume && previous && !journal.state.recordComplete) {
    // Only the few files half-sent to that record matter: each is looked at on disk (the scan has
    // not run yet). One the filters now leave out is still found here; the record then cannot be
    // completed, and the new-record pass (completeRecordOrRedo) takes over.
    const abandoned = abandonedUploads(journal.state, previous, onDisk);
    if (abandoned.length > 0) {
      emit({
        type: 'warning',
        warning: { type: 'record:abandoned', recordId: previous, files: abandoned.length, example: abandoned[0]! },
      });
    } else {
      const record = await api.getRecord(previous).catch(() => undefined);
      if (record && record.status === 0) return previous;
    }
  }
  return startRecord(api, opts, journal);
}

/** Creates a new record and journals it. */
export async function startRecord(api: RecordApi, opts: OpenRecordOptions, journal: Journal): Promise<string> {
  const record = await api.createRecord({
    moduleCode: MODULE_FOLDER_BACKUP,
    deviceId: opts.deviceId,
    properties: opts.recordProperties,
  });
  journal.append({ t: 'record', recordId: record.recordId, roots: opts.roots });
  return record.recordId;
}

/** A file's version now, or undefined when it is gone (or not a regular file). */
function onDisk(absPath: string): FileVersion | undefined {
  try {
    const st = statSync(absPath);
    return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } : undefined;
  } catch {
    return undefined;
  }
}
