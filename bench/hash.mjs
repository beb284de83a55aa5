#!/usr/bin/env node
// SHA-256 throughput of each backend, and of planFile end to end, measured in one run so the
// ratios compare like with like. Needs a build first (`npm run build`; `node scripts/build-native.mjs`).
//   node bench/hash.mjs [--mib 256] [--file-gib 1] [--rounds 3] [--no-file]
// Writes bench/results/hash.json.
import { createHash, randomFillSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { open, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nobleBackend } from '../dist/hash/sha256-stream.js';
import { nativeBackendIfAvailable } from '../dist/hash/backends.js';
import { planFile } from '../dist/hash/plan-file.js';
import { HashPool } from '../dist/hash/hash-pool.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const MiB = 1024 * 1024;
const totalMiB = arg('mib', 256);
const fileGiB = arg('file-gib', 1);
const rounds = arg('rounds', 3);
const withFile = !process.argv.includes('--no-file');
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);

/** Best of `rounds` timings (ms) of fn, which hashes `bytes` bytes. */
function best(fn) {
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return min;
}

const data = Buffer.allocUnsafe(totalMiB * MiB);
randomFillSync(data);
const slices = Array.from({ length: totalMiB }, (_, i) => data.subarray(i * MiB, (i + 1) * MiB));
const native = nativeBackendIfAvailable();
const reference = createHash('sha256').update(data).digest('hex');

const memory = {};
const viaBackend = (backend) => () => {
  const h = backend.create();
  for (const s of slices) h.update(s);
  const digest = Buffer.from(h.digest()).toString('hex');
  if (digest !== reference) throw new Error(`${backend.name} gave a wrong digest`);
};
const contenders = {
  'node:crypto': () => {
    const h = createHash('sha256');
    for (const s of slices) h.update(s);
    h.digest();
  },
  ...(native ? { native: viaBackend(native) } : {}),
  noble: viaBackend(nobleBackend),
};
for (const [name, fn] of Object.entries(contenders)) {
  const ms = best(fn);
  memory[name] = { ms: Math.round(ms), mbPerS: Math.round(mbps(data.length, ms)) };
}
for (const name of Object.keys(memory))
  memory[name].vsNodeCrypto = +(memory[name].mbPerS / memory['node:crypto'].mbPerS).toFixed(2);

console.log(`SHA-256 of ${totalMiB} MiB in memory, 1 MiB updates, best of ${rounds}:`);
for (const [name, r] of Object.entries(memory))
  console.log(`  ${name.padEnd(12)} ${String(r.mbPerS).padStart(6)} MB/s  ${r.vsNodeCrypto.toFixed(2)}× node:crypto`);
if (!native) console.log('  native       (addon not built: run node scripts/build-native.mjs)');

let file;
if (withFile) {
  const dir = await mkdtemp(join(tmpdir(), 'kdb-bench-'));
  try {
    const path = join(dir, 'big.bin');
    const size = fileGiB * 1024 * MiB;
    const fh = await open(path, 'w');
    for (let written = 0; written < size; written += data.length)
      await fh.write(data, 0, Math.min(data.length, size - written));
    await fh.close();
    const timeAsync = async (fn) => {
      let min = Infinity;
      for (let r = 0; r < rounds; r++) {
        const t0 = process.hrtime.bigint();
        await fn();
        min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e6);
      }
      return min;
    };
    file = { sizeBytes: size, note: 'page cache warm for every contender (the file was just written)' };
    const sum = spawnSync('sha256sum', ['--version']);
    if (sum.status === 0) {
      const ms = await timeAsync(async () => spawnSync('sha256sum', [path], { encoding: 'utf8' }));
      file.sha256sum = { ms: Math.round(ms), mbPerS: Math.round(mbps(size, ms)) };
    }
    // OpenSSL's command line uses the same SHA extensions as node:crypto: the hardware ceiling.
    if (spawnSync('openssl', ['version']).status === 0) {
      const ms = await timeAsync(async () => spawnSync('openssl', ['dgst', '-sha256', path], { encoding: 'utf8' }));
      file['openssl dgst -sha256'] = { ms: Math.round(ms), mbPerS: Math.round(mbps(size, ms)) };
    }
    for (const backend of native ? [native] : [nobleBackend]) {
      const ms = await timeAsync(() => planFile({ absPath: path, size }, { proofSeed: 'bench', backend }));
      file[`planFile/${backend.name}`] = { ms: Math.round(ms), mbPerS: Math.round(mbps(size, ms)) };
    }
    // Two files at once: in this thread one after the other, then on a pool of 2 workers.
    const half = { absPath: path, size };
    const backendName = native ? 'native' : 'noble';
    const seqMs = await timeAsync(async () => {
      for (let i = 0; i < 2; i++) await planFile(half, { proofSeed: 'bench', backend: native ?? nobleBackend });
    });
    const pool = new HashPool({ size: 2, backend: backendName });
    try {
      const poolMs = await timeAsync(() =>
        Promise.all([0, 1].map(() => pool.planFileInPool(half, { proofSeed: 'bench' }))),
      );
      file['2 files, one after the other'] = { ms: Math.round(seqMs), mbPerS: Math.round(mbps(2 * size, seqMs)) };
      file[`2 files, HashPool(size ${pool.size})`] = {
        ms: Math.round(poolMs),
        mbPerS: Math.round(mbps(2 * size, poolMs)),
      };
    } finally {
      await pool.close();
    }
    console.log(`\nEnd to end on a ${fileGiB} GiB file (read + hash, warm cache), best of ${rounds}:`);
    for (const [name, r] of Object.entries(file)) {
      if (typeof r === 'object') console.log(`  ${name.padEnd(30)} ${String(r.mbPerS).padStart(6)} MB/s`);
    }
    if (file.sha256sum) {
      for (const [name, r] of Object.entries(file)) {
        if (name.startsWith('planFile/')) r.vsSha256sum = +(r.mbPerS / file.sha256sum.mbPerS).toFixed(2);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const result = {
  when: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  memory: { sizeMiB: totalMiB, updateMiB: 1, rounds, results: memory },
  ...(file ? { file } : {}),
};
await mkdir(join(here, 'results'), { recursive: true });
await writeFile(join(here, 'results', 'hash.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwrote bench/results/hash.json`);
