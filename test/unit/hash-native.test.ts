import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNativeBackend } from '../../src/hash/native-backend.js';
import { backendByName, bestBackend } from '../../src/hash/backends.js';
import { nobleBackend, toHex, type HashBackend } from '../../src/hash/sha256-stream.js';

const native = loadNativeBackend();
if (!native) {
  console.warn(
    'hash-native: the native addon is not built (run `node scripts/build-native.mjs`); native cross-checks are skipped',
  );
}

// Skipping is for a developer's machine without a compiler; CI installs and builds, so there a
// missing addon is a broken install and must fail, not skip in silence.
describe('native addon where CI runs', () => {
  it.runIf(process.env.CI)('is built and passes its self-test (CI)', () => {
    expect(
      native,
      'the native SHA-256 addon is missing or failed its self-test: npm ci should have built it (node ' +
        'scripts/build-native.mjs --verbose)',
    ).toBeDefined();
  });
});

/** A tiny seeded PRNG so failures are reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hashes data in random-sized updates, collecting the midstate at every 64-byte-aligned cut point. */
function hashWithMidstates(
  backend: HashBackend,
  data: Uint8Array,
  cuts: number[],
): { digest: string; states: number[][] } {
  const h = backend.create();
  const states: number[][] = [];
  let at = 0;
  for (const cut of cuts) {
    h.update(data.subarray(at, cut));
    at = cut;
    states.push(h.midstate());
  }
  h.update(data.subarray(at));
  return { digest: toHex(h.digest()), states };
}

describe.skipIf(!native)('native backend cross-checked against noble', () => {
  const backend = native!;
  const random = prng(20251218);

  it('bestBackend and backendByName pick it', () => {
    expect(bestBackend().name).toBe('native');
    expect(backendByName('native').name).toBe('native');
    expect(backendByName('noble')).toBe(nobleBackend);
  });

  it('agrees with node:crypto on sizes around block and buffer edges', () => {
    for (const size of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 65_536, 1_048_577]) {
      const data = randomBytes(size);
      const h = backend.create();
      h.update(data);
      expect(toHex(h.digest())).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });

  it('gives the same midstates as noble at many offsets, over random sizes and update splits', () => {
    for (let round = 0; round < 40; round++) {
      const size = Math.floor(random() * 300_000);
      const data = randomBytes(size);
      const cuts = Array.from(
        { length: 1 + Math.floor(random() * 8) },
        () => Math.floor((random() * size) / 64) * 64,
      ).sort((a, b) => a - b);
      const a = hashWithMidstates(backend, data, cuts);
      const b = hashWithMidstates(nobleBackend, data, cuts);
      expect(a.states).toEqual(b.states);
      expect(a.digest).toBe(b.digest);
      expect(a.digest).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });

  it("resumes from a midstate (its own or noble's) to the whole digest, in both directions", () => {
    for (let round = 0; round < 20; round++) {
      const size = 64 + Math.floor(random() * 200_000);
      const data = randomBytes(size);
      const offset = Math.floor((random() * size) / 64) * 64;
      const expected = createHash('sha256').update(data).digest('hex');
      for (const [from, to] of [
        [backend, nobleBackend],
        [nobleBackend, backend],
        [backend, backend],
      ] as const) {
        const head = from.create();
        head.update(data.subarray(0, offset));
        const tail = to.create({ words: head.midstate(), bytes: offset });
        expect(tail.bytesHashed).toBe(offset);
        tail.update(data.subarray(offset));
        expect(toHex(tail.digest())).toBe(expected);
      }
    }
  });

  it('encodes byte counts past 2^32 bits (offsets ≥ 512 MiB) like noble', () => {
    const words = [1, 2, 3, 4, 5, 0xffffffff, 0x80000000, 8];
    for (const bytes of [512 * 1024 * 1024, 5 * 1024 ** 3 + 64, 200e9 - (200e9 % 64)]) {
      const tail = randomBytes(100);
      const a = backend.create({ words, bytes });
      const b = nobleBackend.create({ words, bytes });
      a.update(tail);
      b.update(tail);
      expect(toHex(a.digest())).toBe(toHex(b.digest()));
    }
  });

  it('refuses an unaligned midstate or resume, and use after digest', () => {
    const h = backend.create();
    h.update(new Uint8Array(10));
    expect(() => h.midstate()).toThrow(/64-byte boundary/);
    expect(() => backend.create({ words: [0, 0, 0, 0, 0, 0, 0, 0], bytes: 65 })).toThrow(/multiple of 64/);
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(/already finished/);
  });
});

describe('backend loader fallback', () => {
  it('a missing addon yields no native backend', () => {
    expect(loadNativeBackend('/nonexistent/koodrive_sha256.node')).toBeUndefined();
  });

  it('a file that is not an addon yields no native backend', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdb-native-'));
    try {
      const bogus = join(dir, 'koodrive_sha256.node');
      writeFileSync(bogus, randomBytes(256));
      expect(loadNativeBackend(bogus)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an addon that gives wrong answers fails the self-test and is not used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdb-native-'));
    try {
      // Same shape as the real addon, but its state and digest are all zeros.
      const liar = join(dir, 'liar.cjs');
      writeFileSync(
        liar,
        `module.exports = { ctxSize: 112, init() {}, update() {}, getState(c, out) { out.fill(0); return 0; },
        setState() {}, final(c, out) { out.fill(0); } };`,
      );
      expect(loadNativeBackend(liar)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('auto always gives a working backend', () => {
    const h = backendByName('auto').create();
    h.update(new TextEncoder().encode('abc'));
    expect(toHex(h.digest())).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('rejects an unknown name with the choices', () => {
    expect(() => backendByName('fast' as never)).toThrow(/auto, native or noble/);
  });
});
