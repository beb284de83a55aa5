/** Object-level S3 operations: PutObject, HeadObject, GetObject, DeleteObject. */
import { headerValue } from '../../../src/emulator/http-io.js';
import { S3Error } from '../../../src/emulator/reply.js';
import type { S3ObjectState } from './s3-state.js';
import { emptyReply, existingBucket, objectHeaders, type S3Call, type S3Reply } from './s3-call.js';
import { receiveBody } from './s3-body.js';

/** The headers HEAD and GET describe an object with. */
function describe(obj: S3ObjectState): Record<string, string> {
  const headers: Record<string, string> = {
    etag: obj.etag,
    'last-modified': new Date(obj.lastModified).toUTCString(),
    'accept-ranges': 'bytes',
    'content-type': obj.contentType ?? 'binary/octet-stream',
  };
  for (const [name, value] of Object.entries(obj.meta)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

function existingObject(call: S3Call): S3ObjectState {
  const obj = existingBucket(call).objects[call.key];
  if (!obj) throw new S3Error(404, 'NoSuchKey', 'the specified key does not exist');
  return obj;
}

/** PUT /bucket/key: stores the body (plain, UNSIGNED-PAYLOAD or aws-chunked), answers its MD5 ETag. */
export async function putObject(call: S3Call): Promise<S3Reply> {
  if (headerValue(call.req, 'x-amz-copy-source') !== undefined)
    throw new S3Error(501, 'NotImplemented', 'CopyObject is not emulated; upload the bytes instead');
  const bucket = existingBucket(call);
  const fields = objectHeaders(call.req);
  const tmp = call.objects.tempPath();
  const body = await receiveBody(call.req, call.caller, tmp, call.host.countBodyBytes);
  const etag = `"${body.md5}"`;
  await call.objects.commitObject(bucket, call.key, tmp, {
    size: body.size,
    etag,
    lastModified: call.host.now().toISOString(),
    ...fields,
  });
  return emptyReply(200, { etag });
}

export function headObject(call: S3Call): S3Reply {
  const obj = existingObject(call);
  return { status: 200, headers: { ...describe(obj), 'content-length': String(obj.size) }, text: '' };
}

/** One "bytes=a-b" range (suffix and open-ended forms too); undefined means the whole object. */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // S3 ignores a range it cannot parse
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end)
    throw new S3Error(416, 'InvalidRange', `the requested range is not satisfiable for a ${size}-byte object`);
  return { start, end };
}

/** GET /bucket/key: streams the bytes from disk, or one range of them (206). */
export function getObject(call: S3Call): S3Reply {
  const obj = existingObject(call);
  const path = call.objects.objectPath(obj.id);
  const range = byteRange(headerValue(call.req, 'range'), obj.size);
  if (!range)
    return {
      status: 200,
      headers: { ...describe(obj), 'content-length': String(obj.size) },
      file: { path, start: 0, end: obj.size - 1 },
    };
  const headers = {
    ...describe(obj),
    'content-length': String(range.end - range.start + 1),
    'content-range': `bytes ${range.start}-${range.end}/${obj.size}`,
  };
  return { status: 206, headers, file: { path, ...range } };
}

/** DELETE /bucket/key: 204 whether or not the key existed, as S3 does. */
export async function deleteObject(call: S3Call): Promise<S3Reply> {
  await call.objects.deleteObject(existingBucket(call), call.key);
  return emptyReply(204);
}
