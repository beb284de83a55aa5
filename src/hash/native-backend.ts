import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertResumable, SHA256_BLOCK, toHex, type HashBackend, type Sha256State, type Sha256Stream } from './sha256-stream.js';

/**
 * The addon built from native/ (scripts/build-native.mjs). It drives the SHA256_Init/Update/Final
 * that the running node binary already exports (OpenSSL with SHA extensions), so the context lives
 * in a JS-owned buffer and the H0..H7 words can be read and set exactly.
 */
interface NativeAddon {
  /** sizeof(SHA256_CTX). */
  readonly ctxSize: number;
  init(ctx: Uint8Array): void;
  update(ctx: Uint8Array, data: Uint8Array): void;
  /** Writes H0..H7 into out; returns the bytes buffered in the context (0 at a block boundary). */
  getState(ctx: Uint8Array, out: Uint32Array): number;
  /** Sets H0..H7 and the byte count (a multiple of 64), with nothing buffered. */
  setState(ctx: Uint8Array, words: Uint32Array, bytes: number): void;
  final(ctx: Uint8Array, out: Uint8Array): void;
}

/** Where the build script leaves the addon (same path from src/hash and dist/hash). */
export const NATIVE_ADDON_URL = new URL('../../native/build/Release/koodrive_sha256.node', import.meta.url);

class NativeSha256Stream implements Sha256Stream {
  private readonly ctx: Uint8Array;
  private hashed = 0;
  private finished = false;

  constructor(private readonly addon: NativeAddon, from?: Sha256State) {
    this.ctx = new Uint8Array(addon.ctxSize);
    addon.init(this.ctx);
    if (from) {
      assertResumable(from);
      addon.setState(this.ctx, Uint32Array.from(from.words), from.bytes);
      this.hashed = from.bytes;
    }
  }

  update(chunk: Uint8Array): void {
    if (this.finished) throw new Error('SHA-256 already finished; create a new hash');
    if (chunk.byteLength === 0) return;
    this.addon.update(this.ctx, chunk);
    this.hashed += chunk.byteLength;
  }

  midstate(): number[] {
    if (this.hashed % SHA256_BLOCK !== 0) throw new Error(`midstate requested at ${this.hashed} bytes, not a 64-byte boundary`);
    const out = new Uint32Array(8);
    this.addon.getState(this.ctx, out);
    return Array.from(out);
  }

  get bytesHashed(): number {
    return this.hashed;
  }

  digest(): Uint8Array {
    if (this.finished) throw new Error('SHA-256 already finished; create a new hash');
    this.finished = true;
    const out = new Uint8Array(32);
    this.addon.final(this.ctx, out);
    return out;
  }
}

/** Loads the addon and self-tests it; undefined when it is missing, broken or gives a wrong answer. */
export function loadNativeBackend(addonPath: string = fileURLToPath(NATIVE_ADDON_URL)): HashBackend | undefined {
  if (!existsSync(addonPath)) return undefined;
  try {
    const addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
    const backend: HashBackend = { name: 'native', create: (from) => new NativeSha256Stream(addon, from) };
    return selfTestPasses(backend) ? backend : undefined;
  } catch {
    return undefined;
  }
}

/** The reference §5.2 vector: midstate at 128 bytes, whole digest, and resuming from 256. */
function selfTestPasses(backend: HashBackend): boolean {
  const data = new Uint8Array(320);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  const at128 = [1496470445, 4216111128, 3194033045, 1214138305, 1515923229, 4220363087, 3908534196, 3495865532];
  const whole = '7f2fcab03c5e118e07abe79b7db86af8a7e78d2e312b68e58e1d262c7de84f39';
  const h = backend.create();
  h.update(data.subarray(0, 128));
  if (h.midstate().join() !== at128.join()) return false;
  h.update(data.subarray(128, 256));
  const at256 = h.midstate();
  h.update(data.subarray(256));
  if (toHex(h.digest()) !== whole) return false;
  const resumed = backend.create({ words: at256, bytes: 256 });
  resumed.update(data.subarray(256));
  return toHex(resumed.digest()) === whole;
}
