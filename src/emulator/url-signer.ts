/**
 * Presigned PUT URLs for parts and GET URLs for downloads: SigV4-looking query, HMAC'd with the emulator's own secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WirePart } from './wire.js';
import { formatXDate, parseXDate } from './wire.js';
import { S3Error } from './reply.js';

export const OBS_PREFIX = '/_obs/';
/** Download URLs live under their own prefix; their signature covers the method GET. */
export const OBS_GET_PREFIX = '/_obs-get/';

/** What a valid download URL grants: reading one file until expiresAt. */
export interface GetGrant {
  fileId: string;
  expiresAt: number;
}

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
  const ctx = {
    md_len: 32,
    num: 0,
    h: words,
    nh: Number(bits >> 32n),
    nl: Number(bits & 0xffffffffn),
    hash_type: 'sha256',
  };
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
    const sig = this.mac('PUT', path, params, `content-length:${part.partSize}`);
    const query = [...params, ['X-Amz-Signature', sig]].map(([k, v]) => `${enc(k!)}=${enc(v!)}`).join('&');
    return `${baseUrl}${path}?${query}`;
  }

  /** A URL for GETting (or HEADing) a complete file, valid `ttlSeconds` from `now`. */
  signGet(baseUrl: string, fileId: string, ttlSeconds: number, now: Date): string {
    const xDate = formatXDate(now);
    const params: Array<[string, string]> = [
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Credential', `koodrive-emulator/${xDate.slice(0, 8)}/local/s3/aws4_request`],
      ['X-Amz-Date', xDate],
      ['X-Amz-Expires', String(ttlSeconds)],
      ['X-Amz-SignedHeaders', 'host'],
    ];
    const path = `${OBS_GET_PREFIX}${enc(fileId)}`;
    const sig = this.mac('GET', path, params, 'host');
    const query = [...params, ['X-Amz-Signature', sig]].map(([k, v]) => `${enc(k!)}=${enc(v!)}`).join('&');
    return `${baseUrl}${path}?${query}`;
  }

  /**
   * Checks a PUT's path and query against the signature made for a part of `partSize` bytes; the
   * caller looks the part up first (by fileId and partNumber) to know that size.
   */
  verify(path: string, query: ReadonlyArray<[string, string]>, partSize: number, now: Date): PartGrant {
    const { params, expiresAt } = this.check('PUT', path, query, `content-length:${partSize}`, now);
    const get = (k: string) => params.find(([name]) => name === k)?.[1] ?? '';
    const ctxParam = get('X-Amz-Iteration-Hash-Ctx');
    const grant: PartGrant = {
      fileId: decodeURIComponent(path.slice(OBS_PREFIX.length)),
      uploadId: get('uploadId'),
      partNumber: Number(get('partNumber')),
      expiresAt,
    };
    if (ctxParam) grant.hashCtx = decodeHashCtx(ctxParam).h;
    return grant;
  }

  /** Checks a download URL (GET or HEAD); a PUT URL, an altered or an expired one is refused (403). */
  verifyGet(path: string, query: ReadonlyArray<[string, string]>, now: Date): GetGrant {
    const { expiresAt } = this.check('GET', path, query, 'host', now);
    let fileId: string;
    try {
      fileId = decodeURIComponent(path.slice(OBS_GET_PREFIX.length));
    } catch {
      throw new S3Error(400, 'InvalidArgument', 'the path holds a malformed %-escape');
    }
    return { fileId, expiresAt };
  }

  /** Signature first (403 SignatureDoesNotMatch), then the expiry (403 AccessDenied). */
  private check(
    method: 'PUT' | 'GET',
    path: string,
    query: ReadonlyArray<[string, string]>,
    signedHeaders: string,
    now: Date,
  ): { params: Array<[string, string]>; expiresAt: number } {
    const given = query.find(([k]) => k === 'X-Amz-Signature')?.[1];
    const params = query.filter(([k]) => k !== 'X-Amz-Signature');
    if (!given)
      throw new S3Error(403, 'AccessDenied', 'the URL carries no X-Amz-Signature; use the URL the API returned');
    const expected = Buffer.from(this.mac(method, path, params, signedHeaders));
    const sent = Buffer.from(given);
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
      const what =
        method === 'PUT'
          ? 'the URL was altered or is not for a part of this size'
          : 'the URL was altered or is not a download URL';
      throw new S3Error(403, 'SignatureDoesNotMatch', `the request signature does not match; ${what}`);
    }
    const get = (k: string) => params.find(([name]) => name === k)?.[1] ?? '';
    const signedAt = parseXDate(get('X-Amz-Date'));
    const ttl = Number(get('X-Amz-Expires'));
    if (!signedAt || !Number.isFinite(ttl))
      throw new S3Error(403, 'AccessDenied', 'X-Amz-Date or X-Amz-Expires is malformed');
    const expiresAt = signedAt.getTime() + ttl * 1000;
    if (now.getTime() > expiresAt) throw new S3Error(403, 'AccessDenied', 'Request has expired');
    return { params, expiresAt };
  }

  /** HMAC over method, path, canonical query and what else is signed (PUT: the part size; GET: the host). */
  private mac(
    method: 'PUT' | 'GET',
    path: string,
    params: ReadonlyArray<[string, string]>,
    signedHeaders: string,
  ): string {
    const canonicalQuery = [...params]
      .map(([k, v]) => `${enc(k)}=${enc(v)}`)
      .sort()
      .join('&');
    return createHmac('sha256', this.secret)
      .update(`${method}\n${path}\n${canonicalQuery}\n${signedHeaders}`)
      .digest('hex');
  }
}
