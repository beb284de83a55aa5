/** GET backup/record/{recordId}/files: the record's complete files, in creation order, paged. */
import type { BackupFileEntry } from './wire.js';
import type { ApiRequest, EmulatorContext } from './context.js';
import { cursorIndex, pageOf } from './fields.js';
import { recordOf } from './records.js';
import { ok, type Reply } from './reply.js';
import type { FileState } from './state.js';

function toEntry(file: FileState): BackupFileEntry {
  const entry: BackupFileEntry = {
    fileId: file.fileId,
    fileName: file.fileName,
    sha256: file.sha256,
    size: file.length,
    createTime: file.createTime,
  };
  if (file.description !== undefined) entry.description = file.description;
  return entry;
}

export function listBackupFiles(ctx: EmulatorContext, api: ApiRequest): Reply {
  const record = recordOf(ctx, api.param);
  const { pageSize, cursor } = pageOf(api.query);
  // Unfinished files are left out (documented choice): a verify then sees them as missing. The
  // cursor is a position in the record's file list, so a page costs its own size, not the record's
  // (a record of a million files is listed in linear time, not quadratic).
  const ids = record.fileIds;
  const page: FileState[] = [];
  let at = cursorIndex(cursor);
  for (; at < ids.length && page.length < pageSize; at++) {
    const f = ctx.store.state.files[ids[at]!];
    if (f?.status === 'complete') page.push(f);
  }
  while (at < ids.length && ctx.store.state.files[ids[at]!]?.status !== 'complete') at++;
  const next = at < ids.length ? `c${at}` : undefined;
  return ok({ data: page.map(toEntry), ...(next ? { nextCursor: next } : {}) });
}
