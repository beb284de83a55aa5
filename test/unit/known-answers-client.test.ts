/**
 * The client's pure functions against literal known answers (test/fixtures/vectors), and at the
 * edges of the reference's limits: exactly 10000 parts and 250 characters pass, one more fails.
 */
import { describe, expect, it } from 'vitest';
import { signature } from '../../src/auth/app-signature.js';
import { MAX_PARTS, MiB, multiPartsProblem, planParts, type WirePart } from '../../src/hash/part-rules.js';
import { proofCodeOf, proofSlice } from '../../src/hash/proof-code.js';
import { fileNameProblem, localNameProblem, renamedFileName, renameSuffix } from '../../src/names/file-name.js';
import {
  PROOF_VECTORS,
  proofData,
  RENAME_VECTORS,
  SIGN_HEADERS,
  SIGN_SECRET,
  SIGNATURE_VECTORS,
} from '../fixtures/vectors/known-answers.js';

describe('client app signature: known answers', () => {
  it.each(SIGNATURE_VECTORS)('$name', (v) => {
    expect(
      signature(SIGN_SECRET, { method: v.method, path: v.path, query: v.query, headers: SIGN_HEADERS, body: v.body }),
    ).toBe(v.signature);
  });
});

describe('client proofCode: seeds whose top bit is set', () => {
  it.each(PROOF_VECTORS)('$origin over $data', (v) => {
    const data = proofData(v.data);
    expect(proofSlice(v.origin, data.byteLength)).toEqual({ start: v.start, end: v.end });
    expect(proofCodeOf(v.origin, data)).toBe(v.proofCode);
    expect(v.start).not.toBe(v.startIfSignBitKept); // the vector can tell the two apart
  });
});

describe('client rename suffix: UTC+8 across the day boundary', () => {
  it.each(RENAME_VECTORS)('$at → $suffix', ({ at, suffix }) => {
    expect(renameSuffix(new Date(at))).toBe(suffix);
  });

  it('goes before the last extension; a leading dot is no extension', () => {
    const at = new Date('2025-12-31T16:00:00Z');
    expect(renamedFileName('123.jpg', at)).toBe('123_20260101_000000.jpg');
    expect(renamedFileName('archive.tar.gz', at)).toBe('archive.tar_20260101_000000.gz');
    expect(renamedFileName('.bashrc', at)).toBe('.bashrc_20260101_000000');
    expect(renamedFileName('README', at)).toBe('README_20260101_000000');
  });
});

describe('client part plan at the 10000-part edge', () => {
  const part = 5 * MiB;

  it('plans exactly 10000 parts and refuses one byte more', () => {
    const parts = planParts(10_000 * part, part);
    expect(parts).toHaveLength(10_000);
    expect(parts.at(-1)).toEqual({ partNumber: 10_000, partOffset: 9_999 * part, partSize: part });
    expect(() => planParts(10_000 * part + 1, part)).toThrow(/10001 parts/);
  });

  const wire = (n: number, size = part): WirePart[] =>
    Array.from({ length: n }, (_, i) => ({
      partNumber: i + 1,
      partOffset: i * size,
      partSize: size,
      hashCtx: i === 0 ? [] : [1, 2, 3, 4, 5, 6, 7, 0xffffffff],
    }));

  it('accepts a multiParts list of exactly 10000 parts and refuses 10001', () => {
    expect(MAX_PARTS).toBe(10_000);
    expect(multiPartsProblem(wire(10_000), 10_000 * part)).toBeUndefined();
    expect(multiPartsProblem(wire(10_001), 10_001 * part)).toMatch(/10001 parts; at most 10000/);
  });
});

describe('client names at the 250-character edge', () => {
  it('a 250-character fileName is legal, 251 is not (characters, not UTF-16 units)', () => {
    expect(fileNameProblem('a'.repeat(250))).toBeUndefined();
    expect(fileNameProblem('a'.repeat(251))).toMatch(/longer than 250/);
    expect(fileNameProblem('😀'.repeat(250))).toBeUndefined();
    expect(fileNameProblem('😀'.repeat(251))).toMatch(/longer than 250/);
  });

  it('a local file whose base name ends at 250 characters is accepted, 251 refused', () => {
    expect(localNameProblem(`dir/${'b'.repeat(250)}`)).toBeUndefined();
    expect(localNameProblem(`dir/${'b'.repeat(251)}`)).toMatch(/longer than 250/);
  });
});
