/**
 * `config show` / `config init` through the built CLI, the prompt's secret handling, and every new command's --help.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { registerConfigCommand } from '../../src/cli/commands/config.js';
import { registerLockCommand } from '../../src/cli/commands/lock.js';
import { registerRecordsCommand } from '../../src/cli/commands/records.js';
import { registerVerifyCommand } from '../../src/cli/commands/verify.js';
import type { CliIo } from '../../src/cli/io.js';
import { createPrompter } from '../../src/cli/prompt.js';
import { CLI, cleanEnv, killRunning, runCli } from './cli-commands-run.js';

const SECRET = 'tok-5f9b2c7e-never-print-me';
let work: string;
let n = 0;

/** A fresh folder under the test's temp dir (also used as HOME, so no real config is found). */
async function folder(): Promise<string> {
  const dir = join(work, `case-${++n}`);
  await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
  return dir;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kd-cli-config-'));
});

afterAll(async () => {
  killRunning();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('config show', () => {
  it('redacts the token and names where each value came from (file, env, flag)', async () => {
    const dir = await folder();
    await writeFile(join(dir, '.koodriverc'), 'concurrency: 3\n');
    const env = cleanEnv(dir, { KOODRIVE_USER_ID: '1505084218764547200', KOODRIVE_STATE_DIR: join(dir, 'state') });
    const r = await runCli(['config', 'show', '--token', SECRET, '--endpoint', 'http://127.0.0.1:8088'], {
      cwd: dir,
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout).toMatch(/^token\s+\*\*\*\s+flag:--token$/m);
    expect(r.stdout).toMatch(/^endpoint\s+http:\/\/127\.0\.0\.1:8088\/?\s+flag:--endpoint$/m);
    expect(r.stdout).toMatch(/^userId\s+1505084218764547200\s+env:KOODRIVE_USER_ID$/m);
    expect(r.stdout).toMatch(
      new RegExp(`^concurrency\\s+3\\s+file:${join(dir, '.koodriverc').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
    );
    expect(r.stdout).toMatch(/^retries\s+6\s+default$/m);
    expect(r.stdout).toMatch(/warning: token was given with --token/);
  });

  it('--json gives every key with value and source; a token from a readable file stays *** and is warned', async () => {
    const dir = await folder();
    await writeFile(join(dir, '.koodriverc'), `token: "${SECRET}"\nuserId: "42"\n`);
    await chmod(join(dir, '.koodriverc'), 0o644);
    const r = await runCli(['config', 'show', '--json'], { cwd: dir, env: cleanEnv(dir) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    const shown = JSON.parse(r.stdout) as {
      configFile: string;
      values: Record<string, { value: unknown; source: string }>;
      warnings: string[];
    };
    expect(shown.configFile).toBe(join(dir, '.koodriverc'));
    expect(shown.values.token).toEqual({ value: '***', source: `file:${join(dir, '.koodriverc')}` });
    expect(shown.values.userId).toEqual({ value: '42', source: `file:${join(dir, '.koodriverc')}` });
    expect(shown.values.appSecret).toEqual({ value: null, source: 'default' });
    expect(shown.warnings.join('\n')).toContain('chmod 600');
  });

  it('a bad value exits 2 with one line naming the key and its source', async () => {
    const dir = await folder();
    const r = await runCli(['config', 'show'], { cwd: dir, env: cleanEnv(dir, { KOODRIVE_CONCURRENCY: 'abc' }) });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'koodrive-backup: concurrency from KOODRIVE_CONCURRENCY must be a whole number from 1 to 64, got "abc"',
    );
  });
});

describe('config init (non-interactive)', () => {
  it(
    'writes a file loadConfig reads back, mode 0600 with a secret, never echoing it; refuses to overwrite ' +
      'without --force',
    async () => {
      const dir = await folder();
      const env = cleanEnv(dir, { KOODRIVE_TOKEN: SECRET });
      const r = await runCli(
        ['config', 'init', '--endpoint', 'http://127.0.0.1:9', '--user-id', '1505084218764547200'],
        {
          cwd: dir,
          env,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      const file = join(dir, '.koodriverc');
      expect(r.stdout).toBe(
        `wrote ${file} (mode 0600: it holds a secret): endpoint (flag --endpoint), token (env KOODRIVE_TOKEN), ` +
          `userId (flag --user-id)\n`,
      );
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const text = await readFile(file, 'utf8');
      expect(text).toMatch(/^# koodrive-backup configuration/);
      expect(text).toMatch(/^# concurrency: 8$/m);
      const back = await loadConfig({ cwd: dir, env: { HOME: dir } });
      expect(back.configFile).toBe(file);
      expect(back.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:9\/?$/);
      expect(back.userId).toBe('1505084218764547200');
      expect(back.token?.reveal()).toBe(SECRET);
      expect(back.warnings).toEqual([]);

      const again = await runCli(['config', 'init', '--user-id', '7'], { cwd: dir, env });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('already exists; pass --force');
      expect(await readFile(file, 'utf8')).toBe(text);

      const forced = await runCli(['config', 'init', '--user-id', '7', '--force'], { cwd: dir, env: cleanEnv(dir) });
      expect(forced.code, forced.stderr).toBe(0);
      expect((await stat(file)).mode & 0o077).toBe(0o044 & ~currentUmask() & 0o077);
      const replaced = await loadConfig({ cwd: dir, env: { HOME: dir } });
      expect(replaced.userId).toBe('7');
      expect(replaced.token).toBeUndefined();
    },
  );

  it('writes to a named file; a bad flag value exits 2 and writes nothing', async () => {
    const dir = await folder();
    const bad = await runCli(['config', 'init', 'conf.yaml', '--endpoint', 'ftp://x'], {
      cwd: dir,
      env: cleanEnv(dir),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('endpoint from --endpoint must be an http(s) URL');
    await expect(stat(join(dir, 'conf.yaml'))).rejects.toThrow();
    const unreadable = await runCli(['config', 'init', 'conf.json'], { cwd: dir, env: cleanEnv(dir) });
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('config init writes YAML');
    const good = await runCli(['config', 'init', 'conf.yaml', '--auth', 'app', '--app-id', 'my-app', '-q'], {
      cwd: dir,
      env: cleanEnv(dir),
    });
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toBe('');
    const back = await loadConfig({ cwd: dir, env: { HOME: dir }, configPath: 'conf.yaml' });
    expect([back.auth, back.appId]).toEqual(['app', 'my-app']);
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('config init on a terminal', () => {
  it.skipIf(!hasScript)('asks for what is missing, re-asks a bad answer, and never echoes the token', async () => {
    const dir = await folder();
    const file = join(dir, 'tty.yaml');
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} config init ${JSON.stringify(file)}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: dir,
      env: cleanEnv(dir, { TERM: 'dumb' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let onScreen = () => {};
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      screen += d;
      onScreen();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    /** Waits until `prompt` has been shown `occurrence` times, then types the answer and Enter. */
    const answer = async (prompt: string, text: string, occurrence = 1) => {
      const seen = () => screen.split(prompt).length - 1 >= occurrence;
      await new Promise<void>((done) => {
        onScreen = () => seen() && done();
        onScreen();
      });
      child.stdin.write(`${text}\r`);
    };
    try {
      await answer('KooDrive endpoint', 'ftp://nope');
      await answer('KooDrive endpoint', 'http://127.0.0.1:9', 2);
      await answer('Authentication', '');
      await answer('KooDrive user id', '1505084218764547200');
      await answer('Access token', SECRET);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(screen).toContain('must be an http(s) URL');
    expect(screen).toContain('try again');
    expect(screen).not.toContain(SECRET);
    // typed at the hidden prompt, not given as a flag: no "--token … process list" warning (issue 12 item 16)
    expect(screen).not.toMatch(/was given with --token|process list/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const back = await loadConfig({ cwd: dir, env: { HOME: dir }, configPath: file });
    expect(back.token?.reveal()).toBe(SECRET);
    expect(back.userId).toBe('1505084218764547200');
    expect(back.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:9\/?$/);
  });
});

describe('createPrompter', () => {
  it('echoes an ordinary answer but not a secret one (terminal mode)', async () => {
    const input = new PassThrough();
    let shown = '';
    const output = new Writable({ write: (chunk, _e, done) => ((shown += String(chunk)), done()) });
    const prompter = createPrompter(input, output, true);
    const first = prompter.ask('Name: ');
    input.write('alice\r');
    expect(await first).toBe('alice');
    const second = prompter.ask('Secret: ', { secret: true });
    input.write('hunter22-secret\r');
    expect(await second).toBe('hunter22-secret');
    prompter.close();
    expect(shown).toContain('Name: ');
    expect(shown).toContain('alice');
    expect(shown).toContain('Secret: ');
    expect(shown).not.toContain('hunter22');
  });

  it('answers "" when the input ends', async () => {
    const input = new PassThrough();
    const prompter = createPrompter(input, new PassThrough(), false);
    const answer = prompter.ask('Anything? ');
    input.end();
    expect(await answer).toBe('');
    prompter.close();
  });
});

describe('--help of every new command shows an example', () => {
  const commands = [
    ['verify'],
    ['records'],
    ['records', 'get'],
    ['records', 'complete'],
    ['records', 'list'],
    ['lock'],
    ['lock', 'create'],
    ['lock', 'renew'],
    ['lock', 'release'],
    ['config'],
    ['config', 'show'],
    ['config', 'init'],
  ];
  it.each(commands.map((c) => [c.join(' '), c] as const))('%s', async (_name, path) => {
    let out = '';
    const io = { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: work, exitCode: 0 } as unknown as CliIo;
    const program = new Command('koodrive-backup')
      .exitOverride()
      .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
    registerVerifyCommand(program, io);
    registerRecordsCommand(program, io);
    registerLockCommand(program, io);
    registerConfigCommand(program, io);
    const err = await program.parseAsync(['node', 'koodrive-backup', ...path, '--help']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as CommanderError).exitCode).toBe(0);
    expect(out).toMatch(/Examples:\n\s+\$ (\S+=\S+ )?(LOCK=\$\()?koodrive-backup /);
  });
});

function currentUmask(): number {
  const mask = process.umask(0);
  process.umask(mask);
  return mask;
}
