/** Presigned PUT URLs for parts: SigV4-looking query, HMAC'd with the emulator's own secret. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WirePart } from '../hash/part-rules.js';
import { formatXDate, parseXDate } from '../koodrive/wire-types.js';
import { S3Error } from './reply.js';

export const OBS_PREFIX = '/_obs/';

/** What a valid URL grants: one part of one upload until expiresAt. */
export interface PartGrant {
  fileId: string;
  uploadId: string;
  partNumber: number;
  expiresAt: number;
  /** The midstate to resume from; undefined for part 1. */
  hashCtx?: number[];
}

/** The OpenSSL SHA256_CTX of reference §5.3, as JSON → base64. */
export function encodeHashCtx(words: readonly number[], offset: number): string {
  const bits = BigInt(offset) * 8n;
  const ctx = { md_len: 32, num: 0, h: words, nh: Number(bits >> 32n), nl: Number(bits & 0xffffffffn), hash_type: 'sha256' };
  return Buffer.from(JSON.stringify(ctx)).toString('base64');
}

function decodeHashCtx(value: string): { h: number[]; offset: number } {
  try {
    const ctx = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { h: number[]; nh: number; nl: number };
    if (!Array.isArray(ctx.h) || ctx.h.length !== 8) throw new Error('h');
    return { h: ctx.h, offset: Number(((BigInt(ctx.nh) << 32n) + BigInt(ctx.nl)) / 8n) };
  } catch {
    throw new S3Error(400, 'InvalidArgument', 'X-Amz-Iteration-Hash-Ctx is not a valid hash context');
  }
}

const enc = (v: string) => encodeURIComponent(v);

export class UrlSigner {
  constructor(private readonly secret: string) {}

  /** A URL for PUTting `part` of an upload, valid `ttlSeconds` from `now`. */
  sign(baseUrl: string, fileId: string, uploadId: string, part: WirePart, ttlSeconds: number, now: Date): string {
    const xDate = formatXDate(now);
    const params: Array<[string, string]> = [
      ['partNumber', String(part.partNumber)],
      ['uploadId', uploadId],
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Credential', `koodrive-emulator/${xDate.slice(0, 8)}/local/s3/aws4_request`],
      ['X-Amz-Date', xDate],
      ['X-Amz-Expires', String(ttlSeconds)],
      ['X-Amz-SignedHeaders', 'content-length;host'],
    ];
    if (part.partNumber > 1) params.push(['X-Amz-Iteration-Hash-Ctx', encodeHashCtx(part.hashCtx, part.partOffset)]);
    const path = `${OBS_PREFIX}${enc(fileId)}`;
    const sig = this.mac(path, params, part.partSize);
    const query = [...params, ['X-Amz-Signature', sig]].map(([k, v]) => `${enc(k!)}=${enc(v!)}`).join('&');
    return `${baseUrl}${path}?${query}`;
  }

  /**
   * Checks a PUT's path and query against the signature made for a part of `partSize` bytes; the
   * caller looks the part up first (by fileId and partNumber) to know that size.
   */
  verify(path: string, query: ReadonlyArray<[string, string]>, partSize: number, now: Date): PartGrant {
    const given = query.find(([k]) => k === 'X-Amz-Signature')?.[1];
    const params = query.filter(([k]) => k !== 'X-Amz-Signature');
    if (!given) throw new S3Error(403, 'AccessDenied', 'the URL carries no X-Amz-Signature; use the uploadUrl the API returned');
    const expected = Buffer.from(this.mac(path, params, partSize));
    const sent = Buffer.from(given);
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
      throw new S3Error(403, 'SignatureDoesNotMatch', 'the request signature does not match; the URL was altered or is not for a part of this size');
    }
    const get = (k: string) => params.find(([name]) => name === k)?.[1] ?? '';
    const signedAt = parseXDate(get('X-Amz-Date'));
    const ttl = Number(get('X-Amz-Expires'));
    if (!signedAt || !Number.isFinite(ttl)) throw new S3Error(403, 'AccessDenied', 'X-Amz-Date or X-Amz-Expires is malformed');
    const expiresAt = signedAt.getTime() + ttl * 1000;
    if (now.getTime() > expiresAt) throw new S3Error(403, 'AccessDenied', 'Request has expired');
    const ctxParam = get('X-Amz-Iteration-Hash-Ctx');
    const grant: PartGrant = { fileId: decodeURIComponent(path.slice(OBS_PREFIX.length)), uploadId: get('uploadId'), partNumber: Number(get('partNumber')), expiresAt };
    if (ctxParam) grant.hashCtx = decodeHashCtx(ctxParam).h;
    return grant;
  }

  private mac(path: string, params: ReadonlyArray<[string, string]>, partSize: number): string {
    const canonicalQuery = [...params]
      .map(([k, v]) => `${enc(k)}=${enc(v)}`)
      .sort()
      .join('&');
    return createHmac('sha256', this.secret).update(`PUT\n${path}\n${canonicalQuery}\ncontent-length:${partSize}`).digest('hex');
  }
}
