/** KooDrive's multipart limits (reference §3.9, §9). */
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const GB = 1000 * 1000 * 1000;
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;
export const MAX_FILE_SIZE = 200 * GB;
export const PART_ALIGN = 64;

/** Where one part sits in the file. */
export interface PartLayout {
  partNumber: number;
  partOffset: number;
  partSize: number;
}

/** The wire fields of one part as sent in multiParts. */
export interface WirePart extends PartLayout {
  hashCtx: number[];
}

/** Why a part size cannot be used, or undefined when it can. */
export function partSizeProblem(partSize: number): string | undefined {
  if (!Number.isSafeInteger(partSize)) return `part size ${partSize} is not a whole number of bytes`;
  if (partSize < MIN_PART_SIZE) return `part size ${partSize} is below the 5 MiB minimum`;
  if (partSize > MAX_PART_SIZE) return `part size ${partSize} is above the 5 GiB maximum`;
  if (partSize % PART_ALIGN !== 0) return `part size ${partSize} is not a multiple of 64 bytes`;
  return undefined;
}

/** The automatic part size: 5 MiB, grown in whole MiB so that no file needs more than 10000 parts. */
export function autoPartSize(fileSize: number): number {
  const needed = Math.ceil(fileSize / MAX_PARTS);
  return Math.max(MIN_PART_SIZE, Math.ceil(needed / MiB) * MiB);
}

/** Splits a file into equal parts (the last one shorter, possibly empty for an empty file). */
export function planParts(fileSize: number, partSize: number): PartLayout[] {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw new Error(`file size ${fileSize} is not valid`);
  if (fileSize > MAX_FILE_SIZE) throw new Error(`file of ${fileSize} bytes exceeds KooDrive's 200 GB limit`);
  const problem = partSizeProblem(partSize);
  if (problem) throw new Error(problem);
  const count = Math.max(1, Math.ceil(fileSize / partSize));
  if (count > MAX_PARTS) {
    throw new Error(
      `part size ${partSize} splits ${fileSize} bytes into ${count} parts; KooDrive allows 10000 (use a larger ` +
        `part size or the automatic one)`,
    );
  }
  const parts: PartLayout[] = [];
  for (let i = 0; i < count; i++) {
    const partOffset = i * partSize;
    parts.push({ partNumber: i + 1, partOffset, partSize: Math.min(partSize, fileSize - partOffset) });
  }
  return parts;
}

/**
 * Checks a multiParts list against the rules for a file of `length` bytes: numbering, contiguous
 * offsets, sizes in range and 64-byte aligned, hashCtx present (8 unsigned words) on every part but
 * the first. Returns the first problem found, or undefined.
 */
export function multiPartsProblem(parts: readonly WirePart[], length: number): string | undefined {
  if (parts.length === 0) return 'multiParts is empty';
  if (parts.length > MAX_PARTS) return `multiParts has ${parts.length} parts; at most 10000 are allowed`;
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const last = i === parts.length - 1;
    if (p.partNumber !== i + 1)
      return `part ${i + 1} has partNumber ${p.partNumber}; parts must be numbered 1..n in order`;
    if (!Number.isSafeInteger(p.partSize) || p.partSize < 0)
      return `part ${p.partNumber}: partSize ${p.partSize} is not valid`;
    if (p.partSize > MAX_PART_SIZE) return `part ${p.partNumber}: partSize ${p.partSize} exceeds 5 GiB`;
    if (!last && p.partSize < MIN_PART_SIZE)
      return `part ${p.partNumber}: partSize ${p.partSize} is below 5 MiB (only the last part may be smaller)`;
    if (!last && p.partSize % PART_ALIGN !== 0)
      return `part ${p.partNumber}: partSize ${p.partSize} is not a multiple of 64 bytes`;
    if (p.partOffset !== offset) return `part ${p.partNumber}: partOffset ${p.partOffset} should be ${offset}`;
    const ctx = p.hashCtx ?? [];
    if (i === 0 && ctx.length !== 0) return 'part 1: hashCtx must be empty';
    if (i > 0 && ctx.length !== 8) return `part ${p.partNumber}: hashCtx must hold 8 words, got ${ctx.length}`;
    if (ctx.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff))
      return `part ${p.partNumber}: hashCtx words must be unsigned 32-bit integers`;
    offset += p.partSize;
  }
  if (offset !== length) return `parts cover ${offset} bytes but length is ${length}`;
  return undefined;
}
