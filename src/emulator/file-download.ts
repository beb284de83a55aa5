/**
 * Downloads: POST files/download (reference §4.6) hands out presigned GET URLs for complete files;
 * GET (or HEAD) of such a URL streams the blob from disk, honouring one `Range`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FileHandle } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CODES } from './codes.js';
import { DOWNLOAD_BATCH, type DownloadEntry } from './wire.js';
import type { ApiRequest, EmulatorContext } from './context.js';
import { jsonObject } from './fields.js';
import { headerValue, parseQueryPairs } from './http-io.js';
import { containerIdOf } from './ids.js';
import { ApiError, ok, S3Error, type Reply } from './reply.js';
import type { FileState } from './state.js';

function invalid(message: string): ApiError {
  return new ApiError(CODES.PARAMETER_INVALID, message);
}

function fileIdsOf(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > DOWNLOAD_BATCH) {
    throw invalid(`fileIds is required and must be an array of 1..${DOWNLOAD_BATCH} file ids`);
  }
  if (value.some((v) => typeof v !== 'string' || v === '')) throw invalid('fileIds must hold non-empty strings');
  return value as string[];
}

function entryOf(ctx: EmulatorContext, fileId: string, ttl: number, now: Date): DownloadEntry {
  const file = ctx.store.state.files[fileId];
  if (!file)
    return {
      fileId,
      code: CODES.RESOURCE_NOT_FOUND,
      msg: `no file ${fileId} in this space (it may have been deleted)`,
    };
  if (file.status !== 'complete') {
    return {
      fileId,
      fileName: file.fileName,
      code: CODES.DOWNLOAD_ADDRESS_MISSING,
      msg: `file ${fileId} is not complete (its upload is unfinished); it has no download address`,
    };
  }
  return {
    fileId,
    fileName: file.fileName,
    url: ctx.signer.signGet(ctx.baseUrl(), fileId, ttl, now),
    code: CODES.SUCCESS,
    msg: 'success',
  };
}

/** POST files/download {containerId, fileIds[1..100]} → {batchCode, downloads[]}. */
export function downloadUrls(ctx: EmulatorContext, api: ApiRequest): Reply {
  const body = jsonObject(api.body, headerValue(api.req, 'content-type'));
  const containerId = body.containerId;
  if (typeof containerId !== 'string' || containerId === '')
    throw invalid('containerId is required and must be a non-empty string (the space the files are in)');
  const fileIds = fileIdsOf(body.fileIds);
  const own = containerIdOf(ctx.settings.userId);
  if (containerId !== own)
    throw new ApiError(
      CODES.CONTAINER_NOT_EXIST_OR_STATE_ERROR,
      `containerId ${containerId} is not this user's space; use ${own}`,
    );
  const ttl = ctx.faults.urlTtlOverride() ?? ctx.settings.urlTtlSeconds;
  const now = ctx.now();
  const downloads = fileIds.map((id) => entryOf(ctx, id, ttl, now));
  const good = downloads.filter((d) => d.code === CODES.SUCCESS).length;
  const batchCode = good === downloads.length ? 1 : good === 0 ? 2 : 0;
  return ok({ batchCode, downloads });
}

/** A verified download, its blob open: what GET/HEAD will send. */
export interface OpenDownload {
  file: FileState;
  handle: FileHandle;
  /** Inclusive byte range to send; undefined for the whole (or an empty) file. */
  range?: { start: number; end: number };
}

type RangeAnswer = { start: number; end: number } | 'unsatisfiable' | undefined;

/**
 * One byte range: `bytes=a-b`, `bytes=a-` or `bytes=-n`. Anything else (several ranges, other
 * units, nonsense) is ignored and the whole file is sent, as RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

function noSuchKey(): S3Error {
  return new S3Error(404, 'NoSuchKey', 'the file does not exist (any more); its backup record may have been deleted');
}

/** Checks a download URL and opens the blob; S3Error (403, 404, 416) when it cannot be served. */
export async function openDownload(
  ctx: EmulatorContext,
  req: IncomingMessage,
  path: string,
  rawQuery: string,
): Promise<OpenDownload> {
  let query: Array<[string, string]>;
  try {
    query = parseQueryPairs(rawQuery);
  } catch {
    throw new S3Error(400, 'InvalidArgument', 'the query string is malformed');
  }
  const grant = ctx.signer.verifyGet(path, query, ctx.now());
  const file = ctx.store.state.files[grant.fileId];
  if (!file || file.status !== 'complete') throw noSuchKey();
  const handle = await ctx.blobs.openBlob(file.sha256).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw noSuchKey();
    throw err;
  });
  // Deleted while the blob was being opened: gone for this request too.
  if (ctx.store.state.files[grant.fileId] !== file) {
    await handle.close();
    throw noSuchKey();
  }
  const range = parseRange(headerValue(req, 'range'), file.length);
  if (range === 'unsatisfiable') {
    await handle.close();
    const err = new S3Error(
      416,
      'InvalidRange',
      `the requested range is not satisfiable (the file has ${file.length} bytes)`,
    );
    err.headers = { 'content-range': `bytes */${file.length}` };
    throw err;
  }
  return range ? { file, handle, range } : { file, handle };
}

/**
 * Sends the headers and (for GET) the bytes, streamed from disk. With `resetHalfway` (fault
 * injection) about half the body goes out, then the connection is destroyed.
 */
export async function sendDownload(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  dl: OpenDownload,
  opts: { resetHalfway?: boolean } = {},
): Promise<void> {
  const { file, handle, range } = dl;
  try {
    const start = range?.start ?? 0;
    const length = range ? range.end - range.start + 1 : file.length;
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'content-length': String(length),
      'accept-ranges': 'bytes',
      etag: `"${file.sha256.slice(0, 32)}"`,
      'last-modified': new Date(file.completeTime ?? file.createTime).toUTCString(),
    };
    if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${file.length}`;
    res.writeHead(range ? 206 : 200, headers);
    const limit = opts.resetHalfway ? Math.floor(length / 2) : length;
    if (req.method === 'HEAD' || limit === 0) {
      if (opts.resetHalfway) {
        res.flushHeaders();
        await nextTurn();
        return void req.socket.destroy();
      }
      res.end();
      return;
    }
    const counting = new Transform({
      transform(chunk: Buffer, _enc, done) {
        ctx.stats.getBytes(chunk.length);
        done(null, chunk);
      },
    });
    const source = handle.createReadStream({ start, end: start + limit - 1, autoClose: false });
    try {
      await pipeline(source, counting, res, { end: !opts.resetHalfway });
    } catch {
      // The client went away (or the blob could not be read): nothing more to send.
      res.destroy();
      return;
    }
    if (opts.resetHalfway) {
      await nextTurn();
      req.socket.destroy();
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}
