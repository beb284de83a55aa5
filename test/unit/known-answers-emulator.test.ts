/**
 * The emulator's own rule modules (src/emulator/rules) against the same literal known answers the
 * client must meet; a bug on one side can no longer hide behind the same bug on the other.
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalQuery,
  canonicalUri,
  expectedSignature,
  readAppAuthorization,
  rfc3986,
} from '../../src/emulator/rules/app-signature.js';
import { charCount, nameRuleBroken, nameTooLong } from '../../src/emulator/rules/file-name.js';
import { nobleEngine, passesReferenceVector, defaultEngine } from '../../src/emulator/rules/midstate-sha256.js';
import { PART_COUNT_LIMIT, partListProblem } from '../../src/emulator/rules/part-rules.js';
import { proofCodeOfBytes, proofRange } from '../../src/emulator/rules/proof-code.js';
import { chinaTimeSuffix, renamedName } from '../../src/emulator/rules/rename.js';
import { parseXDate } from '../../src/emulator/wire.js';
import type { WirePart } from '../../src/emulator/wire.js';
import {
  PROOF_VECTORS,
  proofData,
  RENAME_VECTORS,
  SIGN_HEADERS,
  SIGN_SECRET,
  SIGNATURE_VECTORS,
} from '../fixtures/vectors/known-answers.js';

const SIGNED = ['host', 'x-date', 'x-user-id'];

describe('emulator app signature: known answers', () => {
  it.each(SIGNATURE_VECTORS)('$name', (v) => {
    const req = { method: v.method, rawPath: v.path, query: v.query, headers: SIGN_HEADERS, body: Buffer.from(v.body) };
    expect(canonicalQuery(v.query)).toBe(v.canonicalQuery);
    expect(expectedSignature(SIGN_SECRET, req, SIGNED)).toBe(v.signature);
    // Signed-header order in the Authorization value does not matter; names are sorted.
    expect(expectedSignature(SIGN_SECRET, req, ['x-user-id', 'HOST', 'x-date'])).toBe(v.signature);
    expect(expectedSignature(`${SIGN_SECRET}x`, req, SIGNED)).not.toBe(v.signature);
  });

  it('encodes per RFC 3986: unreserved kept, the rest as upper-case %XY of UTF-8 bytes', () => {
    expect(rfc3986('AZaz09-_.~')).toBe('AZaz09-_.~');
    expect(rfc3986("a b+c/é*!'()")).toBe('a%20b%2Bc%2F%C3%A9%2A%21%27%28%29');
  });

  it('decodes each received path segment once, re-encodes it and adds a trailing slash', () => {
    expect(canonicalUri('/a/rec%201/x')).toBe('/a/rec%201/x/');
    expect(canonicalUri('/a/b/')).toBe('/a/b/');
    expect(canonicalUri('/a/%E2%82%AC')).toBe('/a/%E2%82%AC/');
    expect(canonicalUri('/a/%zz')).toBeUndefined();
  });

  it('sorts by name, then by value, and keeps "name=" for an empty value', () => {
    expect(
      canonicalQuery([
        ['b', '2'],
        ['a', 'y'],
        ['a', 'x'],
        ['c', ''],
      ]),
    ).toBe('a=x&a=y&b=2&c=');
  });

  it('a signed header that is not there makes the request unsignable', () => {
    const req = { method: 'GET', rawPath: '/x', query: [], headers: { host: 'h' }, body: Buffer.alloc(0) };
    expect(expectedSignature(SIGN_SECRET, req, SIGNED)).toBeUndefined();
  });

  it('reads the Authorization value of app mode, and nothing else', () => {
    expect(readAppAuthorization('HMAC-SHA256 AppId=app-1,SignedHeaders=host;X-Date;x-user-id,Signature=abc')).toEqual({
      appId: 'app-1',
      signedHeaders: ['host', 'x-date', 'x-user-id'],
      signature: 'abc',
    });
    expect(readAppAuthorization('Bearer t')).toBeUndefined();
    expect(readAppAuthorization('HMAC-SHA256 AppId=a,SignedHeaders=host')).toBeUndefined();
    expect(readAppAuthorization('HMAC-SHA256 AppId=a,junk,Signature=s,SignedHeaders=host')).toBeUndefined();
  });
});

describe('emulator proofCode: seeds whose top bit is set', () => {
  it.each(PROOF_VECTORS)('$origin over $data', (v) => {
    const data = proofData(v.data);
    const range = proofRange(v.origin, data.byteLength);
    expect(range).toEqual({ start: v.start, end: v.end });
    expect(proofCodeOfBytes(data.subarray(v.start, v.end))).toBe(v.proofCode);
  });

  it('the reference §6.1 vectors, and no proof for an empty file', () => {
    expect(proofRange('1505084218764547200', 12)).toEqual({ start: 7, end: 12 });
    expect(proofRange('1505084218764547200', 108274)).toEqual({ start: 64801, end: 64809 });
    expect(proofRange('1505084218764547200', 0)).toBeUndefined();
  });
});

describe('emulator rename: UTC+8 across the day boundary', () => {
  it.each(RENAME_VECTORS)('$at → $suffix', ({ at, suffix }) => {
    expect(chinaTimeSuffix(new Date(at))).toBe(suffix);
  });

  it('before the last extension, with a counter past the first try', () => {
    const at = new Date('2025-12-31T16:00:00Z');
    expect(renamedName('123.jpg', at)).toBe('123_20260101_000000.jpg');
    expect(renamedName('123.jpg', at, 2)).toBe('123_20260101_000000_2.jpg');
    expect(renamedName('archive.tar.gz', at)).toBe('archive.tar_20260101_000000.gz');
    expect(renamedName('.bashrc', at)).toBe('.bashrc_20260101_000000');
    expect(renamedName('README', at)).toBe('README_20260101_000000');
  });
});

describe('emulator name and part rules at the edges', () => {
  it('250 characters pass, 251 are too long (code points: an emoji is one)', () => {
    expect(nameTooLong('a'.repeat(250))).toBe(false);
    expect(nameTooLong('a'.repeat(251))).toBe(true);
    expect(nameTooLong('😀'.repeat(250))).toBe(false);
    expect(charCount('😀é')).toBe(2);
  });

  it.each(['', '.', '..', 'a<b', 'a>b', 'a|b', 'a:b', 'a"b', 'a*b', 'a?b', 'a/b', 'a\\b'])(
    'refuses the name %j',
    (name) => {
      expect(nameRuleBroken(name, false)).toBeDefined();
    },
  );

  it('allows ".x", "...", spaces by default; spaces refused when asked', () => {
    expect(nameRuleBroken('.x', false)).toBeUndefined();
    expect(nameRuleBroken('...', false)).toBeUndefined();
    expect(nameRuleBroken('a b.txt', false)).toBeUndefined();
    expect(nameRuleBroken('a b.txt', true)).toMatch(/space/);
  });

  const MiB = 1024 * 1024;
  const parts = (n: number, size = 5 * MiB): WirePart[] =>
    Array.from({ length: n }, (_, i) => ({
      partNumber: i + 1,
      partOffset: i * size,
      partSize: size,
      hashCtx: i === 0 ? [] : [0, 1, 2, 3, 4, 5, 6, 0xffffffff],
    }));

  it('exactly 10000 parts pass, 10001 do not', () => {
    expect(PART_COUNT_LIMIT).toBe(10000);
    expect(partListProblem(parts(10000), 10000 * 5 * MiB)).toBeUndefined();
    expect(partListProblem(parts(10001), 10001 * 5 * MiB)).toMatch(/10001 parts/);
  });

  it('part sizes: 5 MiB and 64-byte multiples except the last, 5 GiB at most, contiguous offsets, hashCtx', () => {
    const two = (a: number, b: number, ctx: number[] = [1, 2, 3, 4, 5, 6, 7, 8]): WirePart[] => [
      { partNumber: 1, partOffset: 0, partSize: a, hashCtx: [] },
      { partNumber: 2, partOffset: a, partSize: b, hashCtx: ctx },
    ];
    expect(partListProblem(two(5 * MiB, 0), 5 * MiB)).toBeUndefined();
    expect(partListProblem(two(5 * MiB - 64, 10), 5 * MiB - 54)).toMatch(/below 5 MiB/);
    expect(partListProblem(two(5 * MiB + 1, 10), 5 * MiB + 11)).toMatch(/multiple of 64/);
    expect(partListProblem(two(5 * MiB, 5 * 1024 * MiB + 1), 5 * MiB + 5 * 1024 * MiB + 1)).toMatch(/exceeds 5 GiB/);
    expect(partListProblem(two(5 * MiB, 5 * 1024 * MiB), 5 * MiB + 5 * 1024 * MiB)).toBeUndefined();
    expect(partListProblem(two(5 * MiB, 1, [1, 2, 3]), 5 * MiB + 1)).toMatch(/8 words/);
    expect(partListProblem(two(5 * MiB, 1, [1, 2, 3, 4, 5, 6, 7, 2 ** 32]), 5 * MiB + 1)).toMatch(/unsigned 32-bit/);
    expect(partListProblem(two(5 * MiB, 1, [1, 2, 3, 4, 5, 6, 7, -1]), 5 * MiB + 1)).toMatch(/unsigned 32-bit/);
    expect(partListProblem(two(5 * MiB, 1), 5 * MiB + 2)).toMatch(/cover/);
    expect(
      partListProblem([{ partNumber: 1, partOffset: 0, partSize: 3, hashCtx: [1, 2, 3, 4, 5, 6, 7, 8] }], 3),
    ).toMatch(/part 1: hashCtx must be empty/);
    expect(partListProblem([{ partNumber: 2, partOffset: 0, partSize: 3, hashCtx: [] }], 3)).toMatch(/numbered/);
    expect(partListProblem([{ partNumber: 1, partOffset: 1, partSize: 3, hashCtx: [] }], 3)).toMatch(
      /partOffset 1 should be 0/,
    );
    expect(partListProblem([], 0)).toMatch(/empty/);
  });
});

describe('emulator resumable SHA-256 and X-Date', () => {
  it('both engines reproduce the reference §5.2 vector', () => {
    expect(passesReferenceVector(nobleEngine)).toBe(true);
    expect(passesReferenceVector(defaultEngine())).toBe(true);
  });

  it('X-Date must name a real UTC instant in yyyyMMddTHHmmssZ', () => {
    expect(parseXDate('20251218T013236Z')?.toISOString()).toBe('2025-12-18T01:32:36.000Z');
    expect(parseXDate('20251332T013236Z')).toBeUndefined();
    expect(parseXDate('20251218T013236')).toBeUndefined();
    expect(parseXDate('2025-12-18T01:32:36Z')).toBeUndefined();
  });
});
