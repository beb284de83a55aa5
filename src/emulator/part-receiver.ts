/** PUT <presigned URL>: checks the grant, streams the part to disk while hashing, verifies the chain. */
import { createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CODES } from './codes.js';
import type { EmulatorContext } from './context.js';
import { drainBody, headerValue, parseQueryPairs, readBody } from './http-io.js';
import { S3Error, type Reply } from './reply.js';
import type { FileState } from './state.js';
import { OBS_PREFIX } from './url-signer.js';

/**
 * Parts up to this size (small files: most PUTs of a big tree) are gathered in memory, checked, and
 * written with one call; bigger ones stream to disk at their offset.
 */
const GATHERED_PART_BYTES = 1024 * 1024;

/** Bodies of refused PUTs up to this size are read and dropped so the client sees the answer. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

export interface PutOptions {
  /** Fault injection: destroy the connection once this many body bytes arrived. */
  resetAfterBytes?: number;
}

/** Reads and drops the rest of a refused PUT (counted), or asks to close the connection. */
export async function settleRefusedBody(ctx: EmulatorContext, req: IncomingMessage): Promise<Record<string, string>> {
  if (req.complete || req.destroyed) return {};
  if (Number(headerValue(req, 'content-length') ?? 0) > DRAIN_LIMIT) return { connection: 'close' };
  const counting = async () => ctx.stats.putBytes(await drainBody(req));
  await counting().catch(() => undefined);
  return {};
}

function grantedFile(
  ctx: EmulatorContext,
  path: string,
  query: ReadonlyArray<[string, string]>,
): { file: FileState; partNumber: number } {
  const fileId = decodeURIComponent(path.slice(OBS_PREFIX.length));
  const file = ctx.store.state.files[fileId];
  if (!file) throw new S3Error(404, 'NoSuchUpload', 'the upload does not exist; create the file again');
  if (file.status === 'complete') throw new S3Error(404, 'NoSuchUpload', 'the upload was already completed');
  const partNumber = Number(query.find(([k]) => k === 'partNumber')?.[1]);
  if (!Number.isInteger(partNumber) || !file.parts[partNumber - 1])
    throw new S3Error(400, 'InvalidArgument', `partNumber must be 1..${file.parts.length}`);
  const grant = ctx.signer.verify(path, query, file.parts[partNumber - 1]!.partSize, ctx.now());
  if (grant.uploadId !== file.uploadId)
    throw new S3Error(404, 'NoSuchUpload', "uploadId does not name this file's upload");
  if (file.status === 'completing') throw new S3Error(409, 'OperationAborted', 'the upload is being completed');
  return { file, partNumber };
}

/** Handles one part PUT; the Reply is S3-style (XML errors, ETag on success). */
export async function receivePart(
  ctx: EmulatorContext,
  req: IncomingMessage,
  path: string,
  rawQuery: string,
  opts: PutOptions = {},
): Promise<Reply> {
  let file: FileState;
  let partNumber: number;
  try {
    const query = (() => {
      try {
        return parseQueryPairs(rawQuery);
      } catch {
        throw new S3Error(400, 'InvalidArgument', 'the query string is malformed');
      }
    })();
    ({ file, partNumber } = grantedFile(ctx, path, query));
    const declared = headerValue(req, 'content-length');
    const partSize = file.parts[partNumber - 1]!.partSize;
    if (declared === undefined) throw new S3Error(411, 'MissingContentLength', `send Content-Length: ${partSize}`);
    if (Number(declared) !== partSize)
      throw new S3Error(
        403,
        'SignatureDoesNotMatch',
        `Content-Length ${declared} is not the signed part size ${partSize}`,
      );
  } catch (err) {
    if (err instanceof S3Error) err.headers = await settleRefusedBody(ctx, req);
    throw err;
  }
  return storePart({ ctx, req, file, partNumber, opts });
}

/** One part PUT that passed its grant and size checks. */
interface PartPut {
  ctx: EmulatorContext;
  req: IncomingMessage;
  file: FileState;
  partNumber: number;
  opts: PutOptions;
}

/** The PUTs being stored now, per emulator, by file and part. */
const writers = new WeakMap<EmulatorContext, Map<string, Promise<void>>>();

/**
 * One PUT at a time per part: a PUT that arrives while another of the same part is being stored
 * waits for it (a stale PUT the client gave up on ends quickly: its connection is gone), so two
 * bodies never write into the same bytes at once.
 */
async function storePart(put: PartPut): Promise<Reply> {
  const { ctx, req, file, partNumber } = put;
  let active = writers.get(ctx);
  if (!active) writers.set(ctx, (active = new Map()));
  const key = `${file.fileId}:${partNumber}`;
  for (let busy = active.get(key); busy; busy = active.get(key)) await busy;
  let release!: () => void;
  active.set(key, new Promise<void>((resolve) => (release = resolve)));
  try {
    if (file.status !== 'uploading') {
      const err =
        file.status === 'complete'
          ? new S3Error(404, 'NoSuchUpload', 'the upload was already completed')
          : new S3Error(409, 'OperationAborted', 'the upload is being completed');
      err.headers = await settleRefusedBody(ctx, req);
      throw err;
    }
    return await storePartAlone(put);
  } finally {
    active.delete(key);
    release();
  }
}

async function storePartAlone({ ctx, req, file, partNumber, opts }: PartPut): Promise<Reply> {
  const part = file.parts[partNumber - 1]!;
  const hash = ctx.hashBackend.create(partNumber > 1 ? { words: part.hashCtx, bytes: part.partOffset } : undefined);
  // Written in place at the part's offset (no copy at completion). A part already accepted is
  // replaced only by a PUT that succeeds, as in OBS/S3 (docs/emulator.md): such a PUT is checked
  // like any other but not written, since only the very bytes already stored can pass the hashCtx
  // chain check; a re-PUT that fails (cut, short, wrong bytes, a stale PUT that arrives late)
  // leaves the stored part as it was.
  const kept = file.received[String(partNumber)] !== undefined;
  const gathered: Buffer[] | undefined = !kept && part.partSize <= GATHERED_PART_BYTES ? [] : undefined;
  const assembly = kept || gathered ? undefined : ctx.blobs.openAssembly(file.fileId);
  if (deletedMeanwhile(ctx, file))
    throw new S3Error(404, 'NoSuchUpload', 'the upload was deleted (its backup record was deleted)');
  let received = 0;
  const take = (chunk: Buffer): void => {
    received += chunk.length;
    ctx.stats.putBytes(chunk.length);
    hash.update(chunk);
    if (opts.resetAfterBytes !== undefined && received >= opts.resetAfterBytes) req.socket.destroy();
  };
  try {
    if (opts.resetAfterBytes === 0) req.socket.destroy();
    if (assembly === undefined) {
      // Plain listeners (http-io.ts readBody), no stream pipeline: cheaper for a small part.
      await readBody(req, (chunk) => {
        take(chunk);
        gathered?.push(chunk);
      });
    } else {
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, done) {
          take(chunk);
          done(null, chunk);
        },
      });
      await pipeline(req, hashing, createWriteStream(assembly, { flags: 'r+', start: part.partOffset }));
    }
    if (received !== part.partSize)
      throw new S3Error(400, 'IncompleteBody', `received ${received} bytes; the part has ${part.partSize}`);
    const last = partNumber === file.parts.length;
    const end: { endWords?: number[]; digest?: string } = {};
    if (last) {
      end.digest = Buffer.from(hash.digest()).toString('hex');
      if (end.digest !== file.sha256)
        throw chainError(
          `part ${partNumber} (the last) does not finish to the file's sha256; its bytes or hashCtx are wrong`,
        );
    } else {
      end.endWords = hash.midstate();
      const next = file.parts[partNumber]!.hashCtx;
      if (!end.endWords.every((w, i) => w === next[i]))
        throw chainError(
          `part ${partNumber} does not end in part ${partNumber + 1}'s hashCtx; its bytes or one of the ` +
            `hashCtx values are wrong`,
        );
    }
    if (deletedMeanwhile(ctx, file))
      throw new S3Error(
        404,
        'NoSuchUpload',
        'the upload was deleted while this part arrived (its backup record was deleted)',
      );
    if (file.status !== 'uploading')
      throw new S3Error(409, 'OperationAborted', 'the upload was completed while this part arrived');
    // Written only now that every check passed; nothing awaits from here on.
    if (gathered) ctx.blobs.writePartSync(file.fileId, part.partOffset, Buffer.concat(gathered, received));
    // KooDrive never reads part ETags (reference §4.3), so no MD5 pass over every byte: the ETag is
    // an opaque 32-hex tag from the SHA-256 state the check computed anyway.
    const state = end.digest ?? end.endWords!.map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
    const etag = `"${state.slice(0, 32)}"`;
    file.received[String(partNumber)] = { size: received, ...end, etag, receivedAt: ctx.now().toISOString() };
    ctx.stats.count('putAccepted');
    ctx.store.fileChanged(file);
    return { status: 200, headers: { etag }, text: '' };
  } catch (err) {
    if (err instanceof S3Error) throw err;
    throw new S3Error(400, 'IncompleteBody', `the part body did not arrive whole: ${(err as Error).message}`);
  }
}

/** True (after removing what this PUT wrote) when the file's record was deleted while the PUT ran. */
function deletedMeanwhile(ctx: EmulatorContext, file: FileState): boolean {
  if (ctx.store.state.files[file.fileId] === file) return false;
  ctx.blobs.removeParts(file.fileId);
  return true;
}

function chainError(message: string): S3Error {
  return new S3Error(400, 'HashCtxMismatch', message, CODES.HASH_CTX_MISMATCH);
}
