/**
 * A SHA-256 that resumes from a hashCtx midstate (reference §5.2) for the per-part chain check.
 * The emulator's own: the native addon built from native/ when it is there and passes the §5.2
 * vector (fast), else @noble/hashes. Nothing from the client's src/hash.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';

/** Where the hash starts: H0..H7 after `bytes` bytes (a multiple of 64). */
export interface Midstate {
  words: readonly number[];
  bytes: number;
}

export interface PartHasher {
  update(chunk: Uint8Array): void;
  /** H0..H7 (unsigned); only at a 64-byte boundary. */
  midstate(): number[];
  digest(): Uint8Array;
}

/** Makes hashers; EmulatorOptions.hashBackend may supply another with this shape. */
export interface PartHashEngine {
  readonly name: string;
  create(from?: Midstate): PartHasher;
}

function checkMidstate(from: Midstate): void {
  if (from.words.length !== 8 || from.bytes % 64 !== 0)
    throw new Error('a midstate is 8 words at a multiple of 64 bytes');
}

// noble keeps these protected in its types; they are plain fields at run time.
interface NobleState {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
  get(): number[];
  set(...words: number[]): void;
  length: number;
  pos: number;
}

export const nobleEngine: PartHashEngine = {
  name: 'noble',
  create(from) {
    const h = sha256.create() as unknown as NobleState;
    if (from) {
      checkMidstate(from);
      h.set(...from.words);
      h.length = from.bytes;
    }
    return {
      update: (chunk) => void h.update(chunk),
      midstate: () => {
        if (h.pos !== 0) throw new Error('midstate asked off a 64-byte boundary');
        return h.get().map((w) => w >>> 0);
      },
      digest: () => h.digest(),
    };
  },
};

interface Addon {
  readonly ctxSize: number;
  init(ctx: Uint8Array): void;
  update(ctx: Uint8Array, data: Uint8Array): void;
  getState(ctx: Uint8Array, out: Uint32Array): number;
  setState(ctx: Uint8Array, words: Uint32Array, bytes: number): void;
  final(ctx: Uint8Array, out: Uint8Array): void;
}

function addonEngine(addon: Addon): PartHashEngine {
  return {
    name: 'native',
    create(from) {
      const ctx = new Uint8Array(addon.ctxSize);
      addon.init(ctx);
      if (from) {
        checkMidstate(from);
        addon.setState(ctx, Uint32Array.from(from.words), from.bytes);
      }
      return {
        update: (chunk) => {
          if (chunk.byteLength > 0) addon.update(ctx, chunk);
        },
        midstate: () => {
          const out = new Uint32Array(8);
          if (addon.getState(ctx, out) !== 0) throw new Error('midstate asked off a 64-byte boundary');
          return Array.from(out);
        },
        digest: () => {
          const out = new Uint8Array(32);
          addon.final(ctx, out);
          return out;
        },
      };
    },
  };
}

/** The §5.2 vector: bytes i % 251 for 320 bytes; midstate at 128; whole digest; resume from 256. */
const VECTOR_AT_128 = [1496470445, 4216111128, 3194033045, 1214138305, 1515923229, 4220363087, 3908534196, 3495865532];
const VECTOR_AT_256_HEX = 'edba51c8d14f2c6e3092980350ce3ed0c02704517ebc882b7a17accc2ed273ad';
const VECTOR_DIGEST = '7f2fcab03c5e118e07abe79b7db86af8a7e78d2e312b68e58e1d262c7de84f39';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** True when the engine reproduces the reference vector, midstates and resumption included. */
export function passesReferenceVector(engine: PartHashEngine): boolean {
  const data = Uint8Array.from({ length: 320 }, (_, i) => i % 251);
  const h = engine.create();
  h.update(data.subarray(0, 128));
  if (h.midstate().join() !== VECTOR_AT_128.join()) return false;
  h.update(data.subarray(128, 256));
  const at256 = h.midstate();
  if (at256.map((w) => w.toString(16).padStart(8, '0')).join('') !== VECTOR_AT_256_HEX) return false;
  h.update(data.subarray(256));
  if (hex(h.digest()) !== VECTOR_DIGEST) return false;
  const resumed = engine.create({ words: at256, bytes: 256 });
  resumed.update(data.subarray(256));
  return hex(resumed.digest()) === VECTOR_DIGEST;
}

const ADDON_PATH = fileURLToPath(new URL('../../../native/build/Release/koodrive_sha256.node', import.meta.url));
let chosen: PartHashEngine | undefined;

/** The native engine when it is built and right, else noble (chosen once). */
export function defaultEngine(): PartHashEngine {
  if (chosen) return chosen;
  chosen = nobleEngine;
  if (existsSync(ADDON_PATH)) {
    try {
      const native = addonEngine(createRequire(import.meta.url)(ADDON_PATH) as Addon);
      if (passesReferenceVector(native)) chosen = native;
    } catch {
      // A missing or broken build: noble is slower but right.
    }
  }
  return chosen;
}
