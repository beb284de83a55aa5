/**
 * App-signature check (reference §8.2), written from the reference, independent of the client's
 * signer: canonical request → StringToSign "HMAC-SHA256\n" + hex(SHA-256(canonical)) →
 * hex(HMAC-SHA256(AppSecret, StringToSign)).
 */
import { createHash, createHmac } from 'node:crypto';

/** The parts of a received request that the signature covers. */
export interface ReceivedRequest {
  method: string;
  /** The path exactly as received (still %-escaped). */
  rawPath: string;
  /** Query pairs, already %-decoded. */
  query: ReadonlyArray<readonly [string, string]>;
  /** Values of the signed headers by lower-case name. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
}

/** The fields of `Authorization: HMAC-SHA256 AppId=…,SignedHeaders=…,Signature=…`. */
export interface AppAuthorization {
  appId: string;
  signedHeaders: string[];
  signature: string;
}

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/** RFC 3986 encoding: unreserved characters kept, every other UTF-8 byte as %XY (upper-case hex). */
export function rfc3986(text: string): string {
  let out = '';
  for (const ch of text) {
    if (UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Each path segment decoded once and re-encoded; a trailing "/" added. Undefined for a bad escape. */
export function canonicalUri(rawPath: string): string | undefined {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    segments.push(rfc3986(decoded));
  }
  const uri = segments.join('/');
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/** name=value pairs, both encoded, sorted by name (code-point order; value breaks ties), joined by "&". */
export function canonicalQuery(query: ReadonlyArray<readonly [string, string]>): string {
  const pairs = query.map(([k, v]) => [rfc3986(k), rfc3986(v)] as const);
  pairs.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The canonical request; signed header names lower-case and sorted. */
export function canonicalRequestOf(req: ReceivedRequest, signedHeaders: readonly string[]): string | undefined {
  const uri = canonicalUri(req.rawPath);
  if (uri === undefined) return undefined;
  const names = signedHeaders.map((h) => h.toLowerCase()).sort(compare);
  let headerBlock = '';
  for (const name of names) {
    const value = req.headers[name];
    if (value === undefined) return undefined;
    headerBlock += `${name}:${value.trim()}\n`;
  }
  const payload = createHash('sha256').update(req.body).digest('hex');
  return (
    `${req.method.toUpperCase()}\n${uri}\n${canonicalQuery(req.query)}\n${headerBlock}\n${names.join(';')}\n` +
    `${payload}`
  );
}

/** The signature the caller should have sent; undefined when the request cannot be canonicalised. */
export function expectedSignature(
  appSecret: string,
  req: ReceivedRequest,
  signedHeaders: readonly string[],
): string | undefined {
  const canonical = canonicalRequestOf(req, signedHeaders);
  if (canonical === undefined) return undefined;
  const toSign = `HMAC-SHA256\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
  return createHmac('sha256', appSecret).update(toSign, 'utf8').digest('hex');
}

/** Reads an app-mode Authorization value; undefined when it is not one. */
export function readAppAuthorization(value: string): AppAuthorization | undefined {
  const m = /^HMAC-SHA256\s+(.+)$/.exec(value.trim());
  if (!m) return undefined;
  const fields = new Map<string, string>();
  for (const item of m[1]!.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) return undefined;
    fields.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  const appId = fields.get('AppId');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!appId || !signedHeaders || !signature) return undefined;
  return { appId, signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()), signature };
}
