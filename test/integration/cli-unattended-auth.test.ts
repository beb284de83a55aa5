/** App-signature auth end to end: the built CLI in app mode against an emulator that checks signatures. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { CODES } from '../../src/koodrive/error-codes.js';
import { bytesOf, MiB, Sandbox, USER, writeTree, type EmulatorProcess } from './cli-unattended-harness.js';

const APP_ID = 'backup-app-42';
const APP_SECRET = 'app-secret-Zx81-never-print-me';
const WRONG_SECRET = 'wrong-secret-Qp77-never-print-me';

const box = new Sandbox();
let home: string;
let emu: EmulatorProcess;

beforeAll(async () => {
  home = await box.dir();
  emu = await box.emulator(['--auth', 'app', '--app-id', APP_ID, '--app-secret', APP_SECRET], box.env(home), home);
  // The CLI: "auth: app" in the config file, the credentials in the environment.
  await writeFile(join(home, '.koodriverc.yaml'), `endpoint: ${emu.url}\nauth: app\nuserId: "${USER}"\n`);
});
afterAll(() => box.cleanup());

const appEnv = (secret: string, stateDir: string) =>
  box.env(home, { KOODRIVE_APP_ID: APP_ID, KOODRIVE_APP_SECRET: secret, KOODRIVE_STATE_DIR: stateDir });

describe('app-signature auth through the CLI', () => {
  it('uploads in app mode; the emulator accepts every signature and the X-User-Id-seeded proofCode', async () => {
    const src = join(home, 'src');
    await writeTree(src, { 'big.bin': bytesOf(6 * MiB + 123, 1), 'notes/ä ö.txt': 'unicode name\n', 'empty.txt': '' });
    const result = await box.run(['upload', 'src', '--json'], {
      cwd: home,
      env: appEnv(APP_SECRET, join(home, 'state-1')),
    });
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const stats = await emu.stats();
    expect(stats.errors).toEqual({});
    // files/complete checked the chain, the sha256 and the proofCode (3 files + the manifest)
    expect(stats.filesCompleted).toBe(4);
    expect(stats.recordsCompleted).toBe(1);
    const stored = await emu.files();
    expect(stored.map((f) => f.description).sort()).toEqual([
      '.koodrive-backup/manifest.ndjson',
      'big.bin',
      'empty.txt',
      'notes/ä ö.txt',
    ]);
    expect(stored.every((f) => f.status === 'complete')).toBe(true);
  });

  it('seeds proofCode with X-User-Id even when proofSeed says authorization: a rapid upload is accepted', async () => {
    // Same bytes under another name, from a state folder with no journal: createBackupFile checks the
    // proofCode against the stored blob at once (rapid upload) and refuses a wrongly seeded one.
    const src = join(home, 'copy');
    await writeTree(src, { 'again.bin': bytesOf(6 * MiB + 123, 1) });
    const before = await emu.stats();
    const env = { ...appEnv(APP_SECRET, join(home, 'state-2')), KOODRIVE_PROOF_SEED: 'authorization' };
    const result = await box.run(['upload', 'copy', '--json'], { cwd: home, env });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const after = await emu.stats();
    expect(after.rapidUploads).toBe(before.rapidUploads + 1);
    // Only the new record's manifest is sent (its roots differ from the first run's): a few hundred bytes.
    const manifests = (await emu.files()).filter(
      (f) => f.description === '.koodrive-backup/manifest.ndjson' && f.status === 'complete' && !f.rapid,
    );
    expect(after.putBytes - before.putBytes).toBe(manifests[manifests.length - 1]!.size);
    expect(after.errors[String(CODES.PROOF_CODE_INVALID)]).toBeUndefined();
  });

  it('fails with the AUTH exit code on a wrong secret and prints the secret nowhere (also --verbose)', async () => {
    await writeTree(join(home, 'other'), { 'a.txt': 'a\n' });
    for (const extra of [[], ['--verbose'], ['--json']]) {
      const result = await box.run(['upload', 'other', ...extra], {
        cwd: home,
        env: appEnv(WRONG_SECRET, join(home, 'state-3')),
      });
      expect(result.code, result.stderr).toBe(EXIT.AUTH);
      expect(result.stderr).toMatch(/app signature does not match/);
      expect(result.stderr).toMatch(/KOODRIVE_APP_SECRET/); // the hint names the variable, never the value
      for (const secret of [WRONG_SECRET, APP_SECRET]) {
        expect(result.stdout).not.toContain(secret);
        expect(result.stderr).not.toContain(secret);
      }
    }
    expect((await emu.stats()).errors[String(CODES.AUTH_FAILED)]).toBeGreaterThanOrEqual(3);
  });

  it('signs query strings as it sends them: records list --device-id with a space', async () => {
    // URLSearchParams would send "my+laptop", which an RFC 3986 server reads as a literal "+".
    const result = await box.run(['records', 'list', '--device-id', 'my laptop (2)', '--json'], {
      cwd: home,
      env: appEnv(APP_SECRET, join(home, 'state-4')),
    });
    expect(result.stderr).not.toMatch(/signature/);
    expect(result.code, result.stderr).toBe(EXIT.OK);
  });
});
