/** POST backup/record/{recordId}/file: names and clashes, rapid upload, or a new multipart upload. */
import { CODES } from './codes.js';
import { proofCodeOfBytes, proofRange } from './rules/proof-code.js';
import { renamedName } from './rules/rename.js';
import type { ApiRequest, EmulatorContext } from './context.js';
import { jsonObject } from './fields.js';
import { proofError } from './file-complete.js';
import { readFileRequest, type FileRequest } from './file-request.js';
import { indexFile, namesInScope } from './folder-index.js';
import { headerValue } from './http-io.js';
import { containerIdOf, newFileId, newUploadId, resolvedFolderId } from './ids.js';
import { requireLock } from './locks.js';
import { assertOpen, recordOf } from './records.js';
import { ApiError, ok, type Reply } from './reply.js';
import type { FileState } from './state.js';
import { partsWithUrls } from './upload-urls.js';

/** A name not taken in the folder: the rename suffix, then a counter if even that is taken. */
function freeName(name: string, taken: { has(name: string): boolean }, now: Date): string {
  for (let attempt = 1; ; attempt++) {
    const candidate = renamedName(name, now, attempt);
    if (!taken.has(candidate)) return candidate;
  }
}

/** parentFolder must name a folder of the space: "root" (or its resolved id) or one of EmulatorOptions.folders. */
function folderOf(ctx: EmulatorContext, parentFolder: string, ownContainer: string): string {
  const folderId = resolvedFolderId(parentFolder, ownContainer);
  if (folderId !== resolvedFolderId('root', ownContainer) && !ctx.settings.folders.has(parentFolder)) {
    throw new ApiError(
      CODES.TARGET_FOLDER_ABNORMAL,
      `parentFolder ${parentFolder} is not a folder of this space; use "root" or an existing folder id`,
    );
  }
  return folderId;
}

export async function createBackupFile(ctx: EmulatorContext, api: ApiRequest): Promise<Reply> {
  const record = recordOf(ctx, api.param);
  requireLock(ctx, api, record.moduleCode);
  assertOpen(record);
  const request = readFileRequest(
    jsonObject(api.body, headerValue(api.req, 'content-type')),
    ctx.settings.forbidSpaceInName,
  );
  const ownContainer = containerIdOf(ctx.settings.userId);
  if (request.containerId !== undefined && request.containerId !== ownContainer) {
    throw new ApiError(
      CODES.CONTAINER_NOT_EXIST_OR_STATE_ERROR,
      `containerId ${request.containerId} is not this user's space; omit it or use ${ownContainer}`,
    );
  }
  const folderId = folderOf(ctx, request.parentFolder, ownContainer);
  const slice = proofRange(api.proofOrigin, request.length);
  // Blocking calls: a record deletion cannot remove the blob between this look and the proof check.
  const rapid = ctx.blobs.hasBlob(request.sha256);
  // The content is known: the proof can (and must) be checked now.
  if (
    rapid &&
    slice &&
    proofCodeOfBytes(ctx.blobs.readBlobRange(request.sha256, slice.start, slice.end)) !== request.proofCode
  )
    throw proofError();

  // From here on nothing awaits, so two concurrent creates cannot take the same name.
  // The record may have been deleted or completed while we read the blob.
  if (ctx.store.state.records[record.recordId] !== record)
    throw new ApiError(CODES.RECORD_NOT_FOUND, `backup record ${record.recordId} was deleted meanwhile`);
  assertOpen(record);
  // Clashes are looked up in the folder of the space: among this record's files (nameScope
  // 'record', the default) or every record's (nameScope 'folder').
  const siblings = namesInScope(ctx.store.state, ctx.settings.nameScope, ownContainer, folderId, record.recordId);
  const clash = siblings.get(request.fileName)?.[0];
  let fileName = request.fileName;
  if (clash) {
    if (request.autoRename === 3) {
      throw new ApiError(
        CODES.DUPLICATE_FILE_NAME,
        `a file named "${clash.fileName}" already exists in this ` +
          `folder${ctx.settings.nameScope === 'record' ? ' of this record' : ''} (autoRename 3 refuses ` +
          `clashes)`,
        400,
        { existFileId: clash.fileId },
      );
    }
    if (request.autoRename === 4) {
      const same = siblings.get(request.fileName)?.find((f) => f.sha256 === request.sha256 && f.status === 'complete');
      if (same) {
        return ok(
          {
            fileId: same.fileId,
            fileName: same.fileName,
            exist: true,
            rapidUpload: false,
            containerId: ownContainer,
            parentFolder: [folderId],
          },
          'Success.',
        );
      }
    }
    fileName = freeName(request.fileName, siblings, ctx.now());
  }
  const file = newFileState(ctx, record.recordId, request, { fileName, containerId: ownContainer, folderId, rapid });
  if (slice) file.proofSlice = slice;
  ctx.store.state.files[file.fileId] = file;
  indexFile(ctx.store.state, file);
  record.fileIds.push(file.fileId);
  if (rapid) ctx.stats.count('rapidUploads');
  ctx.store.fileChanged(file);

  const common = {
    fileId: file.fileId,
    fileName,
    exist: false,
    containerId: ownContainer,
    parentFolder: [folderId],
    matchedPreHash: rapid,
  };
  if (rapid) return ok({ ...common, rapidUpload: true }, 'Success.');
  return ok(
    {
      ...common,
      rapidUpload: false,
      uploadId: file.uploadId,
      multiParts: partsWithUrls(ctx, file, file.parts, ctx.settings.maxUrlsPerCall),
    },
    'Success.',
  );
}

interface Placement {
  fileName: string;
  containerId: string;
  folderId: string;
  rapid: boolean;
}

function newFileState(ctx: EmulatorContext, recordId: string, request: FileRequest, where: Placement): FileState {
  const now = ctx.now().toISOString();
  const file: FileState = {
    fileId: newFileId(),
    recordId,
    containerId: where.containerId,
    parentFolder: where.folderId,
    fileName: where.fileName,
    sha256: request.sha256,
    length: request.length,
    status: where.rapid ? 'complete' : 'uploading',
    rapid: where.rapid,
    uploadId: newUploadId(),
    parts: request.parts.map((p) => ({
      partNumber: p.partNumber,
      partOffset: p.partOffset,
      partSize: p.partSize,
      hashCtx: [...p.hashCtx],
    })),
    received: {},
    createTime: now,
  };
  if (where.rapid) {
    // Nothing will be uploaded: the plan is not needed, only its size.
    file.completeTime = now;
    file.partCount = file.parts.length;
    file.parts = [];
  }
  if (request.description !== undefined) file.description = request.description;
  if (request.mimeType !== undefined) file.mimeType = request.mimeType;
  if (request.fileType !== undefined) file.fileType = request.fileType;
  if (request.proofCode !== undefined) file.proofCode = request.proofCode;
  return file;
}
