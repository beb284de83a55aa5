/** Receives an S3 upload body to a temp file, streamed: decodes aws-chunked, checks the signed sha256. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { headerValue } from '../../../src/emulator/http-io.js';
import { S3Error } from '../../../src/emulator/reply.js';
import { awsChunkedDecoder } from './aws-chunked.js';
import type { S3Caller } from './s3-auth.js';

/** S3's single-request limit (PutObject and each UploadPart). */
export const MAX_SINGLE_UPLOAD = 5 * 1024 ** 3;

export interface ReceivedBody {
  size: number;
  /** Hex md5 of the payload (the ETag). */
  md5: string;
}

function declaredSize(req: IncomingMessage, chunked: boolean): number {
  const raw = headerValue(req, chunked ? 'x-amz-decoded-content-length' : 'content-length');
  if (raw === undefined || !/^\d+$/.test(raw)) {
    throw chunked
      ? new S3Error(
          411,
          'MissingContentLength',
          'aws-chunked bodies need x-amz-decoded-content-length (the payload size)',
        )
      : new S3Error(411, 'MissingContentLength', 'send Content-Length: S3 does not take bodies of unknown length');
  }
  const size = Number(raw);
  if (size > MAX_SINGLE_UPLOAD)
    throw new S3Error(
      400,
      'EntityTooLarge',
      `${size} bytes is over the 5 GiB limit of one request; use a multipart upload`,
    );
  return size;
}

/** Writes the body's payload to `tmp`; on any failure the temp file is removed and an S3Error thrown. */
export async function receiveBody(
  req: IncomingMessage,
  caller: S3Caller,
  tmp: string,
  countBytes: (bytes: number) => void,
): Promise<ReceivedBody> {
  const { payload } = caller;
  const chunked = payload.kind === 'chunked';
  const expected = declaredSize(req, chunked);
  const md5 = createHash('md5');
  const sha = payload.kind === 'sha256' ? createHash('sha256') : undefined;
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      size += chunk.length;
      countBytes(chunk.length);
      if (size > expected)
        return done(new S3Error(400, 'IncompleteBody', `the body has more than the declared ${expected} bytes`));
      md5.update(chunk);
      sha?.update(chunk);
      done(null, chunk);
    },
  });
  const stages: Transform[] = [];
  if (payload.kind === 'chunked') {
    const signing = payload.signed
      ? { key: caller.key, amzDate: caller.amzDate, scope: caller.scope, seedSignature: caller.seedSignature }
      : undefined;
    stages.push(awsChunkedDecoder({ trailer: payload.trailer, ...(signing ? { signing } : {}) }));
  }
  // req is piped rather than put in the pipeline: a refusal mid-body must not destroy the socket
  // before the answer is written (the caller drains or closes it).
  const first = stages[0] ?? measure;
  const cutShort = (): void => {
    if (!req.complete) first.destroy(new Error('the client closed the connection mid-body'));
  };
  req.once('close', cutShort);
  req.once('error', cutShort);
  req.pipe(first);
  try {
    await pipeline([...stages, measure, createWriteStream(tmp)]);
    if (size !== expected)
      throw new S3Error(400, 'IncompleteBody', `received ${size} bytes; ${expected} were declared`);
    if (sha && sha.digest('hex') !== (payload as { sha256: string }).sha256) {
      throw new S3Error(
        400,
        'XAmzContentSHA256Mismatch',
        'the body does not hash to the x-amz-content-sha256 you signed',
      );
    }
    return { size, md5: md5.digest('hex') };
  } catch (err) {
    req.unpipe(first);
    await rm(tmp, { force: true });
    if (err instanceof S3Error) throw err;
    throw new S3Error(400, 'IncompleteBody', `the body did not arrive whole: ${(err as Error).message}`);
  } finally {
    req.off('close', cutShort);
    req.off('error', cutShort);
  }
}
