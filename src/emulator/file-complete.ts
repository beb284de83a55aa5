/** POST files/complete: every part present, the hashCtx chain closed, proofCode right → one blob. */
import { CODES } from './codes.js';
import { proofCodeOfBytes } from './rules/proof-code.js';
import type { ApiRequest, EmulatorContext } from './context.js';
import { jsonObject, requiredString } from './fields.js';
import { headerValue } from './http-io.js';
import { ApiError, ok, type Reply } from './reply.js';
import type { FileState } from './state.js';

/** proofCode does not match the bytes (at create for rapid uploads, at complete otherwise). */
export function proofError(): ApiError {
  return new ApiError(
    CODES.PROOF_CODE_INVALID,
    'proofCode does not match the file content for this seed (check the proofCode seed: X-User-Id by default)',
  );
}

function checkFailure(file: FileState, why: string): ApiError {
  return new ApiError(
    CODES.FILE_COMPLETE_CHECK_FAILURE,
    `file "${file.fileName}" (${file.fileId}) failed the integrity check: ${why}`,
  );
}

/** The first reason the received parts do not make up the file, or undefined. */
function chainProblem(file: FileState): string | undefined {
  const missing = file.parts.filter((p) => !file.received[String(p.partNumber)]).map((p) => p.partNumber);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, … (${missing.length} in all)` : '');
    return `part(s) ${shown} not uploaded; PUT them and complete again`;
  }
  for (const p of file.parts) {
    const got = file.received[String(p.partNumber)]!;
    const next = file.parts[p.partNumber];
    if (next) {
      if (!got.endWords || !got.endWords.every((w, i) => w === next.hashCtx[i]))
        return `part ${p.partNumber} does not end in part ${next.partNumber}'s hashCtx`;
    } else if (got.digest !== file.sha256) {
      return `the parts hash to ${got.digest ?? 'nothing'}, not to sha256 ${file.sha256}`;
    }
  }
  return undefined;
}

/** Completes an uploading file (idempotent for a complete one); throws ApiError on any check. */
export async function finishFile(ctx: EmulatorContext, file: FileState): Promise<void> {
  if (file.status === 'complete') return;
  if (file.status === 'completing')
    throw new ApiError(CODES.CHANGE_FILE_STATE_FAILURE, `file ${file.fileId} is being completed by another call`);
  const problem = chainProblem(file);
  if (problem) throw checkFailure(file, problem);
  file.status = 'completing';
  try {
    try {
      if (file.proofSlice) {
        const bytes = ctx.blobs.readPartsRange(file.fileId, file.proofSlice.start, file.proofSlice.end);
        if (proofCodeOfBytes(bytes) !== file.proofCode) throw proofError();
      }
      const started = performance.now();
      ctx.blobs.assemble(file.fileId, file.length, file.sha256);
      ctx.stats.assembled(performance.now() - started);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      // The stored bytes are gone (the data folder was tampered with): forget them so PUTs store anew.
      file.status = 'uploading';
      file.received = {};
      ctx.store.fileChanged(file);
      throw checkFailure(
        file,
        `the stored parts cannot be read (${(err as NodeJS.ErrnoException).code ?? 'I/O error'}); PUT them again`,
      );
    }
  } catch (err) {
    file.status = 'uploading';
    throw err;
  }
  file.status = 'complete';
  file.completeTime = ctx.now().toISOString();
  // The plan and the part states served the upload; keep state.json small for big backups.
  file.received = {};
  file.partCount = file.parts.length;
  file.parts = [];
  ctx.stats.count('filesCompleted');
  ctx.store.fileChanged(file); // its parts file became the blob: nothing to remove
}

/** POST files/complete {fileId, sha256?}. */
export async function completeFile(ctx: EmulatorContext, api: ApiRequest): Promise<Reply> {
  const body = jsonObject(api.body, headerValue(api.req, 'content-type'));
  const fileId = requiredString(body, 'fileId');
  const sha256 = body.sha256;
  if (sha256 !== undefined && (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))) {
    throw new ApiError(CODES.PARAMETER_INVALID, 'sha256 must be 64 lowercase hex digits');
  }
  const file = ctx.store.state.files[fileId];
  if (!file)
    throw new ApiError(CODES.NOT_EXIST_UPLOAD_TASK, `no upload task for fileId ${fileId}; create the file again`);
  if (sha256 !== undefined && sha256 !== file.sha256)
    throw checkFailure(file, `sha256 ${sha256} is not the one given at create (${file.sha256})`);
  await finishFile(ctx, file);
  return ok({}, 'success.');
}
