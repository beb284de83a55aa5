/** Backup records (reference §3.4–3.8): create, list, get, complete, delete. */
import { CODES } from './codes.js';
import type { BackupRecord } from './wire.js';
import type { ApiRequest, EmulatorContext } from './context.js';
import { cursorIndex, jsonObject, moduleCodeOf, pageOf, propertiesOf, requiredString } from './fields.js';
import { finishFile } from './file-complete.js';
import { shaRefCount, unindexFile } from './folder-index.js';
import { headerValue } from './http-io.js';
import { newRecordId } from './ids.js';
import { requireLock } from './locks.js';
import { ApiError, ok, type Reply } from './reply.js';
import type { FileState, RecordState } from './state.js';

function toWire(record: RecordState): BackupRecord {
  const wire: BackupRecord = {
    recordId: record.recordId,
    moduleCode: record.moduleCode,
    status: record.status,
    version: record.version,
    createTime: record.createTime,
    deviceInfo: { deviceId: record.deviceId, createTime: record.createTime },
  };
  if (record.properties !== undefined) wire.properties = record.properties;
  if (record.endTime !== undefined) wire.endTime = record.endTime;
  return wire;
}

/** The record a path names, or RECORD_NOT_FOUND. */
export function recordOf(ctx: EmulatorContext, recordId: string | undefined): RecordState {
  const record = recordId === undefined ? undefined : ctx.store.state.records[recordId];
  if (!record) throw new ApiError(CODES.RECORD_NOT_FOUND, `backup record ${recordId ?? ''} does not exist`);
  return record;
}

/** Refuses changes to a completed record. */
export function assertOpen(record: RecordState): void {
  if (record.status !== 0)
    throw new ApiError(
      CODES.RECORD_COMPLETED,
      `backup record ${record.recordId} is already completed; create a new record for a new backup`,
    );
}

/** POST backup/record {moduleCode, deviceId, properties?}. */
export async function createRecord(ctx: EmulatorContext, api: ApiRequest): Promise<Reply> {
  const body = jsonObject(api.body, headerValue(api.req, 'content-type'));
  const moduleCode = moduleCodeOf(body.moduleCode);
  requireLock(ctx, api, moduleCode);
  const deviceId = requiredString(body, 'deviceId');
  const properties = propertiesOf(body);
  const record: RecordState = {
    recordId: newRecordId(),
    moduleCode,
    deviceId,
    status: 0,
    version: 1,
    createTime: ctx.now().toISOString(),
    fileIds: [],
  };
  if (properties !== undefined) record.properties = properties;
  ctx.store.state.records[record.recordId] = record;
  ctx.store.recordChanged(record);
  return ok({ data: toWire(record) });
}

/** GET backup/record?moduleCode&pageSize&cursor&deviceId. */
export function listRecords(ctx: EmulatorContext, api: ApiRequest): Reply {
  const moduleCode = moduleCodeOf(api.query.get('moduleCode'), 'query parameter moduleCode');
  const { pageSize, cursor } = pageOf(api.query);
  const deviceId = api.query.get('deviceId');
  const matching = Object.values(ctx.store.state.records).filter(
    (r) => r.moduleCode === moduleCode && (deviceId === undefined || r.deviceId === deviceId),
  );
  const from = cursorIndex(cursor);
  const page = matching.slice(from, from + pageSize);
  const next = from + pageSize < matching.length ? `c${from + pageSize}` : undefined;
  return ok({ data: page.map(toWire), ...(next ? { nextCursor: next } : {}) });
}

/** GET backup/record/{recordId}. */
export function getRecord(ctx: EmulatorContext, api: ApiRequest): Reply {
  return ok({ data: toWire(recordOf(ctx, api.param)) });
}

/** PATCH backup/record/{recordId} {properties?}: status 1, unless a file is still uploading. */
export async function completeRecord(ctx: EmulatorContext, api: ApiRequest): Promise<Reply> {
  const record = recordOf(ctx, api.param);
  requireLock(ctx, api, record.moduleCode);
  assertOpen(record);
  const body = jsonObject(api.body, headerValue(api.req, 'content-type'), true);
  const properties = propertiesOf(body);
  for (const fileId of record.fileIds) {
    const file = ctx.store.state.files[fileId];
    if (!file || file.status === 'complete') continue;
    if (!ctx.settings.autoCompleteFiles) {
      throw new ApiError(
        CODES.RECORD_FILES_INCOMPLETE,
        `file "${file.fileName}" (${file.fileId}) of record ${record.recordId} is not complete yet`,
      );
    }
    try {
      await finishFile(ctx, file);
    } catch (err) {
      const why = err instanceof ApiError ? err.message : String(err);
      throw new ApiError(
        CODES.RECORD_FILES_INCOMPLETE,
        `file "${file.fileName}" (${file.fileId}) of record ${record.recordId} cannot be completed: ${why}`,
      );
    }
  }
  if (ctx.store.state.records[record.recordId] !== record) recordOf(ctx, record.recordId); // deleted meanwhile
  if (record.status !== 0) assertOpen(record); // completed meanwhile by a concurrent call
  record.status = 1;
  record.endTime = ctx.now().toISOString();
  if (properties !== undefined) record.properties = properties;
  ctx.stats.count('recordsCompleted');
  ctx.store.recordChanged(record);
  return ok();
}

/**
 * DELETE backup/record/{recordId} (reference §3.8): the record and all its files, complete or still
 * uploading (their parts go too). A blob goes only when no remaining file refers to its sha256.
 */
export async function deleteRecord(ctx: EmulatorContext, api: ApiRequest): Promise<Reply> {
  const record = recordOf(ctx, api.param);
  requireLock(ctx, api, record.moduleCode);
  const { state } = ctx.store;
  const files = record.fileIds.map((id) => state.files[id]).filter((f): f is FileState => f !== undefined);
  const busy = files.find((f) => f.status === 'completing');
  if (busy) {
    throw new ApiError(
      CODES.CHANGE_FILE_STATE_FAILURE,
      `file "${busy.fileName}" (${busy.fileId}) of record ${record.recordId} is being completed right now; ` +
        `delete the record again once that call answered`,
    );
  }
  // State and indexes change in one synchronous step: from here on no request sees the files.
  const unneeded = new Set<string>();
  const uploads: string[] = [];
  for (const file of files) {
    delete state.files[file.fileId];
    if (unindexFile(state, file) === 0) unneeded.add(file.sha256);
    if (file.status !== 'complete') uploads.push(file.fileId);
  }
  delete state.records[record.recordId];
  ctx.store.recordChanged(record); // its files go with it (state.ts)
  // The deletion reaches state.json before any blob goes, so a crash never leaves a complete file
  // without its bytes (at worst an unreferenced blob). A create may have taken up the content
  // meanwhile (a rapid upload): only blobs still referred to by nobody are removed.
  await ctx.store.flush();
  for (const sha256 of unneeded) if (shaRefCount(state, sha256) === 0) ctx.blobs.removeBlobSync(sha256);
  for (const fileId of uploads) ctx.blobs.removeParts(fileId);
  return ok();
}
