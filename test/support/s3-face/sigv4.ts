/** AWS Signature Version 4 for S3, pure: parse the Authorization header, canonicalise, sign. */
import { createHash, createHmac } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** sha256 of the empty string, the "previous hash" slot of every chunk string-to-sign. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The parts of `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
export interface SigV4Authorization {
  accessKeyId: string;
  /** yyyyMMdd */
  date: string;
  region: string;
  service: string;
  /** date/region/service/aws4_request */
  scope: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses a SigV4 Authorization header; undefined when it is not one or is malformed. */
export function parseSigV4Authorization(value: string): SigV4Authorization | undefined {
  if (!value.startsWith(`${SIGV4_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const piece of value.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const eq = piece.indexOf('=');
    if (eq > 0) fields.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential')?.split('/');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || credential.length !== 5 || credential[4] !== 'aws4_request' || !signedHeaders || !signature)
    return undefined;
  const [accessKeyId, date, region, service] = credential as [string, string, string, string];
  if (!/^\d{8}$/.test(date) || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
  return {
    accessKeyId,
    date,
    region,
    service,
    scope: credential.slice(1).join('/'),
    signedHeaders: signedHeaders.split(';'),
    signature,
  };
}

/** RFC 3986 percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (and '/' in paths). */
export function uriEncode(text: string, keepSlash = false): string {
  const encoded = encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

/** The canonical query string: pairs strictly re-encoded, sorted by key then value. */
export function canonicalQuery(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** The canonical header block for the signed names, from node's rawHeaders (repeats joined by ','). */
export function canonicalHeaders(rawHeaders: readonly string[], signed: readonly string[]): string | undefined {
  const values = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const list = values.get(name) ?? [];
    list.push(rawHeaders[i + 1]!.trim().replace(/\s+/g, ' '));
    values.set(name, list);
  }
  let block = '';
  for (const name of signed) {
    const v = values.get(name);
    if (!v) return undefined;
    block += `${name}:${v.join(',')}\n`;
  }
  return block;
}

export interface CanonicalRequestInput {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  canonicalHeaders: string;
  signedHeaders: readonly string[];
  payloadHash: string;
}

const sha256Hex = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');
const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text).digest();

export function canonicalRequest(input: CanonicalRequestInput): string {
  return [
    input.method,
    input.canonicalUri,
    input.canonicalQuery,
    input.canonicalHeaders,
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

/** kSigning = HMAC chain of "AWS4"+secret over date, region, service, "aws4_request". */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** The request signature: HMAC(kSigning, string-to-sign of the canonical request). */
export function requestSignature(key: Buffer, amzDate: string, scope: string, canonical: string): string {
  return hmac(key, `${SIGV4_ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`).toString('hex');
}

/** One aws-chunked chunk's signature, chained on the previous one (the seed is the header signature). */
export function chunkSignature(
  key: Buffer,
  amzDate: string,
  scope: string,
  previous: string,
  chunkSha256: string,
): string {
  return hmac(
    key,
    `${SIGV4_ALGORITHM}-PAYLOAD\n${amzDate}\n${scope}\n${previous}\n${EMPTY_SHA256}\n${chunkSha256}`,
  ).toString('hex');
}

/** The trailer signature of STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, over "name:value\n" lines. */
export function trailerSignature(
  key: Buffer,
  amzDate: string,
  scope: string,
  previous: string,
  trailerLines: string,
): string {
  return hmac(
    key,
    `${SIGV4_ALGORITHM}-TRAILER\n${amzDate}\n${scope}\n${previous}\n${sha256Hex(trailerLines)}`,
  ).toString('hex');
}

/** Parses x-amz-date (yyyyMMddTHHmmssZ) to a Date, or undefined. */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const at = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(at.getTime()) ? undefined : at;
}
