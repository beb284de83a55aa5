/**
 * proofCode (reference §6.1), written from the documented steps: seed = hex(SHA-256(originValue));
 * d = SHA-256(seed as a string); v = d[24..31] big-endian with the sign bit cleared;
 * start = v mod size; proofCode = hex(SHA-256(file[start : min(start + 8, size)])).
 */
import { createHash } from 'node:crypto';

/** [start, end) of the bytes proofCode hashes; undefined for an empty file (no proofCode). */
export interface ProofRange {
  start: number;
  end: number;
}

export function proofRange(originValue: string, size: number): ProofRange | undefined {
  if (size <= 0) return undefined;
  const seed = createHash('sha256').update(Buffer.from(originValue, 'utf8')).digest('hex');
  const d = createHash('sha256').update(Buffer.from(seed, 'utf8')).digest();
  // Bytes 24..31 as a big-endian 64-bit number, top bit dropped (Java's "remove the sign bit").
  let v = 0n;
  for (let i = 24; i < 32; i++) v = (v << 8n) | BigInt(d[i]!);
  v &= (1n << 63n) - 1n;
  const start = Number(v % BigInt(size));
  return { start, end: Math.min(start + 8, size) };
}

/** hex(SHA-256(slice)). */
export function proofCodeOfBytes(slice: Uint8Array): string {
  return createHash('sha256').update(slice).digest('hex');
}
