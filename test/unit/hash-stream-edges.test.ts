/**
 * Edges of the client's pure hash modules that the vectors do not reach (issue 15 survivors):
 * multiParts and planParts refusals rule by rule, resuming SHA-256 only from a well-formed
 * midstate, and collecting the proof slice from chunks.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MiB, multiPartsProblem, planParts, type WirePart } from '../../src/hash/part-rules.js';
import { ProofSliceCollector } from '../../src/hash/proof-code.js';
import { assertResumable, nobleBackend, toHex } from '../../src/hash/sha256-stream.js';

const CTX = [1, 2, 3, 4, 5, 6, 7, 0xffffffff];
const two = (a: number, b: number, ctx: number[] = CTX): WirePart[] => [
  { partNumber: 1, partOffset: 0, partSize: a, hashCtx: [] },
  { partNumber: 2, partOffset: a, partSize: b, hashCtx: ctx },
];

describe('multiPartsProblem, rule by rule', () => {
  it('accepts a well-formed list, last part empty or up to 5 GiB', () => {
    expect(multiPartsProblem(two(5 * MiB, 0), 5 * MiB)).toBeUndefined();
    expect(multiPartsProblem(two(5 * MiB, 5 * 1024 * MiB), 5 * MiB + 5 * 1024 * MiB)).toBeUndefined();
    expect(multiPartsProblem([{ partNumber: 1, partOffset: 0, partSize: 7, hashCtx: [] }], 7)).toBeUndefined();
  });

  it('names the first broken rule', () => {
    expect(multiPartsProblem([], 0)).toBe('multiParts is empty');
    expect(multiPartsProblem([{ partNumber: 2, partOffset: 0, partSize: 7, hashCtx: [] }], 7)).toBe(
      'part 1 has partNumber 2; parts must be numbered 1..n in order',
    );
    expect(multiPartsProblem([{ partNumber: 1, partOffset: 0, partSize: -1, hashCtx: [] }], 0)).toBe(
      'part 1: partSize -1 is not valid',
    );
    expect(multiPartsProblem([{ partNumber: 1, partOffset: 0, partSize: 1.5, hashCtx: [] }], 1.5)).toBe(
      'part 1: partSize 1.5 is not valid',
    );
    expect(multiPartsProblem(two(5 * MiB, 5 * 1024 * MiB + 1), 0)).toBe(
      `part 2: partSize ${5 * 1024 * MiB + 1} exceeds 5 GiB`,
    );
    expect(multiPartsProblem(two(5 * MiB - 64, 1), 5 * MiB - 63)).toBe(
      `part 1: partSize ${5 * MiB - 64} is below 5 MiB (only the last part may be smaller)`,
    );
    expect(multiPartsProblem(two(5 * MiB + 1, 1), 5 * MiB + 2)).toBe(
      `part 1: partSize ${5 * MiB + 1} is not a multiple of 64 bytes`,
    );
    expect(multiPartsProblem([{ partNumber: 1, partOffset: 3, partSize: 7, hashCtx: [] }], 7)).toBe(
      'part 1: partOffset 3 should be 0',
    );
    expect(multiPartsProblem([{ partNumber: 1, partOffset: 0, partSize: 7, hashCtx: CTX }], 7)).toBe(
      'part 1: hashCtx must be empty',
    );
    expect(multiPartsProblem(two(5 * MiB, 1, [1, 2]), 5 * MiB + 1)).toBe('part 2: hashCtx must hold 8 words, got 2');
    expect(multiPartsProblem(two(5 * MiB, 1, [1, 2, 3, 4, 5, 6, 7, 2 ** 32]), 5 * MiB + 1)).toBe(
      'part 2: hashCtx words must be unsigned 32-bit integers',
    );
    expect(multiPartsProblem(two(5 * MiB, 1, [1, 2, 3, 4, 5, 6, 7, -1]), 5 * MiB + 1)).toBe(
      'part 2: hashCtx words must be unsigned 32-bit integers',
    );
    expect(multiPartsProblem(two(5 * MiB, 1, [1, 2, 3, 4, 5, 6, 7, 0.5]), 5 * MiB + 1)).toBe(
      'part 2: hashCtx words must be unsigned 32-bit integers',
    );
    expect(multiPartsProblem(two(5 * MiB, 1, [0, 0, 0, 0, 0, 0, 0, 0]), 5 * MiB + 1)).toBeUndefined();
    expect(multiPartsProblem(two(5 * MiB, 1), 5 * MiB + 2)).toBe(
      `parts cover ${5 * MiB + 1} bytes but length is ${5 * MiB + 2}`,
    );
    // a missing hashCtx reads as []
    expect(multiPartsProblem([{ partNumber: 1, partOffset: 0, partSize: 7 } as WirePart], 7)).toBeUndefined();
  });
});

describe('planParts refusals', () => {
  it('a size that is not a whole number ≥ 0, or above 200 GB, or a bad part size', () => {
    expect(() => planParts(-1, 5 * MiB)).toThrow('file size -1 is not valid');
    expect(() => planParts(1.5, 5 * MiB)).toThrow('file size 1.5 is not valid');
    expect(() => planParts(200e9 + 1, 5 * MiB)).toThrow(`file of ${200e9 + 1} bytes exceeds KooDrive's 200 GB limit`);
    expect(planParts(200e9, 20 * MiB)).toHaveLength(9537);
    expect(() => planParts(10, 5 * MiB + 1)).toThrow(`part size ${5 * MiB + 1} is not a multiple of 64 bytes`);
    expect(planParts(0, 5 * MiB)).toEqual([{ partNumber: 1, partOffset: 0, partSize: 0 }]);
  });
});

describe('resuming SHA-256', () => {
  it('only from 8 unsigned 32-bit words at a multiple of 64 bytes', () => {
    const words = [0, 1, 2, 3, 4, 5, 6, 0xffffffff];
    expect(() => assertResumable({ words, bytes: 128 })).not.toThrow();
    expect(() => assertResumable({ words: words.slice(1), bytes: 64 })).toThrow('a SHA-256 state has 8 words, got 7');
    expect(() => assertResumable({ words, bytes: 65 })).toThrow(
      'cannot resume SHA-256 at 65 bytes: not a multiple of 64',
    );
    expect(() => assertResumable({ words: [...words.slice(1), 2 ** 32], bytes: 64 })).toThrow(
      'hashCtx word 4294967296 is not an unsigned 32-bit integer',
    );
    expect(() => assertResumable({ words: [...words.slice(1), -1], bytes: 64 })).toThrow(
      'hashCtx word -1 is not an unsigned 32-bit integer',
    );
    expect(() => assertResumable({ words: [...words.slice(1), 1.5], bytes: 64 })).toThrow(
      'hashCtx word 1.5 is not an unsigned 32-bit integer',
    );
    expect(() => nobleBackend.create({ words: words.slice(1), bytes: 64 })).toThrow(/8 words/);
  });

  it('a midstate only at a 64-byte boundary; the count of bytes hashed is kept', () => {
    const h = nobleBackend.create();
    h.update(new Uint8Array(10));
    expect(h.bytesHashed).toBe(10);
    expect(() => h.midstate()).toThrow('midstate requested at 10 bytes, not a 64-byte boundary');
    const resumed = nobleBackend.create({ words: [1, 2, 3, 4, 5, 6, 7, 8], bytes: 128 });
    expect(resumed.bytesHashed).toBe(128);
  });

  it('toHex reads only the view it is given', () => {
    const whole = Uint8Array.from([0, 1, 0xab, 0xff, 9]);
    expect(toHex(whole.subarray(1, 4))).toBe('01abff');
  });
});

describe('ProofSliceCollector', () => {
  const data = Uint8Array.from({ length: 40 }, (_, i) => i);
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  it('collects [start, end) from chunks of any size, wherever the cuts fall', () => {
    for (const cut of [1, 3, 7, 13, 40]) {
      const c = new ProofSliceCollector({ start: 10, end: 18 });
      for (let off = 0; off < data.length; off += cut) c.take(data.subarray(off, off + cut), off);
      expect(c.proofCode()).toBe(sha(data.subarray(10, 18)));
    }
  });

  it('refuses to answer when the file ended before the slice did', () => {
    const c = new ProofSliceCollector({ start: 10, end: 18 });
    c.take(data.subarray(0, 14), 0);
    expect(() => c.proofCode()).toThrow('proof slice incomplete: the file was shorter than planned');
  });

  it('chunks before or after the slice change nothing', () => {
    const c = new ProofSliceCollector({ start: 10, end: 12 });
    c.take(data.subarray(0, 10), 0);
    c.take(data.subarray(12, 20), 12);
    expect(() => c.proofCode()).toThrow(/incomplete/);
    c.take(data.subarray(10, 12), 10);
    expect(c.proofCode()).toBe(sha(Uint8Array.from([10, 11])));
  });
});
