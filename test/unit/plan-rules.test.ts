import { describe, expect, it } from 'vitest';
import { autoPartSize, MAX_PARTS, MiB, GB, multiPartsProblem, planParts } from '../../src/hash/part-rules.js';
import { choosePartSize, PartSizeError } from '../../src/hash/plan-file.js';

/** Part sizes of the automatic plan for a file of `size` bytes. */
function autoPlan(size: number): number[] {
  return planParts(size, choosePartSize(size)).map((p) => p.partSize);
}

describe('part planning boundaries', () => {
  it.each([
    ['0 bytes → one empty part', 0, [0]],
    ['1 byte → one part', 1, [1]],
    ['exactly 5 MiB → one part', 5 * MiB, [5 * MiB]],
    ['5 MiB + 1 → two parts', 5 * MiB + 1, [5 * MiB, 1]],
    ['12 MiB → three parts', 12 * MiB, [5 * MiB, 5 * MiB, 2 * MiB]],
    ['10 MiB → two full parts, no empty tail', 10 * MiB, [5 * MiB, 5 * MiB]],
  ])('%s', (_name, size, expected) => {
    expect(autoPlan(size)).toEqual(expected);
  });

  it('offsets are contiguous and every part but the first is numbered in order', () => {
    const parts = planParts(12 * MiB, 5 * MiB);
    expect(parts.map((p) => [p.partNumber, p.partOffset])).toEqual([
      [1, 0],
      [2, 5 * MiB],
      [3, 10 * MiB],
    ]);
  });

  it('keeps 5 MiB up to 10000 parts, then grows in whole MiB', () => {
    expect(autoPartSize(10_000 * 5 * MiB)).toBe(5 * MiB);
    expect(autoPartSize(10_000 * 5 * MiB + 1)).toBe(6 * MiB);
    const size = 100 * GB;
    const partSize = autoPartSize(size);
    expect(partSize).toBeGreaterThan(5 * MiB);
    expect(partSize % MiB).toBe(0);
    const parts = planParts(size, partSize);
    expect(parts.length).toBeLessThanOrEqual(MAX_PARTS);
    expect(() => planParts(size, partSize - MiB)).toThrow(/10000/);
    expect(
      multiPartsProblem(
        parts.map((p, i) => ({ ...p, hashCtx: i === 0 ? [] : [0, 0, 0, 0, 0, 0, 0, 0] })),
        size,
      ),
    ).toBeUndefined();
  });

  it('the largest file (200 GB) still fits in 10000 parts', () => {
    expect(planParts(200 * GB, autoPartSize(200 * GB)).length).toBeLessThanOrEqual(MAX_PARTS);
  });

  it('refuses an explicit part size that would need more than 10000 parts', () => {
    expect(() => planParts(10_000 * 5 * MiB + 1, 5 * MiB)).toThrow(/10000/);
  });

  it.each([
    ['below 5 MiB', 5 * MiB - 64, /below the 5 MiB minimum/],
    ['not 64-byte aligned', 5 * MiB + 1, /multiple of 64/],
    ['above 5 GiB', 5 * 1024 * MiB + 64, /5 GiB maximum/],
    ['fractional', 5 * MiB + 0.5, /whole number/],
  ])('refuses a part size %s', (_name, partSize, message) => {
    expect(() => choosePartSize(100 * MiB, partSize)).toThrow(PartSizeError);
    expect(() => choosePartSize(100 * MiB, partSize)).toThrow(message);
  });

  it('accepts a valid explicit part size as given', () => {
    expect(choosePartSize(100 * MiB, 8 * MiB + 64)).toBe(8 * MiB + 64);
  });
});
