/** Presigned part URLs: issued by createBackupFile and by POST files/multipart/uploadUrl (§4.2). */
import { CODES } from './codes.js';
import type { WirePart } from './wire.js';
import type { WirePartWithUrl } from './wire.js';
import type { ApiRequest, EmulatorContext } from './context.js';
import { jsonObject, requiredString, wirePartsOf } from './fields.js';
import { headerValue } from './http-io.js';
import { ApiError, ok, type Reply } from './reply.js';
import type { FileState } from './state.js';

/** The wire parts with a fresh uploadUrl each (the first `limit` of them). */
export function partsWithUrls(
  ctx: EmulatorContext,
  file: FileState,
  parts: readonly WirePart[],
  limit: number,
): WirePartWithUrl[] {
  const ttl = ctx.faults.urlTtlOverride() ?? ctx.settings.urlTtlSeconds;
  const now = ctx.now();
  return parts.map((p, i) => {
    const wire: WirePartWithUrl = {
      partNumber: p.partNumber,
      partSize: p.partSize,
      partOffset: p.partOffset,
      hashCtx: [...p.hashCtx],
    };
    if (i < limit) {
      wire.uploadUrl = ctx.signer.sign(ctx.baseUrl(), file.fileId, file.uploadId, p, ttl, now);
      wire.partId = `${file.uploadId}-${p.partNumber}`;
    }
    return wire;
  });
}

/** The file behind a fileId whose upload is still open, or NOT_EXIST_UPLOAD_TASK. */
export function openUpload(ctx: EmulatorContext, fileId: string): FileState {
  const file = ctx.store.state.files[fileId];
  if (!file)
    throw new ApiError(CODES.NOT_EXIST_UPLOAD_TASK, `no upload task for fileId ${fileId}; create the file again`);
  if (file.status === 'complete')
    throw new ApiError(
      CODES.NOT_EXIST_UPLOAD_TASK,
      `file ${fileId} is already complete; there is nothing left to upload`,
    );
  return file;
}

function sameWords(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}

/** POST files/multipart/uploadUrl {fileId, multiParts}: parts must be those given at create. */
export function refreshUploadUrls(ctx: EmulatorContext, api: ApiRequest): Reply {
  const body = jsonObject(api.body, headerValue(api.req, 'content-type'));
  const fileId = requiredString(body, 'fileId');
  const asked = wirePartsOf(body);
  if (asked.length === 0)
    throw new ApiError(CODES.PARAMETER_INVALID, 'multiParts is empty; list the parts that need a URL');
  const max = ctx.settings.maxUrlsPerCall;
  if (asked.length > max)
    throw new ApiError(CODES.PARAMETER_INVALID, `multiParts asks for ${asked.length} URLs; at most ${max} per call`);
  const file = openUpload(ctx, fileId);
  for (const p of asked) {
    const planned = file.parts[p.partNumber - 1];
    if (!planned || planned.partNumber !== p.partNumber)
      throw new ApiError(
        CODES.PARAMETER_INVALID,
        `part ${p.partNumber} is not a part of file ${fileId} (it has ${file.parts.length})`,
      );
    if (planned.partSize !== p.partSize || planned.partOffset !== p.partOffset) {
      throw new ApiError(
        CODES.PARAMETER_INVALID,
        `part ${p.partNumber}: partSize/partOffset ${p.partSize}/${p.partOffset} differ from the plan given ` +
          `at create (${planned.partSize}/${planned.partOffset})`,
      );
    }
    if (!sameWords(planned.hashCtx, p.hashCtx)) {
      throw new ApiError(CODES.HASH_CTX_MISMATCH, `part ${p.partNumber}: hashCtx differs from the one given at create`);
    }
  }
  return ok({ multiParts: partsWithUrls(ctx, file, asked, max) });
}
