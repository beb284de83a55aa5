import { createHash, createHmac } from 'node:crypto';

/** What the app signature covers (reference §8.2). */
export interface SignableRequest {
  method: string;
  /** Path without query, e.g. /koodrive/ose/v1/backup/lock */
  path: string;
  /** Query parameters as sent (undecoded values are fine: they are re-encoded canonically). */
  query?: ReadonlyArray<[string, string]>;
  /** Header values by lower-case name; must hold every signed header. */
  headers: Readonly<Record<string, string>>;
  body: string | Uint8Array;
}

export const DEFAULT_SIGNED_HEADERS = ['host', 'x-date', 'x-user-id'] as const;

// RFC 3986: unreserved characters stay, everything else is %XY with upper-case hex.
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// The path may arrive escaped (from the wire) or not; decode first so it is never encoded twice.
// A "%" that starts no escape is a literal "%", and bytes that are not UTF-8 are kept as sent:
// signing must never throw on a path a user's --record-id or a client put together.
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  } catch {
    return segment;
  }
}

function canonicalUri(path: string): string {
  const segments = path.split('/').map((s) => uriEncode(decodeSegment(s)));
  const joined = segments.join('/');
  return joined.endsWith('/') ? joined : `${joined}/`;
}

/**
 * A query string in the order given, RFC 3986-encoded exactly as it is signed. Send this rather than
 * URLSearchParams' form encoding: its "+" for a space reads as a literal "+" to an RFC 3986 decoder,
 * and the server would then sign a different query than we did.
 */
export function encodeQuery(query: ReadonlyArray<[string, string]>): string {
  return query.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
}

function canonicalQuery(query: ReadonlyArray<[string, string]>): string {
  return query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** The canonical request string that is hashed and signed. */
export function canonicalRequest(req: SignableRequest, signedHeaders: readonly string[]): string {
  const names = [...signedHeaders].map((h) => h.toLowerCase()).sort();
  const headerLines = names.map((name) => {
    const value = req.headers[name];
    if (value === undefined) throw new Error(`header ${name} is signed but not present`);
    return `${name}:${value.trim()}\n`;
  });
  const payloadHash = createHash('sha256').update(req.body).digest('hex');
  return [
    req.method.toUpperCase(),
    canonicalUri(req.path),
    canonicalQuery(req.query ?? []),
    headerLines.join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
}

/** StringToSign = "HMAC-SHA256\n" + hex(SHA256(canonical request)). */
export function stringToSign(canonical: string): string {
  return `HMAC-SHA256\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

/** hex(HMAC-SHA256(appSecret, stringToSign)). */
export function signature(
  appSecret: string,
  req: SignableRequest,
  signedHeaders: readonly string[] = DEFAULT_SIGNED_HEADERS,
): string {
  return createHmac('sha256', appSecret)
    .update(stringToSign(canonicalRequest(req, signedHeaders)), 'utf8')
    .digest('hex');
}

/** The Authorization header value for app mode. */
export function appAuthorization(
  appId: string,
  appSecret: string,
  req: SignableRequest,
  signedHeaders: readonly string[] = DEFAULT_SIGNED_HEADERS,
): string {
  const names = [...signedHeaders].map((h) => h.toLowerCase()).sort();
  return `HMAC-SHA256 AppId=${appId},SignedHeaders=${names.join(';')},Signature=${signature(appSecret, req, names)}`;
}

export interface ParsedAppAuthorization {
  appId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses an app-mode Authorization value; undefined when it is not one. */
export function parseAppAuthorization(value: string): ParsedAppAuthorization | undefined {
  const m = /^HMAC-SHA256\s+(.*)$/.exec(value.trim());
  if (!m) return undefined;
  const fields = new Map<string, string>();
  for (const part of m[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const appId = fields.get('AppId');
  const signed = fields.get('SignedHeaders');
  const sig = fields.get('Signature');
  if (!appId || !signed || !sig) return undefined;
  return { appId, signedHeaders: signed.split(';').map((h) => h.trim().toLowerCase()), signature: sig };
}
