import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createPartVerifier, expectedPartEnd, type PartEnd } from '../../src/hash/part-verifier.js';
import { FileChangedError, planFile } from '../../src/hash/plan-file.js';
import type { PartPlan } from '../../src/hash/file-plan.js';
import { MiB } from '../../src/hash/part-rules.js';
import { nobleBackend } from '../../src/hash/sha256-stream.js';

/** Streams `chunks` through a verifier; returns what came out and the error, if any. */
async function run(
  chunks: Uint8Array[],
  part: PartPlan,
  end: PartEnd,
  holdBack?: number,
): Promise<{ out: Buffer; error?: unknown }> {
  const verifier = createPartVerifier(part, end, nobleBackend, { filePath: '/data/f.bin', holdBack });
  return drain(Readable.from(chunks.map((c) => Buffer.from(c))).pipe(verifier));
}

async function drain(stream: NodeJS.ReadableStream): Promise<{ out: Buffer; error?: unknown }> {
  const got: Buffer[] = [];
  try {
    for await (const chunk of stream) got.push(chunk as Buffer);
    return { out: Buffer.concat(got) };
  } catch (error) {
    return { out: Buffer.concat(got), error };
  }
}

// The reference §5.2 data, cut into 128-byte "parts" (the verifier itself enforces no minimum).
const data = new Uint8Array(320).map((_, i) => i % 251);
const at128 = [1496470445, 4216111128, 3194033045, 1214138305, 1515923229, 4220363087, 3908534196, 3495865532];
const at256 = [0xedba51c8, 0xd14f2c6e, 0x30929803, 0x50ce3ed0, 0xc0270451, 0x7ebc882b, 0x7a17accc, 0x2ed273ad];
const sha = '7f2fcab03c5e118e07abe79b7db86af8a7e78d2e312b68e58e1d262c7de84f39';
const part2: PartPlan = { partNumber: 2, partOffset: 128, partSize: 128, hashCtx: at128 };
const part3: PartPlan = { partNumber: 3, partOffset: 256, partSize: 64, hashCtx: at256 };

describe('part verifier on the §5.2 vector', () => {
  it('passes a good middle part byte-identical', async () => {
    const bytes = data.subarray(128, 256);
    const { out, error } = await run(
      [bytes.subarray(0, 50), bytes.subarray(50, 51), bytes.subarray(51)],
      part2,
      { words: at256 },
      32,
    );
    expect(error).toBeUndefined();
    expect(out.equals(Buffer.from(bytes))).toBe(true);
  });

  it('passes a good last part checked against the file sha256', async () => {
    const { out, error } = await run([data.subarray(256)], part3, { sha256: sha });
    expect(error).toBeUndefined();
    expect(out.equals(Buffer.from(data.subarray(256)))).toBe(true);
  });

  it('a part with one changed byte errors and never emits the held-back bytes', async () => {
    const bytes = Buffer.from(data.subarray(128, 256));
    bytes[10] = bytes[10]! ^ 1;
    const { out, error } = await run([bytes.subarray(0, 64), bytes.subarray(64)], part2, { words: at256 }, 32);
    expect(error).toBeInstanceOf(FileChangedError);
    expect(String(error)).toMatch(/\/data\/f\.bin \(part 2\)/);
    expect(out.length).toBeLessThanOrEqual(128 - 32);
  });

  it('a changed last part errors before any of it is emitted when it fits in the hold-back', async () => {
    const bytes = Buffer.from(data.subarray(256));
    bytes[63] = bytes[63]! ^ 0x80;
    const { out, error } = await run([bytes], part3, { sha256: sha });
    expect(error).toBeInstanceOf(FileChangedError);
    expect(out.length).toBe(0);
  });

  it('a short part errors', async () => {
    const { error } = await run([data.subarray(128, 200)], part2, { words: at256 }, 32);
    expect(error).toBeInstanceOf(FileChangedError);
    expect(String(error)).toMatch(/expected 128 bytes, read only 72/);
  });

  it('a long part errors', async () => {
    const { error } = await run([data.subarray(128, 257)], part2, { words: at256 }, 32);
    expect(error).toBeInstanceOf(FileChangedError);
  });
});

describe('part verifier on a planned file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdb-verify-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('every part of an unchanged file streams through intact; a changed one is stopped', async () => {
    const absPath = join(dir, 'f.bin');
    const content = randomBytes(10 * MiB + 999);
    await writeFile(absPath, content);
    const plan = await planFile({ absPath, size: content.length }, { proofSeed: 'u', backend: nobleBackend });
    expect(plan.parts.length).toBe(3);
    for (const part of plan.parts) {
      const source = createReadStream(absPath, { start: part.partOffset, end: part.partOffset + part.partSize - 1 });
      const { out, error } = await drain(
        source.pipe(createPartVerifier(part, expectedPartEnd(plan, part.partNumber), nobleBackend)),
      );
      expect(error).toBeUndefined();
      expect(out.equals(content.subarray(part.partOffset, part.partOffset + part.partSize))).toBe(true);
    }
    content[5 * MiB + 12345] = content[5 * MiB + 12345]! ^ 0xff; // inside part 2
    await writeFile(absPath, content);
    const part = plan.parts[1]!;
    const source = createReadStream(absPath, { start: part.partOffset, end: part.partOffset + part.partSize - 1 });
    const { out, error } = await drain(source.pipe(createPartVerifier(part, expectedPartEnd(plan, 2), nobleBackend)));
    expect(error).toBeInstanceOf(FileChangedError);
    expect(out.length).toBeLessThanOrEqual(part.partSize - 64 * 1024);
  });
});
