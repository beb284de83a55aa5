import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileChangedError, PartSizeError, planFile } from '../../src/hash/plan-file.js';
import { MiB, multiPartsProblem } from '../../src/hash/part-rules.js';
import { planBytes } from '../../src/hash/plan-bytes.js';
import { proofCodeOf } from '../../src/hash/proof-code.js';
import { nobleBackend, toHex } from '../../src/hash/sha256-stream.js';

const seed = '1505084218764547200';
let dir: string;
// One random buffer; each test file is a prefix of it, so only 11 MiB is ever generated.
const source = randomBytes(11 * MiB + 4097);

async function tempFile(size: number): Promise<{ absPath: string; size: number; data: Buffer }> {
  const absPath = join(dir, `f-${size}`);
  const data = source.subarray(0, size);
  await writeFile(absPath, data);
  return { absPath, size, data };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdb-plan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('planFile on real files', () => {
  it.each([
    { size: 0, chunkSize: undefined },
    { size: 1, chunkSize: undefined },
    { size: 64, chunkSize: 7 },
    { size: 1000, chunkSize: 100 },
    { size: MiB + 3, chunkSize: undefined },
    { size: 5 * MiB, chunkSize: undefined },
    { size: 5 * MiB + 1, chunkSize: undefined },
    { size: 11 * MiB + 4097, chunkSize: undefined },
    // Chunks that do not divide the part size, so boundaries fall inside chunks.
    { size: 11 * MiB + 4097, chunkSize: 3 * 100_003 },
  ])("size $size, chunk $chunkSize: digest, proofCode and every part's hashCtx", async ({ size, chunkSize }) => {
    const file = await tempFile(size);
    const plan = await planFile(file, { proofSeed: seed, backend: nobleBackend, chunkSize });
    const expectedSha = createHash('sha256').update(file.data).digest('hex');

    expect(plan.sha256).toBe(expectedSha);
    expect(plan.length).toBe(size);
    expect(plan.partSize).toBe(5 * MiB);
    expect(plan.proofCode).toBe(proofCodeOf(seed, file.data));
    expect(plan.parts.length).toBe(Math.max(1, Math.ceil(size / (5 * MiB))));
    expect(multiPartsProblem(plan.parts, size)).toBeUndefined();
    expect(plan.parts[0]!.hashCtx).toEqual([]);
    for (const part of plan.parts.slice(1)) {
      // Resuming from the part's hashCtx over the rest of the file must give the whole-file digest.
      const resumed = nobleBackend.create({ words: part.hashCtx, bytes: part.partOffset });
      resumed.update(file.data.subarray(part.partOffset));
      expect(toHex(resumed.digest())).toBe(expectedSha);
    }
  });

  it('an empty file has no proofCode and one part of size 0', async () => {
    const plan = await planFile(await tempFile(0), { proofSeed: seed, backend: nobleBackend });
    expect(plan.proofCode).toBeUndefined();
    expect('proofCode' in plan).toBe(false);
    expect(plan.parts).toEqual([{ partNumber: 1, partOffset: 0, partSize: 0, hashCtx: [] }]);
    expect(plan.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('uses an explicit part size', async () => {
    const file = await tempFile(11 * MiB + 4097);
    const plan = await planFile(file, { proofSeed: seed, backend: nobleBackend, partSize: 6 * MiB });
    expect(plan.parts.map((p) => p.partSize)).toEqual([6 * MiB, 5 * MiB + 4097]);
  });

  it('refuses an unusable part size before reading anything', async () => {
    await expect(
      planFile({ absPath: join(dir, 'does-not-exist'), size: 10 }, { proofSeed: seed, partSize: 1000 }),
    ).rejects.toBeInstanceOf(PartSizeError);
  });

  it('throws FileChangedError when the file is shorter than expected', async () => {
    const file = await tempFile(1000);
    const err = await planFile({ absPath: file.absPath, size: 1001 }, { proofSeed: seed, backend: nobleBackend }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FileChangedError);
    expect((err as FileChangedError).message).toMatch(/expected 1001 bytes, read only 1000/);
  });

  it('throws FileChangedError when the file is longer than expected', async () => {
    const file = await tempFile(MiB + 3);
    await expect(
      planFile({ absPath: file.absPath, size: MiB }, { proofSeed: seed, backend: nobleBackend }),
    ).rejects.toThrow(FileChangedError);
  });

  it('stops when aborted', async () => {
    const file = await tempFile(MiB + 3);
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await expect(planFile(file, { proofSeed: seed, backend: nobleBackend, signal: controller.signal })).rejects.toThrow(
      'stop now',
    );
  });

  it('stops part-way when aborted during the read', async () => {
    const file = await tempFile(11 * MiB);
    const controller = new AbortController();
    const planning = planFile(file, {
      proofSeed: seed,
      backend: nobleBackend,
      chunkSize: 64 * 1024,
      signal: controller.signal,
    });
    setImmediate(() => controller.abort(new Error('stopped mid-file')));
    await expect(planning).rejects.toThrow('stopped mid-file');
  });

  it.each([
    { size: 1, read: 'blocking' },
    { size: 256 * 1024, read: 'blocking' },
    { size: 256 * 1024 + 1, read: 'handle' },
    { size: MiB, read: 'handle' },
  ])('keepBytes: a file of $size bytes ($read read) keeps exactly the bytes it was hashed from', async ({ size }) => {
    const file = await tempFile(size);
    const plan = await planFile(file, { proofSeed: seed, backend: nobleBackend, keepBytes: true });
    const bytes = planBytes(plan);
    expect(bytes && Buffer.compare(bytes, file.data)).toBe(0);
    expect(createHash('sha256').update(bytes!).digest('hex')).toBe(plan.sha256);
    // Kept beside the plan, never in it: the journal stores plans as JSON.
    expect(JSON.stringify(plan)).not.toContain('"data"');
    expect(Object.keys(plan).sort()).toEqual(['length', 'partSize', 'parts', 'proofCode', 'sha256']);
    // Without the option nothing is kept, and a file larger than one read is never kept whole.
    expect(planBytes(await planFile(file, { proofSeed: seed, backend: nobleBackend }))).toBeUndefined();
    expect(
      planBytes(
        await planFile(await tempFile(5 * MiB + 1), { proofSeed: seed, backend: nobleBackend, keepBytes: true }),
      ),
    ).toBeUndefined();
  });

  it('a small file that grew or shrank since its size was taken fails on the blocking read too', async () => {
    const file = await tempFile(300);
    await expect(
      planFile({ absPath: file.absPath, size: 299 }, { proofSeed: seed, backend: nobleBackend }),
    ).rejects.toThrow(/grown past/);
    await expect(
      planFile({ absPath: file.absPath, size: 301 }, { proofSeed: seed, backend: nobleBackend }),
    ).rejects.toThrow(/read only 300/);
  });

  it('reports a missing file as the fs error', async () => {
    await expect(planFile({ absPath: join(dir, 'missing'), size: 5 }, { proofSeed: seed })).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
