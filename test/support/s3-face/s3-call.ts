/** What every S3-face operation gets, what it answers, and small helpers they share. */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ExtensionHost } from '../../../src/emulator/extension.js';
import { headerValue } from '../../../src/emulator/http-io.js';
import { S3Error, type Reply } from '../../../src/emulator/reply.js';
import type { ObjectHeaders, S3ObjectStore } from './object-store.js';
import type { S3Caller } from './s3-auth.js';
import type { S3BucketState } from './s3-state.js';

/** A verified S3 request, split into bucket, key and query. */
export interface S3Call {
  host: ExtensionHost;
  objects: S3ObjectStore;
  req: IncomingMessage;
  caller: S3Caller;
  region: string;
  /** '' for service-level calls (ListBuckets). */
  bucket: string;
  /** '' for bucket-level calls. */
  key: string;
  query: ReadonlyMap<string, string>;
}

/** A Reply, or a file (range) to stream as the body. */
export type S3Reply = Reply & { file?: { path: string; start: number; end: number } };

/** Small request bodies (XML documents) are read whole, up to this. */
const MAX_XML_BODY = 4 * 1024 * 1024;

/** The bucket, or 404 NoSuchBucket. */
export function existingBucket(call: S3Call): S3BucketState {
  const bucket = call.objects.bucket(call.bucket);
  if (!bucket)
    throw new S3Error(
      404,
      'NoSuchBucket',
      `the bucket "${call.bucket}" does not exist; create it first (aws s3 mb, rclone mkdir)`,
    );
  return bucket;
}

/** Content-Type and x-amz-meta-* of an upload request. */
export function objectHeaders(req: IncomingMessage): ObjectHeaders {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined)
      meta[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  const contentType = headerValue(req, 'content-type');
  return contentType === undefined ? { meta } : { contentType, meta };
}

/** Reads a small body whole, checking it against a signed sha256. */
export async function readSmallBody(call: S3Call): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of call.req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_XML_BODY)
      throw new S3Error(400, 'MaxMessageLengthExceeded', `the request body is over ${MAX_XML_BODY} bytes`);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  const p = call.caller.payload;
  if (p.kind === 'sha256' && createHash('sha256').update(body).digest('hex') !== p.sha256) {
    throw new S3Error(
      400,
      'XAmzContentSHA256Mismatch',
      'the body does not hash to the x-amz-content-sha256 you signed',
    );
  }
  if (p.kind === 'chunked')
    throw new S3Error(501, 'NotImplemented', 'aws-chunked bodies are taken by PutObject and UploadPart only');
  return body;
}

/** An empty answer with a status (204 for deletes). */
export function emptyReply(status: number, headers: Record<string, string> = {}): S3Reply {
  return { status, headers, text: '', contentType: 'application/xml' };
}
