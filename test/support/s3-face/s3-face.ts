/**
 * The S3-compatible face, an emulator extension (src/emulator/extension.ts) for the benchmark:
 * requests signed with SigV4 (Authorization: AWS4-HMAC-SHA256 …) on the emulator's own port,
 * path-style (/bucket/key). Routes them to the operations and writes answers. Test equipment: it is
 * not in the shipped src/ (README.md beside this file).
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { EmulatorExtension, ExtensionHost } from '../../../src/emulator/extension.js';
import { headerValue, parseQueryPairs, writeReply } from '../../../src/emulator/http-io.js';
import { S3Error, s3ErrorReply } from '../../../src/emulator/reply.js';
import { S3ObjectStore } from './object-store.js';
import { type S3FaceOptions, verifyS3Request } from './s3-auth.js';
import { bucketLocation, createBucket, deleteBucket, headBucket, listBuckets } from './s3-buckets.js';
import type { S3Call, S3Reply } from './s3-call.js';
import { listObjectsV1, listObjectsV2 } from './s3-list.js';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, uploadPart } from './s3-multipart.js';
import { deleteObject, getObject, headObject, putObject } from './s3-objects.js';
import { SIGV4_ALGORITHM } from './sigv4.js';

export type { S3FaceOptions } from './s3-auth.js';

/** The started face: its credential and its objects. */
interface S3Face {
  options: S3FaceOptions;
  objects: S3ObjectStore;
}

/** The face as an emulator extension: startEmulator({ …, extensions: [s3Face({ accessKeyId, secretAccessKey })] }). */
export function s3Face(options: S3FaceOptions): EmulatorExtension {
  if (!options.accessKeyId || !options.secretAccessKey)
    throw new Error('the S3 face needs both accessKeyId and secretAccessKey');
  return {
    name: 's3',
    async start(host) {
      const face: S3Face = { options: { ...options }, objects: new S3ObjectStore(host) };
      await face.objects.init();
      await face.objects.sweepUploads();
      return {
        claims: isS3Request,
        handle: (req, res, path, rawQuery) => handleS3(host, face, req, res, path, rawQuery),
      };
    },
  };
}

type Operation = [name: string, run: (call: S3Call) => S3Reply | Promise<S3Reply>];

/** Whether a request is for the S3 face: it carries a SigV4 Authorization header. */
function isS3Request(req: IncomingMessage): boolean {
  return headerValue(req, 'authorization')?.startsWith(`${SIGV4_ALGORITHM} `) ?? false;
}

function notImplemented(what: string): Operation {
  return [
    what,
    () =>
      Promise.reject(
        new S3Error(
          501,
          'NotImplemented',
          `${what} is not emulated (the face serves what aws s3 cp and rclone copy need)`,
        ),
      ),
  ];
}

/** Which operation a method, bucket, key and query are. */
function operationOf(
  method: string,
  bucket: string,
  key: string,
  q: ReadonlyMap<string, string>,
): Operation | undefined {
  if (!bucket) return method === 'GET' ? ['ListBuckets', listBuckets] : undefined;
  if (!key) {
    if (method === 'PUT')
      return q.size === 0 ? ['CreateBucket', createBucket] : notImplemented(`PUT bucket ?${[...q.keys()].join('&')}`);
    if (method === 'HEAD') return ['HeadBucket', headBucket];
    if (method === 'DELETE') return ['DeleteBucket', deleteBucket];
    if (method === 'POST') return q.has('delete') ? notImplemented('DeleteObjects') : undefined;
    if (method !== 'GET') return undefined;
    if (q.has('location')) return ['GetBucketLocation', bucketLocation];
    if (q.has('uploads')) return notImplemented('ListMultipartUploads');
    if (q.has('versioning') || q.has('acl') || q.has('policy') || q.has('versions'))
      return notImplemented(`GET bucket ?${[...q.keys()].join('&')}`);
    return q.get('list-type') === '2' ? ['ListObjectsV2', listObjectsV2] : ['ListObjects', listObjectsV1];
  }
  switch (method) {
    case 'PUT':
      return q.has('uploadId') ? ['UploadPart', uploadPart] : ['PutObject', putObject];
    case 'POST':
      if (q.has('uploads')) return ['CreateMultipartUpload', createMultipartUpload];
      return q.has('uploadId') ? ['CompleteMultipartUpload', completeMultipartUpload] : undefined;
    case 'HEAD':
      return ['HeadObject', headObject];
    case 'GET':
      return q.has('uploadId') ? notImplemented('ListParts') : ['GetObject', getObject];
    case 'DELETE':
      return q.has('uploadId') ? ['AbortMultipartUpload', abortMultipartUpload] : ['DeleteObject', deleteObject];
    default:
      return undefined;
  }
}

/** /bucket/key… → decoded bucket and key. */
function splitPath(path: string): { bucket: string; key: string } {
  const slash = path.indexOf('/', 1);
  const rawBucket = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const rawKey = slash < 0 ? '' : path.slice(slash + 1);
  try {
    return { bucket: decodeURIComponent(rawBucket), key: decodeURIComponent(rawKey) };
  } catch {
    throw new S3Error(400, 'InvalidURI', 'the path holds a malformed %-escape');
  }
}

async function writeS3Reply(res: ServerResponse, reply: S3Reply): Promise<void> {
  if (!reply.file) return writeReply(res, reply);
  if (res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, reply.headers);
  if (reply.file.end < reply.file.start) return void res.end();
  await pipeline(createReadStream(reply.file.path, { start: reply.file.start, end: reply.file.end }), res);
}

/** Answers one S3-face request; S3 errors become S3 XML answers (counted in stats.errors). */
async function handleS3(
  host: ExtensionHost,
  face: S3Face,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  rawQuery: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  let name = 'unknown';
  let counted = false;
  try {
    let pairs: Array<[string, string]>;
    try {
      pairs = parseQueryPairs(rawQuery);
    } catch {
      throw new S3Error(400, 'InvalidArgument', 'the query string holds a malformed %-escape');
    }
    const { bucket, key } = splitPath(path);
    const query = new Map(pairs);
    const op = operationOf(method, bucket, key, query);
    if (op) name = op[0];
    host.countRequest(name);
    counted = true;
    if (Buffer.byteLength(key) > 1024)
      throw new S3Error(400, 'KeyTooLongError', 'your key is too long: at most 1024 bytes of UTF-8');
    const caller = verifyS3Request(req, path, pairs, face.options, host.now());
    if (!op)
      throw new S3Error(
        405,
        'MethodNotAllowed',
        `the S3 face has no ${method} for ${key ? 'objects' : bucket ? 'buckets' : 'the service'}`,
      );
    const call: S3Call = {
      host,
      objects: face.objects,
      req,
      caller,
      region: face.options.region ?? 'us-east-1',
      bucket,
      key,
      query,
    };
    await writeS3Reply(res, await op[1](call));
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    host.countError(err.s3Code);
    if (!counted) host.countRequest(name);
    err.headers = { ...err.headers, ...(await host.settleRefusedBody(req)) };
    writeReply(res, s3ErrorReply(err));
  }
}
