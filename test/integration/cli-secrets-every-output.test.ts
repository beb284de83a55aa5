/**
 * Issue 15 item 6: the token and the AppSecret appear in no output mode of a run that succeeds,
 * not only in failures: the terminal display, GitLab and GitHub CI output, the GitHub step
 * summary file, --report, --json and plain lines, and nothing in the state folder either.
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, CLI, MiB, Sandbox, USER, writeTree, type EmulatorProcess } from './cli-unattended-harness.js';

const TOKEN = 'tok-Every-Output-93f1c7d2';
const APP_ID = 'app-every-output';
const APP_SECRET = 'appsecret-Every-Output-4c2e8b';
const SECRETS = [TOKEN, APP_SECRET];
const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

const box = new Sandbox();
let home: string;
let tokenEmu: EmulatorProcess;
let appEmu: EmulatorProcess;
let n = 0;

beforeAll(async () => {
  home = await box.dir('kd-secrets-');
  tokenEmu = await box.emulator([], box.env(home, { KOODRIVE_EMULATOR_TOKEN: TOKEN }), home);
  appEmu = await box.emulator(['--auth', 'app', '--app-id', APP_ID, '--app-secret', APP_SECRET], box.env(home), home);
  await writeTree(join(home, 'src'), { 'big.bin': bytesOf(6 * MiB + 7, 2), 'notes/a.txt': 'a\n', 'empty.txt': '' });
});
afterAll(() => box.cleanup());

/** The environment of one run in `auth` mode, with a fresh state folder; the secrets are in it. */
function envFor(auth: 'token' | 'app', extra: Record<string, string> = {}): { env: NodeJS.ProcessEnv; state: string } {
  const state = join(home, `state-${++n}`);
  const creds: Record<string, string> =
    auth === 'token'
      ? { KOODRIVE_ENDPOINT: tokenEmu.url, KOODRIVE_TOKEN: TOKEN }
      : {
          KOODRIVE_ENDPOINT: appEmu.url,
          KOODRIVE_AUTH: 'app',
          KOODRIVE_APP_ID: APP_ID,
          KOODRIVE_APP_SECRET: APP_SECRET,
        };
  return { env: box.env(home, { ...creds, KOODRIVE_USER_ID: USER, KOODRIVE_STATE_DIR: state, ...extra }), state };
}

/** Every file under a folder, as text. */
async function allText(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const texts = await Promise.all(
    entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name), 'utf8')),
  );
  return texts.join('\n');
}

function expectNoSecret(where: string, text: string): void {
  for (const secret of SECRETS) {
    expect(text, `${where} holds a secret`).not.toContain(secret);
    expect(text, `${where} holds part of a secret`).not.toContain(secret.slice(0, 12));
  }
}

/** A run must have succeeded and shown something, or "no secret" proves nothing. */
async function checkRun(
  mode: string,
  r: { code: number | null; out: string },
  report: string,
  state: string,
): Promise<void> {
  expect(r.code, `${mode}: ${r.out.slice(-1500)}`).toBe(0);
  expect(r.out).toMatch(/a\.txt|big\.bin|Files:/);
  expectNoSecret(`${mode} output`, r.out);
  const reportText = await readFile(report, 'utf8');
  expect(JSON.parse(reportText)).toBeTypeOf('object');
  expectNoSecret(`${mode} --report`, reportText);
  expectNoSecret(`${mode} state folder`, await allText(state));
}

describe.each(['token', 'app'] as const)('no secret in any output of a successful run (%s mode)', (auth) => {
  const run = async (mode: string, args: string[], extra: Record<string, string> = {}) => {
    const { env, state } = envFor(auth, extra);
    const report = join(home, `report-${n}.json`);
    const r = await box.run(['upload', 'src', '--verbose', '--report', report, ...args], { cwd: home, env });
    await checkRun(mode, { code: r.code, out: r.stdout + r.stderr }, report, state);
    return r;
  };

  it('--json', async () => {
    const r = await run('--json', ['--json']);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .every((l) => JSON.parse(l) !== undefined),
    ).toBe(true);
  });

  it('plain lines (piped)', async () => {
    await run('plain', []);
  });

  it('GitLab CI', async () => {
    const r = await run('gitlab', [], { GITLAB_CI: 'true', CI: 'true' });
    expect(r.stdout).toContain('section_start:');
  });

  it('GitHub Actions and its step summary file', async () => {
    const summary = join(home, `summary-${auth}.md`);
    await writeFile(summary, '');
    const r = await run('github', [], { GITHUB_ACTIONS: 'true', CI: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(r.stdout).toContain('::group::');
    const md = await readFile(summary, 'utf8');
    expect(md).toContain('KooDrive backup');
    expectNoSecret('GitHub step summary', md);
  });

  it('the terminal display', async (ctx) => {
    if (!HAS_SCRIPT) {
      if (process.env.CI) throw new Error('`script` (util-linux) is needed to give the CLI a terminal');
      return ctx.skip('`script` is not installed');
    }
    const { env, state } = envFor(auth, { TERM: 'xterm-256color' });
    const report = join(home, `report-tty-${n}.json`);
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const assignments = Object.entries(env)
      .map(([k, v]) => `${k}=${quote(v ?? '')}`)
      .join(' ');
    const command =
      `cd ${quote(home)} && stty rows 30 cols 120 && env -i ${assignments} ` +
      `${[process.execPath, CLI, 'upload', 'src', '--verbose', '--report', report].map(quote).join(' ')}`;
    const r = spawnSync('script', ['-qec', command, '/dev/null'], {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const screen = `${r.stdout}${r.stderr}`;
    expect(screen).toContain('\x1b[?25l'); // really the terminal display (it hides the cursor)
    await checkRun('terminal', { code: r.status, out: screen }, report, state);
  });
});
