import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPlanWorkerUrl, HashPool } from '../../src/hash/hash-pool.js';
import { FileChangedError, PartSizeError, planFile } from '../../src/hash/plan-file.js';
import { MiB } from '../../src/hash/part-rules.js';
import { nobleBackend } from '../../src/hash/sha256-stream.js';
import { nativeBackendIfAvailable } from '../../src/hash/backends.js';

const built = existsSync(defaultPlanWorkerUrl());
if (!built)
  console.warn(
    `hash-pool: ${fileURLToPath(defaultPlanWorkerUrl())} is missing (run npm run build); pool tests are skipped`,
  );

describe('hash pool worker where CI runs', () => {
  it.runIf(process.env.CI)('the compiled worker exists (CI builds before testing)', () => {
    expect(built, `${fileURLToPath(defaultPlanWorkerUrl())} is missing: run npm run build before the tests`).toBe(true);
  });
});

describe.skipIf(!built)('hash pool', () => {
  let dir: string;
  let pool: HashPool;
  const files: { absPath: string; size: number }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdb-pool-'));
    for (const size of [0, 1000, 6 * MiB + 5, 11 * MiB]) {
      const absPath = join(dir, `f-${size}`);
      await writeFile(absPath, randomBytes(size));
      files.push({ absPath, size });
    }
    pool = new HashPool({ size: 2, backend: 'noble' });
  });
  afterAll(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is bounded by the requested size and the cores', () => {
    expect(pool.size).toBeGreaterThanOrEqual(1);
    expect(pool.size).toBeLessThanOrEqual(2);
    expect(new HashPool({ size: 10_000 }).size).toBeLessThan(10_000);
  });

  it('gives the same plans as planFile in this thread, for files hashed concurrently', async () => {
    const pooled = await Promise.all(files.map((f) => pool.planFileInPool(f, { proofSeed: 'user-1' })));
    const local = await Promise.all(files.map((f) => planFile(f, { proofSeed: 'user-1', backend: nobleBackend })));
    expect(pooled).toEqual(local);
    expect(pooled[3]!.parts.length).toBe(3);
  });

  it('passes options through (explicit part size)', async () => {
    const f = files[3]!;
    const plan = await pool.planFileInPool(f, { proofSeed: 'u', partSize: 6 * MiB });
    expect(plan).toEqual(await planFile(f, { proofSeed: 'u', partSize: 6 * MiB, backend: nobleBackend }));
  });

  it('rebuilds typed errors from the worker', async () => {
    const f = files[1]!;
    await expect(pool.planFileInPool({ absPath: f.absPath, size: 999 }, { proofSeed: 'u' })).rejects.toBeInstanceOf(
      FileChangedError,
    );
    await expect(pool.planFileInPool(f, { proofSeed: 'u', partSize: 100 })).rejects.toBeInstanceOf(PartSizeError);
    await expect(
      pool.planFileInPool({ absPath: join(dir, 'missing'), size: 1 }, { proofSeed: 'u' }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('an aborted job is rejected with the abort reason and the pool keeps working', async () => {
    const controller = new AbortController();
    const jobs = files.map((f) => pool.planFileInPool(f, { proofSeed: 'u', signal: controller.signal }));
    controller.abort(new Error('user pressed ctrl-c'));
    for (const job of jobs) await expect(job).rejects.toThrow('user pressed ctrl-c');
    const plan = await pool.planFileInPool(files[1]!, { proofSeed: 'u' });
    expect(plan.length).toBe(1000);
  });

  it.skipIf(!nativeBackendIfAvailable())('workers can load the native addon too', async () => {
    const nativePool = new HashPool({ size: 2, backend: 'native' });
    try {
      const plans = await Promise.all(files.map((f) => nativePool.planFileInPool(f, { proofSeed: 'u' })));
      const local = await Promise.all(files.map((f) => planFile(f, { proofSeed: 'u', backend: nobleBackend })));
      expect(plans).toEqual(local);
    } finally {
      await nativePool.close();
    }
  });

  it('a closed pool refuses work', async () => {
    const other = new HashPool({ size: 1 });
    await other.close();
    await expect(other.planFileInPool(files[0]!, { proofSeed: 'u' })).rejects.toThrow(/closed/);
  });
});

describe('hash pool setup', () => {
  it('refuses a worker script that does not exist, saying to build', () => {
    expect(() => new HashPool({ workerUrl: new URL('file:///nonexistent/plan-worker.js') })).toThrow(/npm run build/);
  });
});
