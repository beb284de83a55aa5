/** GET backup/record/{recordId}/files: the record's complete files, in creation order, paged. */
import type { BackupFileEntry } from '../koodrive/wire-types.js';
import type { ApiRequest, EmulatorContext } from './context.js';
import { cursorIndex, pageOf } from './fields.js';
import { recordOf } from './records.js';
import { ok, type Reply } from './reply.js';
import type { FileState } from './state.js';

function toEntry(file: FileState): BackupFileEntry {
  const entry: BackupFileEntry = { fileId: file.fileId, fileName: file.fileName, sha256: file.sha256, size: file.length, createTime: file.createTime };
  if (file.description !== undefined) entry.description = file.description;
  return entry;
}

export function listBackupFiles(ctx: EmulatorContext, api: ApiRequest): Reply {
  const record = recordOf(ctx, api.param);
  const { pageSize, cursor } = pageOf(api.query);
  // Unfinished files are left out (documented choice): a verify then sees them as missing.
  const files = record.fileIds.map((id) => ctx.store.state.files[id]).filter((f): f is FileState => f?.status === 'complete');
  const from = cursorIndex(cursor);
  const page = files.slice(from, from + pageSize);
  const next = from + pageSize < files.length ? `c${from + pageSize}` : undefined;
  return ok({ data: page.map(toEntry), ...(next ? { nextCursor: next } : {}) });
}
