// The benchmark's data sets: random bytes from a fixed seed (AES-128-CTR keystream), written to disk.
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../dist/util/seeded-random.js';

const MiB = 1024 * 1024;

/** A deterministic byte source: the AES-CTR keystream of a key derived from `seed`. */
function keystream(seed) {
  const key = createHash('sha256').update(`koodrive-bench-${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return (n) => cipher.update(Buffer.alloc(n));
}

/** Writes one file of `bytes` random bytes into dir/big.bin; returns the folder and totals. */
export async function bigFile(dir, bytes, seed = 1) {
  await mkdir(dir, { recursive: true });
  const next = keystream(seed);
  const fh = await open(join(dir, 'big.bin'), 'w');
  try {
    for (let done = 0; done < bytes; ) {
      const n = Math.min(8 * MiB, bytes - done);
      await fh.write(next(n));
      done += n;
    }
  } finally {
    await fh.close();
  }
  return { dir, files: 1, bytes, names: ['big.bin'] };
}

/** Writes `count` files of 4–64 KiB in folders of 100 (d000/f00000.bin …); returns the folder and totals. */
export async function smallFiles(dir, count, seed = 2) {
  const next = keystream(seed);
  const random = seededRandom(seed);
  const names = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const sub = `d${String(Math.floor(i / 100)).padStart(3, '0')}`;
    if (i % 100 === 0) await mkdir(join(dir, sub), { recursive: true });
    const size = 4096 + Math.floor(random() * (64 * 1024 - 4096 + 1));
    const name = `${sub}/f${String(i).padStart(5, '0')}.bin`;
    await writeFile(join(dir, name), next(size));
    names.push(name);
    bytes += size;
  }
  return { dir, files: count, bytes, names };
}
