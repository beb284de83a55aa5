import { createHash } from 'node:crypto';

/** The byte range [start, end) of a file that proofCode hashes (reference §6.1). */
export interface ProofSlice {
  start: number;
  end: number;
}

/** The seed's 63-bit start value, by seed: it depends on the seed only, and a run has one seed. */
const startValues = new Map<string, bigint>();

/** Where the proof slice lies for this seed value (X-User-Id or Authorization) and file size. */
export function proofSlice(originValue: string, size: number): ProofSlice | undefined {
  if (size === 0) return undefined;
  let v = startValues.get(originValue);
  if (v === undefined) {
    const seedHex = createHash('sha256').update(originValue, 'utf8').digest('hex');
    const d = createHash('sha256').update(seedHex, 'utf8').digest();
    v = d.readBigUInt64BE(24) & 0x7fff_ffff_ffff_ffffn;
    if (startValues.size >= 16) startValues.clear(); // a few seeds at most (tests try several)
    startValues.set(originValue, v);
  }
  const start = Number(v % BigInt(size));
  return { start, end: Math.min(start + 8, size) };
}

/** proofCode = lowercase hex SHA-256 of the slice's bytes. */
export function proofCodeOfSlice(sliceBytes: Uint8Array): string {
  return createHash('sha256').update(sliceBytes).digest('hex');
}

/** proofCode of data held in memory (tests, emulator); undefined for empty data. */
export function proofCodeOf(originValue: string, data: Uint8Array): string | undefined {
  const slice = proofSlice(originValue, data.byteLength);
  if (!slice) return undefined;
  return proofCodeOfSlice(data.subarray(slice.start, slice.end));
}

/** Collects the proof slice's bytes from a stream of consecutive chunks. */
export class ProofSliceCollector {
  private readonly bytes: Uint8Array;
  private filled = 0;

  constructor(private readonly slice: ProofSlice) {
    this.bytes = new Uint8Array(slice.end - slice.start);
  }

  /** Feed the chunk that starts at file offset `offset`. */
  take(chunk: Uint8Array, offset: number): void {
    const from = Math.max(this.slice.start, offset);
    const to = Math.min(this.slice.end, offset + chunk.byteLength);
    if (from >= to) return;
    this.bytes.set(chunk.subarray(from - offset, to - offset), from - this.slice.start);
    this.filled += to - from;
  }

  proofCode(): string {
    if (this.filled !== this.bytes.byteLength)
      throw new Error('proof slice incomplete: the file was shorter than planned');
    return proofCodeOfSlice(this.bytes);
  }
}
