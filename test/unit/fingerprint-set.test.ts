import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FingerprintSet } from '../../src/util/fingerprint-set.js';

const fp = (text: string) => createHash('md5').update(text).digest();

describe('FingerprintSet: 16-byte keys end to end, found by an index table', () => {
  it('finds every key added, past several growths of its buffer, and no other', () => {
    const set = new FingerprintSet();
    for (let i = 0; i < 5000; i++) expect(set.add(fp(`k${i}`))).toBe(i);
    expect(set.size).toBe(5000);
    for (let i = 0; i < 5000; i++) expect(set.indexOf(fp(`k${i}`))).toBe(i);
    for (let i = 5000; i < 6000; i++) expect(set.indexOf(fp(`k${i}`))).toBe(-1);
  });

  it('keys that share their first four bytes (one home slot) are told apart by the rest', () => {
    const set = new FingerprintSet();
    const keys = Array.from({ length: 40 }, (_, i) => {
      const k = Buffer.alloc(16, 7);
      k.writeUInt32BE(i, 12);
      return k;
    });
    for (const k of keys) set.add(k);
    keys.forEach((k, i) => expect(set.indexOf(k)).toBe(i));
    const other = Buffer.alloc(16, 7);
    other.writeUInt32BE(999, 12);
    expect(set.indexOf(other)).toBe(-1);
  });

  it('a key added twice answers its first index; adding after a lookup still finds the new key', () => {
    const set = new FingerprintSet();
    set.add(fp('a'));
    set.add(fp('b'));
    set.add(fp('a'));
    expect(set.indexOf(fp('a'))).toBe(0);
    expect(set.indexOf(fp('c'))).toBe(-1);
    set.add(fp('c'));
    expect(set.indexOf(fp('c'))).toBe(3);
  });

  it('refuses a key of the wrong length and never finds one', () => {
    const set = new FingerprintSet();
    expect(() => set.add(Buffer.alloc(15))).toThrow(/16 bytes/);
    expect(set.indexOf(Buffer.alloc(20))).toBe(-1);
  });
});
