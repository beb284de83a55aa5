import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeGypBuild from 'node-gyp-build';
import {
  assertResumable,
  SHA256_BLOCK,
  toHex,
  type HashBackend,
  type Sha256State,
  type Sha256Stream,
} from './sha256-stream.js';

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

/** The addon's folder (same path from src/hash and dist/hash): binding.gyp, build/, prebuilds/. */
export const NATIVE_DIR = fileURLToPath(new URL('../../native/', import.meta.url));

/** Where the addon comes from: shipped in the package, or compiled on this machine at install. */
export type AddonOrigin = 'prebuilt' | 'built from source';

/** The addon node-gyp-build picks: native/build/Release first, else native/prebuilds/<platform>-<arch>. */
export function findNativeAddon(dir: string = NATIVE_DIR): { path: string; origin: AddonOrigin } | undefined {
  try {
    const path = nodeGypBuild.resolve(dir);
    return { path, origin: relative(dir, path).split(sep)[0] === 'prebuilds' ? 'prebuilt' : 'built from source' };
  } catch {
    return undefined; // neither a prebuilt binary for this platform nor a local build
  }
}

/** Which engine `auto` gets here and why, for --verbose, `config show` and the error of --hash-backend native. */
export function nativeAddonStatus(dir: string = NATIVE_DIR): { usable: boolean; detail: string } {
  const found = findNativeAddon(dir);
  const here = `${platform()}-${arch()}`;
  if (!found) {
    return {
      usable: false,
      detail:
        `no prebuilt native addon for ${here} in this package and none built from source ` +
        '(no C compiler at install?)',
    };
  }
  const what =
    found.origin === 'prebuilt'
      ? `prebuilt Node-API addon for ${here}`
      : `built from source on this machine: ${join('native', relative(dir, found.path))}`;
  return loadNativeBackend(found.path)
    ? { usable: true, detail: what }
    : { usable: false, detail: `the ${what} failed to load or its self-test` };
}

class NativeSha256Stream implements Sha256Stream {
  private readonly ctx: Uint8Array;
  private hashed = 0;
  private finished = false;

  constructor(
    private readonly addon: NativeAddon,
    from?: Sha256State,
  ) {
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
    if (this.hashed % SHA256_BLOCK !== 0)
      throw new Error(`midstate requested at ${this.hashed} bytes, not a 64-byte boundary`);
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
export function loadNativeBackend(addonPath: string | undefined = findNativeAddon()?.path): HashBackend | undefined {
  if (!addonPath || !existsSync(addonPath)) return undefined;
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
