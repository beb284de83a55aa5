/**
 * The app-signature signer (src/auth/app-signature.ts) against a second implementation written
 * here, only from the reference's §8.2 text, with node:crypto. The two share no code: the test
 * side percent-encodes byte by byte instead of using encodeURIComponent.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  appAuthorization,
  canonicalRequest,
  encodeQuery,
  parseAppAuthorization,
  signature,
  stringToSign,
  type SignableRequest,
} from '../../src/auth/app-signature.js';

// ---- the test-only implementation of §8.2 -------------------------------------------------------

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

/** RFC 3986: unreserved characters as they are, every other UTF-8 byte as %XY (upper-case hex). */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Undoes %XY escapes (the path as sent on the wire may already be escaped). */
function percentDecode(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const cp = text.codePointAt(i)!;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** "RFC 3986 path, each segment URI-encoded, trailing "/" added". */
function refCanonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => percentEncode(percentDecode(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/**
 * "params sorted by name (code-point order), name=value, %XY upper hex, unreserved not encoded,
 * name= kept for empty value". The names are compared once encoded (pure ASCII, so code points and
 * UTF-16 units agree); equal names are ordered by value. This is the reading the project chose.
 */
function refCanonicalQuery(query: ReadonlyArray<[string, string]>): string {
  const pairs = query.map(([name, value]) => [percentEncode(name), percentEncode(value)] as [string, string]);
  const byCodePoint = (a: string, b: string): number => (a === b ? 0 : a < b ? -1 : 1);
  pairs.sort((a, b) => byCodePoint(a[0], b[0]) || byCodePoint(a[1], b[1]));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function refCanonicalRequest(req: SignableRequest, signed: readonly string[]): string {
  const names = signed.map((h) => h.toLowerCase()).sort();
  const headers = names.map((name) => `${name}:${req.headers[name]!.trim()}\n`).join('');
  return [
    req.method.toUpperCase(),
    refCanonicalUri(req.path),
    refCanonicalQuery(req.query ?? []),
    headers,
    names.join(';'),
    createHash('sha256').update(req.body).digest('hex'),
  ].join('\n');
}

function refStringToSign(canonical: string): string {
  return `HMAC-SHA256\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

function refSignature(
  secret: string,
  req: SignableRequest,
  signed: readonly string[] = ['host', 'x-date', 'x-user-id'],
): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(Buffer.from(refStringToSign(refCanonicalRequest(req, signed)), 'utf8'))
    .digest('hex');
}

// ---- vectors -------------------------------------------------------------------------------------

const HEADERS = { host: '10.32.45.165', 'x-date': '20240909T033325Z', 'x-user-id': '1505084218764547200' };
const SECRET = 'test-app-secret-7f3a';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

interface Vector {
  name: string;
  req: SignableRequest;
  /** The canonical URI and query the reference text gives for this request, written out by hand. */
  uri: string;
  query: string;
}

const VECTORS: Vector[] = [
  {
    name: 'POST with a JSON body, no query',
    req: { method: 'post', path: '/koodrive/ose/v1/backup/lock', headers: HEADERS, body: '{"moduleCode":"100"}' },
    uri: '/koodrive/ose/v1/backup/lock/',
    query: '',
  },
  {
    name: 'GET with an empty body and a query given out of order',
    req: {
      method: 'GET',
      path: '/koodrive/ose/v1/backup/record',
      query: [
        ['pageSize', '100'],
        ['moduleCode', '100'],
        ['cursor', ''],
      ],
      headers: HEADERS,
      body: '',
    },
    uri: '/koodrive/ose/v1/backup/record/',
    query: 'cursor=&moduleCode=100&pageSize=100',
  },
  {
    name: "query values with reserved characters (space, +, /, =, &, %, *, !, ', ~)",
    req: {
      method: 'GET',
      path: '/koodrive/ose/v1/backup/record/1805000000000000001/files',
      query: [
        ['cursor', 'a b+c/d=e&f%g'],
        ['deviceId', "my laptop (*!')~"],
        ['pageSize', '100'],
      ],
      headers: HEADERS,
      body: '',
    },
    uri: '/koodrive/ose/v1/backup/record/1805000000000000001/files/',
    query: 'cursor=a%20b%2Bc%2Fd%3De%26f%25g&deviceId=my%20laptop%20%28%2A%21%27%29~&pageSize=100',
  },
  {
    name: 'repeated names (ordered by value) and names with reserved characters',
    req: {
      method: 'GET',
      path: '/koodrive/ose/v1/x',
      query: [
        ['tag', 'b'],
        ['tag', 'a'],
        ['a:b', '1'],
        ['a1', '2'],
        ['Z', '3'],
      ],
      headers: HEADERS,
      body: '',
    },
    uri: '/koodrive/ose/v1/x/',
    // encoded "a%3Ab" sorts before "a1" ('%' < '1'), "Z" before "a" (upper case first)
    query: 'Z=3&a%3Ab=1&a1=2&tag=a&tag=b',
  },
  {
    name: 'unicode path segments and query (UTF-8, upper-case hex)',
    req: {
      method: 'PATCH',
      path: '/koodrive/ose/v1/备份/фото 1/ä',
      query: [['name', 'Zürich 東京']],
      headers: HEADERS,
      body: '{}',
    },
    uri: '/koodrive/ose/v1/%E5%A4%87%E4%BB%BD/%D1%84%D0%BE%D1%82%D0%BE%201/%C3%A4/',
    query: 'name=Z%C3%BCrich%20%E6%9D%B1%E4%BA%AC',
  },
  {
    name: 'a path that is already percent-encoded is not encoded twice',
    req: { method: 'DELETE', path: '/koodrive/ose/v1/%E5%A4%87%E4%BB%BD/a%20b/', headers: HEADERS, body: '' },
    uri: '/koodrive/ose/v1/%E5%A4%87%E4%BB%BD/a%20b/',
    query: '',
  },
  {
    name: 'binary body (bytes, not text)',
    req: { method: 'PUT', path: '/p', headers: HEADERS, body: new Uint8Array([0, 255, 10, 13, 0xc3]) },
    uri: '/p/',
    query: '',
  },
];

describe('app signature (reference §8.2)', () => {
  it.each(VECTORS)(
    'canonical request, string to sign and HMAC agree with the reference text: $name',
    ({ req, uri, query }) => {
      const signed = ['host', 'x-date', 'x-user-id'];
      const canonical = canonicalRequest(req, signed);
      expect(canonical).toBe(refCanonicalRequest(req, signed));
      const lines = canonical.split('\n');
      // METHOD, URI, query, three header lines, the blank line that ends them, signed headers, payload hash
      expect(lines).toHaveLength(9);
      expect(lines[0]).toBe(req.method.toUpperCase());
      expect(lines[1]).toBe(uri);
      expect(lines[2]).toBe(query);
      expect(lines.slice(3, 6)).toEqual([
        'host:10.32.45.165',
        'x-date:20240909T033325Z',
        'x-user-id:1505084218764547200',
      ]);
      expect(lines[6]).toBe('');
      expect(lines[7]).toBe('host;x-date;x-user-id');
      expect(lines[8]).toBe(createHash('sha256').update(req.body).digest('hex'));
      expect(stringToSign(canonical)).toBe(refStringToSign(canonical));
      expect(signature(SECRET, req)).toBe(refSignature(SECRET, req));
      expect(signature(SECRET, req)).toMatch(/^[0-9a-f]{64}$/);
    },
  );

  it('writes the whole canonical request of a GET with an empty body as the text describes it', () => {
    const req: SignableRequest = {
      method: 'GET',
      path: '/koodrive/ose/v1/backup/record',
      query: [
        ['pageSize', '100'],
        ['moduleCode', '100'],
      ],
      headers: HEADERS,
      body: '',
    };
    expect(canonicalRequest(req, ['x-user-id', 'host', 'x-date'])).toBe(
      'GET\n/koodrive/ose/v1/backup/record/\nmoduleCode=100&pageSize=100\nhost:10.32.45.165\n' +
        'x-date:20240909T033325Z\nx-user-id:1505084218764547200\n\nhost;x-date;x-user-id\n' +
        EMPTY_SHA256,
    );
    const canonicalHash = createHash('sha256')
      .update(canonicalRequest(req, ['host', 'x-date', 'x-user-id']))
      .digest('hex');
    expect(stringToSign(canonicalRequest(req, ['host', 'x-date', 'x-user-id']))).toBe(`HMAC-SHA256\n${canonicalHash}`);
  });

  it('lower-cases and sorts the signed header names, and trims header values', () => {
    const req: SignableRequest = {
      method: 'POST',
      path: '/a',
      headers: { ...HEADERS, 'x-date': '  20240909T033325Z ', 'content-type': 'application/json' },
      body: '{}',
    };
    const mixed = ['X-User-Id', 'Content-Type', 'host', 'X-Date'];
    expect(canonicalRequest(req, mixed)).toBe(refCanonicalRequest(req, mixed));
    expect(canonicalRequest(req, mixed)).toContain(
      '\ncontent-type:application/json\nhost:10.32.45.165\nx-date:20240909T033325Z\n' +
        'x-user-id:1505084218764547200\n\ncontent-type;host;x-date;x-user-id\n',
    );
    expect(signature(SECRET, req, mixed)).toBe(refSignature(SECRET, req, mixed));
  });

  it('builds the Authorization value and parses it back', () => {
    const req = VECTORS[0]!.req;
    const value = appAuthorization('my-app-id', SECRET, req);
    expect(value).toBe(
      `HMAC-SHA256 AppId=my-app-id,SignedHeaders=host;x-date;x-user-id,Signature=${refSignature(SECRET, req)}`,
    );
    expect(value).not.toContain(SECRET);
    expect(parseAppAuthorization(value)).toEqual({
      appId: 'my-app-id',
      signedHeaders: ['host', 'x-date', 'x-user-id'],
      signature: refSignature(SECRET, req),
    });
    // the documented example (X2) parses, although its secret is unknown
    const documented =
      'HMAC-SHA256 AppId=a378331eca141163119eb602adb67b7802cc79cd33ba44c7d2fe61d1586c96a1,SignedHeaders=host;x-date;' +
      'x-user-id,Signature=bd355f202be40f95bf9510fd7bd48ad711a7d144c01df07d515ee0fbf3a47416';
    expect(parseAppAuthorization(documented)?.signature).toBe(
      'bd355f202be40f95bf9510fd7bd48ad711a7d144c01df07d515ee0fbf3a47416',
    );
    for (const bad of ['Bearer abc', 'HMAC-SHA256 AppId=a,SignedHeaders=host', 'HMAC-SHA256 ', ''])
      expect(parseAppAuthorization(bad)).toBeUndefined();
  });

  it('changes the signature when anything signed changes', () => {
    const base: SignableRequest = {
      method: 'GET',
      path: '/koodrive/ose/v1/backup/record',
      query: [['cursor', 'a b']],
      headers: HEADERS,
      body: '',
    };
    const sig = signature(SECRET, base);
    const variants: SignableRequest[] = [
      { ...base, method: 'POST' },
      { ...base, path: '/koodrive/ose/v1/backup/recorD' },
      { ...base, query: [['cursor', 'a+b']] },
      { ...base, query: [] },
      { ...base, headers: { ...HEADERS, 'x-user-id': '1505084218764547201' } },
      { ...base, headers: { ...HEADERS, 'x-date': '20240909T033326Z' } },
      { ...base, headers: { ...HEADERS, host: '10.32.45.165:8080' } },
      { ...base, body: ' ' },
    ];
    for (const v of variants) expect(signature(SECRET, v)).not.toBe(sig);
    expect(signature(`${SECRET}x`, base)).not.toBe(sig);
    // a header that is not signed may change freely
    expect(signature(SECRET, { ...base, headers: { ...HEADERS, 'user-agent': 'x' } })).toBe(sig);
  });

  it('refuses to sign a header that is listed but missing', () => {
    expect(() =>
      canonicalRequest({ method: 'GET', path: '/', headers: { host: 'h' }, body: '' }, ['host', 'x-date']),
    ).toThrow(/x-date/);
  });

  it('signs a path with a stray "%" (not an escape) instead of throwing', () => {
    const req: SignableRequest = {
      method: 'GET',
      path: '/koodrive/ose/v1/backup/record/50%/files',
      headers: HEADERS,
      body: '',
    };
    expect(canonicalRequest(req, ['host']).split('\n')[1]).toBe('/koodrive/ose/v1/backup/record/50%25/files/');
    expect(signature(SECRET, req)).toBe(refSignature(SECRET, req));
  });

  it('encodes the query it sends exactly as it signs it (a space is %20, never "+")', () => {
    const query: Array<[string, string]> = [
      ['deviceId', 'my laptop+1'],
      ['cursor', 'é/=&'],
    ];
    expect(encodeQuery(query)).toBe('deviceId=my%20laptop%2B1&cursor=%C3%A9%2F%3D%26');
    // what a server decodes from the wire (RFC 3986) is what was signed
    const decoded = encodeQuery(query)
      .split('&')
      .map((p) => p.split('=').map(decodeURIComponent) as [string, string]);
    expect(decoded).toEqual(query);
    expect(encodeQuery([])).toBe('');
  });
});
