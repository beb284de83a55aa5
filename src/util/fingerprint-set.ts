/**
 * A set of 16-byte fingerprints in about 24 bytes each (a JavaScript Set of strings costs ~300 per
 * entry): the keys sit end to end in one buffer, and a table of their indexes, open addressing
 * with linear probing, is built once all are in. Pure; the caller chooses the fingerprint.
 */
export const FINGERPRINT_BYTES = 16;

export class FingerprintSet {
  private keys = Buffer.alloc(FINGERPRINT_BYTES * 1024);
  private count = 0;
  /** Index of the key in each slot, -1 for an empty slot; built by seal(). */
  private slots: Int32Array | undefined;
  private mask = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a fingerprint (duplicates are kept: an index names each one added). Returns its index. */
  add(fp: Uint8Array): number {
    if (fp.length !== FINGERPRINT_BYTES) throw new RangeError(`a fingerprint is ${FINGERPRINT_BYTES} bytes`);
    if ((this.count + 1) * FINGERPRINT_BYTES > this.keys.length) {
      const grown = Buffer.alloc(this.keys.length * 2);
      this.keys.copy(grown);
      this.keys = grown;
    }
    this.keys.set(fp, this.count * FINGERPRINT_BYTES);
    this.slots = undefined;
    return this.count++;
  }

  /** The index of a fingerprint added (the first one, if added twice), or -1. */
  indexOf(fp: Uint8Array): number {
    if (fp.length !== FINGERPRINT_BYTES) return -1;
    const slots = this.seal();
    for (let slot = this.home(fp, 0); ; slot = (slot + 1) & this.mask) {
      const i = slots[slot]!;
      if (i === -1) return -1;
      if (this.keys.compare(fp, 0, FINGERPRINT_BYTES, i * FINGERPRINT_BYTES, (i + 1) * FINGERPRINT_BYTES) === 0)
        return i;
    }
  }

  /** Builds the lookup table (at least twice as many slots as keys, so probes stay short). */
  private seal(): Int32Array {
    if (this.slots) return this.slots;
    let size = 16;
    while (size < this.count * 2) size *= 2;
    const slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let i = 0; i < this.count; i++) {
      let slot = this.home(this.keys, i * FINGERPRINT_BYTES);
      while (slots[slot] !== -1) slot = (slot + 1) & this.mask;
      slots[slot] = i;
    }
    this.slots = slots;
    return slots;
  }

  /** A fingerprint's first slot: its first four bytes (fingerprints are already uniform hashes). */
  private home(bytes: Uint8Array, at: number): number {
    return ((bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0) & this.mask;
  }
}
