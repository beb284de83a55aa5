/** Multipart uploads: Create, UploadPart, Complete (parts joined on disk), Abort. */
import { rm } from 'node:fs/promises';
import { S3Error } from '../../../src/emulator/reply.js';
import { multipartEtag } from './object-store.js';
import { receiveBody } from './s3-body.js';
import { emptyReply, existingBucket, objectHeaders, readSmallBody, type S3Call, type S3Reply } from './s3-call.js';
import type { S3UploadState } from './s3-state.js';
import { el, parseCompleteParts, xmlReply } from './s3-xml.js';

/** S3's smallest part, except the last. */
const MIN_PART = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

function openUpload(call: S3Call): { uploadId: string; upload: S3UploadState } {
  const uploadId = call.query.get('uploadId') ?? '';
  const upload = call.objects.state.uploads[uploadId];
  if (!upload || upload.bucket !== call.bucket || upload.key !== call.key) {
    throw new S3Error(
      404,
      'NoSuchUpload',
      'the specified multipart upload does not exist; it may have been aborted or completed',
    );
  }
  return { uploadId, upload };
}

/** POST /bucket/key?uploads */
export async function createMultipartUpload(call: S3Call): Promise<S3Reply> {
  existingBucket(call);
  await readSmallBody(call);
  const uploadId = await call.objects.createUpload(call.bucket, call.key, objectHeaders(call.req), call.host.now());
  return xmlReply(
    'InitiateMultipartUploadResult',
    el('Bucket', call.bucket) + el('Key', call.key) + el('UploadId', uploadId),
  );
}

/** PUT /bucket/key?partNumber=N&uploadId=U */
export async function uploadPart(call: S3Call): Promise<S3Reply> {
  const partNumber = Number(call.query.get('partNumber'));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
    throw new S3Error(400, 'InvalidArgument', `partNumber must be a whole number from 1 to ${MAX_PARTS}`);
  }
  const { uploadId } = openUpload(call);
  const tmp = call.objects.tempPath();
  const body = await receiveBody(call.req, call.caller, tmp, call.host.countBodyBytes);
  const etag = `"${body.md5}"`;
  await call.objects.commitPart(uploadId, partNumber, tmp, body.size, etag);
  return emptyReply(200, { etag });
}

/** POST /bucket/key?uploadId=U with the parts list: checks it, joins the parts into the object. */
export async function completeMultipartUpload(call: S3Call): Promise<S3Reply> {
  const bucket = existingBucket(call);
  const { uploadId, upload } = openUpload(call);
  const listed = parseCompleteParts((await readSmallBody(call)).toString('utf8'));
  listed.forEach((p, i) => {
    if (i > 0 && p.partNumber <= listed[i - 1]!.partNumber)
      throw new S3Error(
        400,
        'InvalidPartOrder',
        'the list of parts was not in ascending order; list each part once, by PartNumber',
      );
  });
  let size = 0;
  listed.forEach((p, i) => {
    const stored = upload.parts[String(p.partNumber)];
    if (!stored || stored.etag.replace(/"/g, '') !== p.etag.replace(/"/g, '')) {
      throw new S3Error(400, 'InvalidPart', `part ${p.partNumber} was not uploaded or its ETag does not match`);
    }
    if (i < listed.length - 1 && stored.size < MIN_PART)
      throw new S3Error(
        400,
        'EntityTooSmall',
        `part ${p.partNumber} is ${stored.size} bytes; every part but the last must be at least 5 MiB`,
      );
    size += stored.size;
  });
  const etags = listed.map((p) => upload.parts[String(p.partNumber)]!.etag);
  const started = performance.now();
  const tmp = await call.objects.joinParts(
    uploadId,
    listed.map((p) => p.partNumber),
  );
  call.host.countAssembly(performance.now() - started);
  if (call.objects.state.uploads[uploadId] !== upload) {
    await rm(tmp, { force: true });
    throw new S3Error(404, 'NoSuchUpload', 'the upload was aborted or completed while its parts were being joined');
  }
  const etag = multipartEtag(etags);
  const fields = {
    size,
    etag,
    lastModified: call.host.now().toISOString(),
    meta: upload.meta,
    ...(upload.contentType === undefined ? {} : { contentType: upload.contentType }),
  };
  await call.objects.commitObject(bucket, call.key, tmp, fields);
  await call.objects.dropUpload(uploadId);
  const location =
    `${call.host.baseUrl()}/${encodeURIComponent(call.bucket)}/` +
    `${call.key.split('/').map(encodeURIComponent).join('/')}`;
  return xmlReply(
    'CompleteMultipartUploadResult',
    el('Location', location) + el('Bucket', call.bucket) + el('Key', call.key) + el('ETag', etag),
  );
}

/** DELETE /bucket/key?uploadId=U */
export async function abortMultipartUpload(call: S3Call): Promise<S3Reply> {
  const { uploadId } = openUpload(call);
  await call.objects.dropUpload(uploadId);
  return emptyReply(204);
}
