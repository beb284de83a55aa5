/**
 * Paths from the server are untrusted (reference Part 1): a record planted through the API with
 * escaping descriptions is restored with each of them refused by name, exit 4, and nothing written
 * outside the destination — not even through a symbolic link already in it.
 */
import { mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATHS } from '../../src/koodrive/wire-types.js';
import { cleanupAll, cliEnv, inProcessEmulator, runCli, tempDir, type TestEmulator } from './cli-harness.js';

afterAll(cleanupAll);

// SHA-256 of no bytes (FIPS 180-2 known answer).
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

let emu: TestEmulator;
let work: string;
let outsideAbs: string;

/** Creates a completed record of empty files with the given descriptions, straight through the API. */
async function plantRecord(descriptions: string[]): Promise<string> {
  const lock = (await emu.call('POST', PATHS.lock, { moduleCode: '100' })).json.data.lockId as string;
  const record = (await emu.call('POST', PATHS.record, { moduleCode: '100', deviceId: 'planted' }, lock)).json.data
    .recordId as string;
  let containerId = '';
  for (const description of descriptions) {
    const body = {
      fileName: 'planted.txt',
      sha256: EMPTY_SHA256,
      length: 0,
      uploadMode: 'multipart',
      uploadType: 1,
      autoRename: 2,
      multiParts: [{ partNumber: 1, partSize: 0, partOffset: 0, hashCtx: [] }],
      parentFolder: ['root'],
      description,
    };
    const created = (await emu.call('POST', PATHS.recordFile(record), body, lock)).json;
    expect(created.code, JSON.stringify(created)).toBe(0);
    containerId = created.containerId as string;
    if (!created.rapidUpload) {
      const put = await fetch(created.multiParts[0].uploadUrl as string, { method: 'PUT', body: new Uint8Array(0) });
      expect(put.status).toBe(200);
      expect(
        (await emu.call('POST', PATHS.completeFile, { fileId: created.fileId, sha256: EMPTY_SHA256 })).json.code,
      ).toBe(0);
    }
  }
  expect(
    (await emu.call('PATCH', PATHS.recordById(record), { properties: JSON.stringify({ containerId }) }, lock)).json
      .code,
  ).toBe(0);
  await emu.call('DELETE', PATHS.lock, undefined, lock);
  return record;
}

beforeAll(async () => {
  emu = await inProcessEmulator();
  work = await tempDir('kdb-hostile-');
  outsideAbs = join(work, 'outside');
  await mkdir(outsideAbs);
});

describe('restore of a hostile record', () => {
  it('refuses absolute, ".." and NUL paths by name, restores the rest, writes nothing outside (exit 4)', async () => {
    const hostile = [
      '../escape-1.txt',
      `${outsideAbs}/abs.txt`,
      'a/../../escape-2.txt',
      'nul\u0000.txt',
      '..',
      'ok/../../../escape-3.txt',
    ];
    const recordId = await plantRecord(['ok.txt', 'deep/ok2.txt', ...hostile]);
    const dest = join(work, 'dest', 'inner');
    const r = await runCli(['restore', recordId, dest], { cwd: work, env: cliEnv(emu, join(work, 'state')) });
    expect(r.code, r.stderr).toBe(4);
    for (const path of hostile)
      expect(r.stderr).toContain(`refused the server path ${JSON.stringify(path).replace(/\\u0000/, '\\u0000')}`);
    expect(r.stderr).toMatch(/"\.\.\/escape-1\.txt": it has a "\.\." segment/);
    expect(r.stderr).toMatch(/abs\.txt": it is absolute/);
    expect(r.stderr).toMatch(/it holds a NUL character/);
    expect((await readdir(dest)).sort()).toEqual(['deep', 'ok.txt']);
    expect(await readdir(join(work, 'dest'))).toEqual(['inner']);
    expect(await readdir(outsideAbs)).toEqual([]);
    expect((await readdir(work)).filter((n) => n.startsWith('escape'))).toEqual([]);
  });

  it('never writes through a symbolic link in the destination that leads outside it', async () => {
    const recordId = await plantRecord(['sub/inner.txt', 'sub/deeper/more.txt', 'fine.txt']);
    const dest = join(work, 'with-link');
    await mkdir(dest);
    await symlink(outsideAbs, join(dest, 'sub'));
    const r = await runCli(['restore', recordId, dest, '--overwrite'], {
      cwd: work,
      env: cliEnv(emu, join(work, 'state')),
    });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/"sub\/inner\.txt": a symbolic link on its way leads outside the destination/);
    expect(r.stderr).toMatch(/"sub\/deeper\/more\.txt": a symbolic link on its way leads outside the destination/);
    expect(await readdir(outsideAbs)).toEqual([]);
    expect((await readdir(dest)).sort()).toEqual(['fine.txt', 'sub']);
  });
});
