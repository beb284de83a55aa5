/** ListObjectsV2 and ListObjects (v1): prefix, delimiter, paging, encoding-type=url. */
import { S3Error } from '../../../src/emulator/reply.js';
import { existingBucket, type S3Call, type S3Reply } from './s3-call.js';
import type { S3ObjectState } from './s3-state.js';
import { el, xmlReply } from './s3-xml.js';

const MAX_KEYS = 1000;

interface ListPage {
  contents: Array<[string, S3ObjectState]>;
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix on the page: where the next page starts after. */
  last?: string;
}

/** S3 lists keys in UTF-8 byte order, which differs from JS string order above U+FFFF. */
function sortedKeys(objects: Record<string, S3ObjectState>): string[] {
  return Object.keys(objects)
    .map((k) => [k, Buffer.from(k, 'utf8')] as const)
    .sort(([, a], [, b]) => Buffer.compare(a, b))
    .map(([k]) => k);
}

function byteAfter(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')) > 0;
}

function listPage(
  objects: Record<string, S3ObjectState>,
  prefix: string,
  delimiter: string,
  after: string,
  maxKeys: number,
): ListPage {
  const page: ListPage = { contents: [], prefixes: [], truncated: false };
  let count = 0;
  for (const key of sortedKeys(objects)) {
    if (!key.startsWith(prefix)) continue;
    // resuming after a common prefix skips every key under it
    if (after && (!byteAfter(key, after) || (delimiter && after.endsWith(delimiter) && key.startsWith(after))))
      continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const item = cut >= 0 ? key.slice(0, cut + delimiter.length) : key;
    if (cut >= 0 && page.prefixes[page.prefixes.length - 1] === item) continue;
    if (count === maxKeys) {
      page.truncated = true;
      break;
    }
    count++;
    page.last = item;
    if (cut >= 0) page.prefixes.push(item);
    else page.contents.push([key, objects[key]!]);
  }
  return page;
}

function maxKeysOf(call: S3Call): number {
  const raw = call.query.get('max-keys');
  if (raw === undefined) return MAX_KEYS;
  if (!/^\d+$/.test(raw)) throw new S3Error(400, 'InvalidArgument', 'max-keys must be a whole number');
  return Math.min(Number(raw), MAX_KEYS);
}

function render(call: S3Call, page: ListPage, v2: boolean): string {
  const urlEncoded = call.query.get('encoding-type') === 'url';
  if (call.query.has('encoding-type') && !urlEncoded)
    throw new S3Error(400, 'InvalidArgument', 'encoding-type may only be "url"');
  const name = (text: string | undefined) => (text === undefined || !urlEncoded ? text : encodeURIComponent(text));
  const owner =
    !v2 || call.query.get('fetch-owner') === 'true'
      ? '<Owner><ID>koodrive-emulator</ID><DisplayName>koodrive-emulator</DisplayName></Owner>'
      : '';
  const contents = page.contents
    .map(
      ([key, o]) =>
        `<Contents>${el('Key', name(key))}${el('LastModified', o.lastModified)}${el('ETag', o.etag)}` +
        `${el('Size', o.size)}${owner}${el('StorageClass', 'STANDARD')}</Contents>`,
    )
    .join('');
  const prefixes = page.prefixes.map((p) => `<CommonPrefixes>${el('Prefix', name(p))}</CommonPrefixes>`).join('');
  return contents + prefixes + (urlEncoded ? el('EncodingType', 'url') : '');
}

/** GET /bucket?list-type=2 */
export function listObjectsV2(call: S3Call): S3Reply {
  existingBucket(call);
  const prefix = call.query.get('prefix') ?? '';
  const delimiter = call.query.get('delimiter') ?? '';
  const token = call.query.get('continuation-token');
  let after = call.query.get('start-after') ?? '';
  if (token !== undefined) {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (!after)
      throw new S3Error(
        400,
        'InvalidArgument',
        'the continuation token is not valid; use the NextContinuationToken of the previous page',
      );
  }
  const maxKeys = maxKeysOf(call);
  const page = listPage(existingBucket(call).objects, prefix, delimiter, after, maxKeys);
  const next =
    page.truncated && page.last !== undefined ? Buffer.from(page.last, 'utf8').toString('base64url') : undefined;
  const urlEncoded = call.query.get('encoding-type') === 'url';
  const enc = (t: string) => (urlEncoded ? encodeURIComponent(t) : t);
  const head =
    el('Name', call.bucket) +
    el('Prefix', enc(prefix)) +
    (delimiter ? el('Delimiter', enc(delimiter)) : '') +
    el('MaxKeys', maxKeys) +
    el('KeyCount', page.contents.length + page.prefixes.length) +
    el('IsTruncated', page.truncated) +
    el('ContinuationToken', token) +
    el('NextContinuationToken', next) +
    (call.query.has('start-after') ? el('StartAfter', enc(call.query.get('start-after')!)) : '');
  return xmlReply('ListBucketResult', head + render(call, page, true));
}

/** GET /bucket (v1): marker paging; NextMarker when a delimiter is used. */
export function listObjectsV1(call: S3Call): S3Reply {
  const bucket = existingBucket(call);
  const prefix = call.query.get('prefix') ?? '';
  const delimiter = call.query.get('delimiter') ?? '';
  const marker = call.query.get('marker') ?? '';
  const maxKeys = maxKeysOf(call);
  const page = listPage(bucket.objects, prefix, delimiter, marker, maxKeys);
  const urlEncoded = call.query.get('encoding-type') === 'url';
  const enc = (t: string) => (urlEncoded ? encodeURIComponent(t) : t);
  const head =
    el('Name', call.bucket) +
    el('Prefix', enc(prefix)) +
    el('Marker', enc(marker)) +
    (page.truncated && delimiter && page.last !== undefined ? el('NextMarker', enc(page.last)) : '') +
    (delimiter ? el('Delimiter', enc(delimiter)) : '') +
    el('MaxKeys', maxKeys) +
    el('IsTruncated', page.truncated);
  return xmlReply('ListBucketResult', head + render(call, page, false));
}
