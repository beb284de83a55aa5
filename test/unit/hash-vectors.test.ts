import { describe, expect, it } from 'vitest';
import { nobleBackend, toHex } from '../../src/hash/sha256-stream.js';
import { proofCodeOf, proofSlice } from '../../src/hash/proof-code.js';

const hex = (words: number[]) => words.map((w) => w.toString(16).padStart(8, '0')).join(' ');

/** bytes(i % 251 for i in 0..n-1), the reference's test data. */
function mod251(n: number): Uint8Array {
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = i % 251;
  return data;
}

describe('reference §5.2 hashCtx vector (noble)', () => {
  const data = mod251(320);

  it('gives the documented midstates at 128 and 256 bytes and the whole-file digest', () => {
    const h = nobleBackend.create();
    h.update(data.subarray(0, 128));
    const at128 = h.midstate();
    expect(hex(at128)).toBe('593253ad fb4cc018 be611395 485e47c1 5a5b271d fb8da14f e8f77fb4 d05eacbc');
    expect(at128).toEqual([
      1496470445, 4216111128, 3194033045, 1214138305, 1515923229, 4220363087, 3908534196, 3495865532,
    ]);
    h.update(data.subarray(128, 256));
    expect(hex(h.midstate())).toBe('edba51c8 d14f2c6e 30929803 50ce3ed0 c0270451 7ebc882b 7a17accc 2ed273ad');
    h.update(data.subarray(256));
    expect(toHex(h.digest())).toBe('7f2fcab03c5e118e07abe79b7db86af8a7e78d2e312b68e58e1d262c7de84f39');
  });

  it('finishing from the offset-256 state gives the whole-file hash', () => {
    const words = [0xedba51c8, 0xd14f2c6e, 0x30929803, 0x50ce3ed0, 0xc0270451, 0x7ebc882b, 0x7a17accc, 0x2ed273ad];
    const h = nobleBackend.create({ words, bytes: 256 });
    h.update(data.subarray(256));
    expect(toHex(h.digest())).toBe('7f2fcab03c5e118e07abe79b7db86af8a7e78d2e312b68e58e1d262c7de84f39');
  });

  it('refuses a midstate off a 64-byte boundary and an unaligned resume', () => {
    const h = nobleBackend.create();
    h.update(data.subarray(0, 100));
    expect(() => h.midstate()).toThrow(/64-byte boundary/);
    expect(() => nobleBackend.create({ words: [0, 0, 0, 0, 0, 0, 0, 0], bytes: 100 })).toThrow(/multiple of 64/);
  });
});

describe('reference §6.1 proofCode vectors', () => {
  const seed = '1505084218764547200';

  it('Hello World! → slice 7..12', () => {
    const data = new TextEncoder().encode('Hello World!');
    expect(proofSlice(seed, data.length)).toEqual({ start: 7, end: 12 });
    expect(proofCodeOf(seed, data)).toBe('a6dae11952a9aa64222828a950bc646a31a9decc9c57a0bc8554a06ad5b034a5');
  });

  it('108274 bytes of i % 251 → slice 64801..64809', () => {
    const data = mod251(108_274);
    expect(proofSlice(seed, data.length)).toEqual({ start: 64801, end: 64809 });
    expect(proofCodeOf(seed, data)).toBe('a3bc060b323a0b7230cc7dcec6068c7af7bd3615e394d0f945773b3319084ff4');
  });

  it('empty data has no proofCode', () => {
    expect(proofCodeOf(seed, new Uint8Array(0))).toBeUndefined();
  });
});
