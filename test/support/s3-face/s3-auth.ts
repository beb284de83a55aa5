/** Verifies an S3-face request's SigV4 header signature and says how its body is to be read. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { headerValue } from '../../../src/emulator/http-io.js';
import { S3Error } from '../../../src/emulator/reply.js';
import {
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  parseAmzDate,
  parseSigV4Authorization,
  requestSignature,
  signingKey,
  uriEncode,
} from './sigv4.js';

/** The face's one accepted credential. */
export interface S3FaceOptions {
  accessKeyId: string;
  secretAccessKey: string;
  /** The region signatures must be scoped to; default us-east-1. */
  region?: string;
}

/** S3 allows 15 minutes between the signer's clock and ours, either way. */
const SKEW_MS = 15 * 60 * 1000;

/** How the body proves itself (x-amz-content-sha256). */
export type PayloadMode =
  | { kind: 'sha256'; sha256: string }
  | { kind: 'unsigned' }
  | { kind: 'chunked'; signed: boolean; trailer: boolean };

/** What a verified request carries forward: enough to check chunk signatures. */
export interface S3Caller {
  amzDate: string;
  scope: string;
  key: Buffer;
  seedSignature: string;
  payload: PayloadMode;
}

const STREAMING: Record<string, { signed: boolean; trailer: boolean }> = {
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD': { signed: true, trailer: false },
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER': { signed: true, trailer: true },
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER': { signed: false, trailer: true },
};

function payloadMode(value: string | undefined): PayloadMode {
  if (value === undefined)
    throw new S3Error(
      400,
      'InvalidRequest',
      'x-amz-content-sha256 is missing; sign it (the payload sha256, UNSIGNED-PAYLOAD or a STREAMING-… value)',
    );
  if (value === 'UNSIGNED-PAYLOAD') return { kind: 'unsigned' };
  const streaming = STREAMING[value];
  if (streaming) return { kind: 'chunked', ...streaming };
  if (/^[0-9a-f]{64}$/.test(value)) return { kind: 'sha256', sha256: value };
  throw new S3Error(
    400,
    'InvalidArgument',
    `x-amz-content-sha256 "${value.slice(0, 80)}" is not a sha256, UNSIGNED-PAYLOAD or a supported STREAMING-… value`,
  );
}

/** The ways a client may have written the canonical URI: as sent, or strictly re-encoded. */
function canonicalUris(rawPath: string): string[] {
  const uris = [rawPath];
  try {
    const strict = rawPath
      .split('/')
      .map((seg) => uriEncode(decodeURIComponent(seg)))
      .join('/');
    if (strict !== rawPath) uris.push(strict);
  } catch {
    // a malformed %-escape: only the raw form can match
  }
  return uris;
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Checks credential, scope, clock and signature; throws S3Error answers S3 would give. */
export function verifyS3Request(
  req: IncomingMessage,
  rawPath: string,
  query: ReadonlyArray<[string, string]>,
  face: S3FaceOptions,
  now: Date,
): S3Caller {
  const auth = parseSigV4Authorization(headerValue(req, 'authorization') ?? '');
  if (!auth)
    throw new S3Error(
      400,
      'AuthorizationHeaderMalformed',
      'the Authorization header is not AWS4-HMAC-SHA256 Credential=…/date/region/s3/aws4_request, ' +
        'SignedHeaders=…, Signature=…',
    );
  if (auth.accessKeyId !== face.accessKeyId)
    throw new S3Error(
      403,
      'InvalidAccessKeyId',
      'the access key id does not exist in our records; use the one the emulator was started with (--s3-access-key)',
    );
  const region = face.region ?? 'us-east-1';
  if (auth.region !== region)
    throw new S3Error(
      400,
      'AuthorizationHeaderMalformed',
      `the authorization header is scoped to region '${auth.region}'; this server expects '${region}'`,
    );
  if (auth.service !== 's3')
    throw new S3Error(
      400,
      'AuthorizationHeaderMalformed',
      `the credential is scoped to service '${auth.service}'; sign for 's3'`,
    );
  if (!auth.signedHeaders.includes('host'))
    throw new S3Error(400, 'AuthorizationHeaderMalformed', 'host must be among the SignedHeaders');
  const amzDate = headerValue(req, 'x-amz-date');
  const signedAt = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (!amzDate || !signedAt)
    throw new S3Error(403, 'AccessDenied', 'x-amz-date is missing or not yyyyMMddTHHmmssZ; SigV4 requests need it');
  if (amzDate.slice(0, 8) !== auth.date)
    throw new S3Error(403, 'SignatureDoesNotMatch', 'the credential date does not match x-amz-date');
  if (Math.abs(now.getTime() - signedAt.getTime()) > SKEW_MS) {
    throw new S3Error(
      403,
      'RequestTimeTooSkewed',
      'the difference between the request time and the server time is too large (over 15 minutes); fix the clock',
    );
  }
  const payloadHash = headerValue(req, 'x-amz-content-sha256');
  const payload = payloadMode(payloadHash);
  const headers = canonicalHeaders(req.rawHeaders, auth.signedHeaders);
  if (headers === undefined)
    throw new S3Error(403, 'SignatureDoesNotMatch', 'a header named in SignedHeaders is not in the request');
  const key = signingKey(face.secretAccessKey, auth.date, auth.region, auth.service);
  const cq = canonicalQuery(query);
  const matches = canonicalUris(rawPath).some((canonicalUri) => {
    const canonical = canonicalRequest({
      method: req.method ?? 'GET',
      canonicalUri,
      canonicalQuery: cq,
      canonicalHeaders: headers,
      signedHeaders: auth.signedHeaders,
      payloadHash: payloadHash!,
    });
    return sameHex(requestSignature(key, amzDate, auth.scope, canonical), auth.signature);
  });
  if (!matches)
    throw new S3Error(
      403,
      'SignatureDoesNotMatch',
      'the request signature we calculated does not match the signature you provided; check the secret key ' +
        'and signing method',
    );
  return { amzDate, scope: auth.scope, key, seedSignature: auth.signature, payload };
}
