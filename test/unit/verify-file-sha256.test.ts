import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256OfFile } from '../../src/verify/file-sha256.js';

describe('sha256OfFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kd-verify-sha-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['empty', Buffer.alloc(0), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', Buffer.from('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('%s has the standard digest', async (name, bytes, expected) => {
    const file = join(dir, name);
    await writeFile(file, bytes);
    expect(await sha256OfFile(file)).toBe(expected);
  });

  it('hashes a file larger than one read chunk in full', async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    bytes[bytes.length - 1] = 1;
    const file = join(dir, 'big');
    await writeFile(file, bytes);
    expect(await sha256OfFile(file)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('rejects a file that does not exist', async () => {
    await expect(sha256OfFile(join(dir, 'nope'))).rejects.toThrow(/ENOENT/);
  });
});
