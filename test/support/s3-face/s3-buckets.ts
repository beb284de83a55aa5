/** Bucket-level S3 operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation. */
import { S3Error } from '../../../src/emulator/reply.js';
import { emptyReply, existingBucket, readSmallBody, type S3Call, type S3Reply } from './s3-call.js';
import { el, xmlReply } from './s3-xml.js';

const OWNER = `<Owner>${el('ID', 'koodrive-emulator')}${el('DisplayName', 'koodrive-emulator')}</Owner>`;

/** S3's naming rule for new buckets (the DNS-compatible one). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function listBuckets(call: S3Call): S3Reply {
  const buckets = Object.entries(call.objects.state.buckets)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, b]) => `<Bucket>${el('Name', name)}${el('CreationDate', b.createdAt)}</Bucket>`)
    .join('');
  return xmlReply('ListAllMyBucketsResult', `${OWNER}<Buckets>${buckets}</Buckets>`);
}

/** PUT /bucket: creates it; creating one you already own answers 200, as us-east-1 does. */
export async function createBucket(call: S3Call): Promise<S3Reply> {
  await readSmallBody(call); // an optional CreateBucketConfiguration; the face has one region
  if (!BUCKET_NAME.test(call.bucket) || call.bucket.includes('..')) {
    throw new S3Error(
      400,
      'InvalidBucketName',
      `"${call.bucket}" is not a valid bucket name: 3-63 of a-z 0-9 . -, starting and ending with a letter or digit`,
    );
  }
  call.objects.createBucket(call.bucket, call.host.now());
  return emptyReply(200, { location: `/${call.bucket}` });
}

export function headBucket(call: S3Call): S3Reply {
  existingBucket(call);
  return emptyReply(200, { 'x-amz-bucket-region': call.region });
}

export function deleteBucket(call: S3Call): S3Reply {
  const bucket = existingBucket(call);
  if (Object.keys(bucket.objects).length > 0)
    throw new S3Error(409, 'BucketNotEmpty', 'the bucket you tried to delete is not empty; delete its objects first');
  call.objects.deleteBucket(call.bucket);
  return emptyReply(204);
}

/** GET /bucket?location: empty for us-east-1, as S3 answers. */
export function bucketLocation(call: S3Call): S3Reply {
  existingBucket(call);
  const region = call.region === 'us-east-1' ? '' : call.region;
  return {
    status: 200,
    contentType: 'application/xml',
    text:
      `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint ` +
      `xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region}</LocationConstraint>`,
  };
}
