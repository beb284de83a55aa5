import { sha256 } from '@noble/hashes/sha2.js';

/** SHA-256 chaining state at a 64-byte boundary: H0..H7 (unsigned) and the bytes hashed so far. */
export interface Sha256State {
  words: readonly number[];
  bytes: number;
}

/** An incremental SHA-256 that can expose and resume from its midstate. */
export interface Sha256Stream {
  update(chunk: Uint8Array): void;
  /** H0..H7 as unsigned 32-bit numbers; only defined when bytesHashed is a multiple of 64. */
  midstate(): number[];
  readonly bytesHashed: number;
  /** Finishes (padding with the total length) and returns the 32-byte digest. */
  digest(): Uint8Array;
}

/** One implementation of the engine (noble reference, native addon, …). */
export interface HashBackend {
  readonly name: string;
  /** A fresh hash, or one resumed from a midstate taken at a 64-byte boundary. */
  create(from?: Sha256State): Sha256Stream;
}

export const SHA256_BLOCK = 64;

// noble keeps these protected in its types; they are plain fields at run time.
interface NobleInternals {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
  get(): number[];
  set(...words: number[]): void;
  length: number;
  pos: number;
}

class NobleSha256Stream implements Sha256Stream {
  private readonly hash: NobleInternals;

  constructor(from?: Sha256State) {
    this.hash = sha256.create() as unknown as NobleInternals;
    if (from) {
      assertResumable(from);
      this.hash.set(...from.words);
      this.hash.length = from.bytes;
    }
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }

  midstate(): number[] {
    if (this.hash.pos !== 0) throw new Error(`midstate requested at ${this.bytesHashed} bytes, not a 64-byte boundary`);
    return this.hash.get().map((w) => w >>> 0);
  }

  get bytesHashed(): number {
    return this.hash.length;
  }

  digest(): Uint8Array {
    return this.hash.digest();
  }
}

/** Rejects states that cannot be resumed (wrong word count, unaligned offset). */
export function assertResumable(state: Sha256State): void {
  if (state.words.length !== 8) throw new Error(`a SHA-256 state has 8 words, got ${state.words.length}`);
  if (state.bytes % SHA256_BLOCK !== 0)
    throw new Error(`cannot resume SHA-256 at ${state.bytes} bytes: not a multiple of 64`);
  for (const w of state.words) {
    if (!Number.isInteger(w) || w < 0 || w > 0xffffffff)
      throw new Error(`hashCtx word ${w} is not an unsigned 32-bit integer`);
  }
}

/** The portable reference backend (@noble/hashes). */
export const nobleBackend: HashBackend = {
  name: 'noble',
  create: (from) => new NobleSha256Stream(from),
};

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
