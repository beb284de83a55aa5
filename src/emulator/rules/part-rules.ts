/**
 * multiParts rules (reference §3.9, §5.1, §9): 1..10000 parts numbered 1..n; every part but the
 * last 5 MiB..5 GiB and a multiple of 64 bytes, the last 0..5 GiB; offsets contiguous from 0;
 * hashCtx [] on part 1 and 8 unsigned 32-bit words on every other; file ≤ 200 GB.
 */
import type { WirePart } from '../wire.js';

export const PART_COUNT_LIMIT = 10000;
export const PART_MIN = 5 * 1024 * 1024;
export const PART_MAX = 5 * 1024 * 1024 * 1024;
export const FILE_SIZE_LIMIT = 200 * 1000 * 1000 * 1000;
const ALIGN = 64;
const WORD_MAX = 0xffffffff;

function wordProblem(word: unknown): boolean {
  return typeof word !== 'number' || !Number.isInteger(word) || word < 0 || word > WORD_MAX;
}

/** The first broken rule of a part list for a file of `length` bytes, or undefined. */
export function partListProblem(parts: readonly WirePart[], length: number): string | undefined {
  if (parts.length < 1) return 'multiParts is empty';
  if (parts.length > PART_COUNT_LIMIT)
    return `multiParts has ${parts.length} parts; at most ${PART_COUNT_LIMIT} are allowed`;
  let expectedOffset = 0;
  for (const [index, part] of parts.entries()) {
    const n = index + 1;
    const isLast = n === parts.length;
    if (part.partNumber !== n)
      return `part ${n} has partNumber ${part.partNumber}; parts must be numbered 1..n in order`;
    if (!Number.isSafeInteger(part.partSize) || part.partSize < 0)
      return `part ${n}: partSize ${part.partSize} is not valid`;
    if (part.partSize > PART_MAX) return `part ${n}: partSize ${part.partSize} exceeds 5 GiB`;
    if (!isLast && part.partSize < PART_MIN)
      return `part ${n}: partSize ${part.partSize} is below 5 MiB (only the last part may be smaller)`;
    if (!isLast && part.partSize % ALIGN !== 0)
      return `part ${n}: partSize ${part.partSize} is not a multiple of 64 bytes`;
    if (part.partOffset !== expectedOffset)
      return `part ${n}: partOffset ${part.partOffset} should be ${expectedOffset}`;
    const words = part.hashCtx;
    if (n === 1 && words.length !== 0) return 'part 1: hashCtx must be empty';
    if (n > 1 && words.length !== 8) return `part ${n}: hashCtx must hold 8 words, got ${words.length}`;
    if (words.some(wordProblem)) return `part ${n}: hashCtx words must be unsigned 32-bit integers`;
    expectedOffset += part.partSize;
  }
  if (expectedOffset !== length) return `parts cover ${expectedOffset} bytes but length is ${length}`;
  return undefined;
}
