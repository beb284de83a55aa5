/** --on-success / --on-failure through the built CLI: the JSON summary on stdin; a failing hook only warns. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { bytesOf, events, MiB, Sandbox, USER, writeTree, type EmulatorProcess } from './cli-unattended-harness.js';

const TOKEN = 'hook-token-never-in-a-hook-9d2';

const box = new Sandbox();
let home: string;
let emu: EmulatorProcess;

beforeAll(async () => {
  home = await box.dir();
  emu = await box.emulator([], box.env(home, { KOODRIVE_EMULATOR_TOKEN: TOKEN }), home);
});
afterAll(() => box.cleanup());

function envFor(state: string, token = TOKEN): NodeJS.ProcessEnv {
  return box.env(home, {
    KOODRIVE_ENDPOINT: emu.url,
    KOODRIVE_TOKEN: token,
    KOODRIVE_USER_ID: USER,
    KOODRIVE_STATE_DIR: join(home, `state-${state}`),
  });
}

const readJson = async (file: string) => JSON.parse(await readFile(join(home, file), 'utf8')) as Record<string, any>;

describe('run hooks', () => {
  it('--on-success gets the JSON summary on stdin; --on-failure is not run', async () => {
    await writeTree(join(home, 'ok'), { 'a.txt': 'hook a\n', 'b.bin': bytesOf(MiB, 21) });
    const result = await box.run(
      ['upload', 'ok', '--on-success', 'cat > success.json', '--on-failure', 'echo ran > failure-ran.txt'],
      { cwd: home, env: envFor('ok') },
    );
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const summary = await readJson('success.json');
    const stored = await emu.files();
    expect(summary.recordId).toBe(stored[0]!.recordId);
    expect(summary.exitCode).toBe(0);
    expect(summary.totals).toMatchObject({ files: 2, uploaded: 2, failed: 0, bytesTotal: MiB + 7, bytesSent: MiB + 7 });
    expect(summary.files).toEqual([]); // only the files that need attention (failed, conflict)
    await expect(readFile(join(home, 'failure-ran.txt'))).rejects.toThrow();
  });

  it('--on-failure gets the summary of a partial run (exit 4) with the failed file', async () => {
    await writeTree(join(home, 'partial'), { 'only.bin': bytesOf(MiB, 22) });
    await emu.setFaults({ rules: [{ kind: 'put', nth: 1, status: 400 }] });
    const result = await box.run(
      ['upload', 'partial', '-q', '--on-failure', 'cat > failure.json', '--on-success', 'echo ran > success-ran.txt'],
      { cwd: home, env: envFor('partial') },
    );
    await emu.setFaults({});
    expect(result.code, result.stderr).toBe(EXIT.PARTIAL);
    const summary = await readJson('failure.json');
    expect(summary.exitCode).toBe(EXIT.PARTIAL);
    expect(summary.recordId).toMatch(/^\d+$/);
    expect(summary.totals).toMatchObject({ files: 1, failed: 1 });
    expect(summary.files[0]).toMatchObject({ path: 'only.bin', outcome: 'failed' });
    await expect(readFile(join(home, 'success-ran.txt'))).rejects.toThrow();
  });

  it('--on-failure gets {error, exitCode} when the run cannot start, and no secret', async () => {
    await writeTree(join(home, 'denied'), { 'c.txt': 'c\n' });
    const wrong = 'wrong-token-also-secret-4e1';
    const result = await box.run(['upload', 'denied', '--on-failure', 'cat > denied.json; env > hook-env.txt'], {
      cwd: home,
      env: envFor('denied', wrong),
    });
    expect(result.code, result.stderr).toBe(EXIT.AUTH);
    const summary = await readJson('denied.json');
    expect(summary.exitCode).toBe(EXIT.AUTH);
    expect(summary.error).toMatch(/create backup lock failed/);
    expect(JSON.stringify(summary)).not.toContain(wrong);
    // the hook runs with our environment, less the secrets it has no use for
    const hookEnv = await readFile(join(home, 'hook-env.txt'), 'utf8');
    expect(hookEnv).toContain(`KOODRIVE_ENDPOINT=${emu.url}`);
    expect(hookEnv).not.toContain(wrong);
    expect(hookEnv).not.toMatch(/^KOODRIVE_TOKEN=/m);
  });

  it('a failing hook only warns: the exit code stays that of the backup', async () => {
    await writeTree(join(home, 'warn'), { 'd.txt': 'd\n' });
    const result = await box.run(['upload', 'warn', '-q', '--on-success', 'cat > /dev/null; exit 7'], {
      cwd: home,
      env: envFor('warn'),
    });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    expect(result.stderr).toMatch(/warning: the --on-success hook exited with 7/);
    const missing = await box.run(['upload', 'warn', '-q', '--on-success', 'no-such-command-kd-42'], {
      cwd: home,
      env: envFor('warn'),
    });
    expect(missing.code, missing.stderr).toBe(EXIT.OK);
    expect(missing.stderr).toMatch(/warning: the --on-success hook exited with 127/);
  });

  it('hook output goes to stderr, so --json keeps stdout pure NDJSON', async () => {
    await writeTree(join(home, 'json'), { 'e.txt': 'e\n' });
    const result = await box.run(['upload', 'json', '--json', '--on-success', 'cat > /dev/null; echo said-by-hook'], {
      cwd: home,
      env: envFor('json'),
    });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    expect(result.stderr).toContain('said-by-hook');
    expect(result.stdout).not.toContain('said-by-hook');
    expect(events(result.stdout).at(-1)?.type).toBe('summary');
  });
});
