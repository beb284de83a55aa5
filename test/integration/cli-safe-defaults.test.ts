/**
 * Issue 10, unsafe defaults (items 6 and 7), through the built CLI: no silent fallback to the
 * embedded emulator outside a terminal, `upload ""` never backs up the working folder, and the
 * embedded emulator's data is readable by its owner only.
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reachableUrls } from '../../src/cli/commands/emulator.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { CLI, events, Sandbox, USER, writeTree, type EmulatorProcess } from './cli-unattended-harness.js';
import { concatRegex } from '../support/concat-regex.js';

const TOKEN = 'safe-token-2718';
const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const NOTHING = concatRegex(
  /^koodrive-backup: no KooDrive endpoint or credentials configured; set KOODRIVE_USER_ID and /,
  /KOODRIVE_TOKEN .*or pass --emulator/,
);

const box = new Sandbox();
let home: string;
let emu: EmulatorProcess;

beforeAll(async () => {
  home = await box.dir();
  await writeTree(join(home, 'data'), { 'a.txt': 'alpha\n', 'sub/b.txt': 'beta\n' });
  emu = await box.emulator([], box.env(home, { KOODRIVE_EMULATOR_TOKEN: TOKEN }), home);
});
afterAll(() => box.cleanup());

const stateOf = (name: string) => join(home, `state-${name}`);
const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Runs `script -qec <command>` so the CLI gets a terminal on stdin, stdout and stderr. */
function inTerminal(args: string[], env: Record<string, string>): { code: number | null; output: string } {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const assignments = Object.entries(env)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' ');
  const command = `cd ${quote(home)} && env -i ${assignments} ${[process.execPath, CLI, ...args].map(quote).join(' ')}`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('no silent fallback to the embedded emulator (item 6)', () => {
  it('nothing configured, no terminal (cron): exit 2 with the fix, nothing backed up, no emulator run', async () => {
    for (const flags of [[], ['--quiet'], ['--json']]) {
      const r = await box.run(['upload', 'data', ...flags], {
        cwd: home,
        env: box.env(home, { KOODRIVE_STATE_DIR: stateOf('cron') }),
      });
      expect(r.code, `${flags}: ${r.stderr}`).toBe(EXIT.USAGE);
      expect(lines(r.stderr), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(NOTHING);
    }
    expect(await exists(join(stateOf('cron'), 'emulator'))).toBe(false);
  });

  it('nothing configured in GitHub Actions: exit 2, an ::error::, a failed step summary, no "succeeded"', async () => {
    const summaryFile = join(home, 'gh-summary.md');
    const r = await box.run(['upload', 'data', '--quiet'], {
      cwd: home,
      env: box.env(home, {
        KOODRIVE_STATE_DIR: stateOf('gh'),
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: summaryFile,
      }),
    });
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stdout).toMatch(/^::error(?: [^:]*)?::.*no KooDrive endpoint or credentials configured/m);
    const md = await readFile(summaryFile, 'utf8');
    expect(md).not.toContain('succeeded');
    expect(md).toMatch(/KooDrive backup failed/);
    expect(md).toMatch(/exit code 2/);
  });

  it(
    'an empty token from the environment (a missing secret) is "configured but missing": exit 2 naming the ' +
      'variable',
    async () => {
      const before = (await emu.stats()).requests;
      const cases: Array<Record<string, string>> = [
        { KOODRIVE_TOKEN: '', KOODRIVE_USER_ID: USER },
        { KOODRIVE_TOKEN: '' },
        { KOODRIVE_TOKEN: '', KOODRIVE_USER_ID: USER, KOODRIVE_ENDPOINT: emu.url },
      ];
      for (const extra of cases) {
        const r = await box.run(['upload', 'data', '--quiet'], {
          cwd: home,
          env: box.env(home, { KOODRIVE_STATE_DIR: stateOf('empty'), ...extra }),
        });
        expect(r.code, `${JSON.stringify(extra)}: ${r.stderr}`).toBe(EXIT.USAGE);
        expect(lines(r.stderr)).toHaveLength(1);
        expect(r.stderr).toMatch(/^koodrive-backup: no access token configured: KOODRIVE_TOKEN is set but empty/);
      }
      // the app secret too
      const app = await box.run(['upload', 'data'], {
        cwd: home,
        env: box.env(home, {
          KOODRIVE_STATE_DIR: stateOf('empty'),
          KOODRIVE_AUTH: 'app',
          KOODRIVE_APP_ID: 'a',
          KOODRIVE_APP_SECRET: '',
          KOODRIVE_USER_ID: USER,
        }),
      });
      expect(app.code, app.stderr).toBe(EXIT.USAGE);
      expect(app.stderr).toMatch(/no AppSecret is configured: KOODRIVE_APP_SECRET is set but empty/);
      expect(await exists(join(stateOf('empty'), 'emulator'))).toBe(false);
      expect((await emu.stats()).requests).toEqual(before);
    },
  );

  it('upload "" (an unset $DIR) is refused, never a backup of the working folder', async () => {
    const env = box.env(home, {
      KOODRIVE_ENDPOINT: emu.url,
      KOODRIVE_TOKEN: TOKEN,
      KOODRIVE_USER_ID: USER,
      KOODRIVE_STATE_DIR: stateOf('emptypath'),
    });
    const before = (await emu.stats()).requests;
    for (const args of [
      ['upload', ''],
      ['upload', 'data', ''],
      ['upload', '', '--dry-run'],
    ]) {
      const r = await box.run(args, { cwd: join(home, 'data'), env });
      expect(r.code, `${JSON.stringify(args)}: ${r.stderr}`).toBe(EXIT.USAGE);
      expect(r.stderr).toMatch(
        concatRegex(
          /^koodrive-backup: an empty path was given \(an unset variable, such as "\$DIR"\?\); name the /,
          /file or folder to back up/,
        ),
      );
      expect(r.stdout).toBe('');
    }
    expect((await emu.stats()).requests).toEqual(before);
  });

  it("the README's first command still works: upload ./data --emulator, nothing configured, no terminal", async () => {
    const r = await box.run(['upload', './data', '--emulator', '--json'], {
      cwd: home,
      env: box.env(home, { KOODRIVE_STATE_DIR: stateOf('readme') }),
    });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(events(r.stdout).at(-1)).toMatchObject({ type: 'summary', exitCode: 0, totals: { files: 2, uploaded: 2 } });
    expect(r.stdout + r.stderr).not.toMatch(/nothing configured/); // asked for: no warning
  });

  it.skipIf(!HAS_SCRIPT)(
    'in an interactive terminal with nothing configured, the embedded emulator stands in and says so; not with CI set',
    () => {
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        TERM: 'dumb',
        KOODRIVE_STATE_DIR: stateOf('tty'),
      };
      const watched = inTerminal(['upload', 'data'], env);
      expect(watched.code, watched.output).toBe(EXIT.OK);
      expect(watched.output).toMatch(
        /nothing configured: backing up to the embedded KooDrive emulator at http:\/\/127\.0\.0\.1:\d+/,
      );
      const quiet = inTerminal(['upload', 'data', '--quiet'], { ...env, KOODRIVE_STATE_DIR: stateOf('tty-quiet') });
      expect(quiet.code, quiet.output).toBe(EXIT.OK);
      // --quiet shows it too
      expect(quiet.output).toMatch(/warning: nothing configured: backing up to the embedded KooDrive emulator/);
      const inCi = inTerminal(['upload', 'data'], { ...env, CI: 'true', KOODRIVE_STATE_DIR: stateOf('tty-ci') });
      expect(inCi.code, inCi.output).toBe(EXIT.USAGE);
      expect(inCi.output).toMatch(/no KooDrive endpoint or credentials configured/);
    },
  );
});

describe('embedded emulator data is not world-readable (item 7)', () => {
  it('the state folder and its emulator data are 0700, stored blobs, parts and state 0600', async () => {
    const state = stateOf('modes');
    const r = await box.run(['upload', 'data', '--emulator', '--quiet'], {
      cwd: home,
      env: box.env(home, { KOODRIVE_STATE_DIR: state }),
    });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const loose: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const st = await stat(dir);
      if ((st.mode & 0o077) !== 0) loose.push(`${dir} ${(st.mode & 0o777).toString(8)}`);
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (((await stat(path)).mode & 0o077) !== 0)
          loose.push(`${path} ${((await stat(path)).mode & 0o777).toString(8)}`);
      }
    };
    await walk(state);
    expect(loose).toEqual([]);
    expect((await stat(join(state, 'emulator'))).mode & 0o777).toBe(0o700);
  });

  it(
    'emulator --host 0.0.0.0 prints the addresses others reach, not a loopback URL, and warns that ' +
      '/_emulator/* is open',
    async () => {
      const wide = await box.emulator(['--host', '0.0.0.0'], box.env(home, { KOODRIVE_EMULATOR_TOKEN: TOKEN }), home);
      const port = Number(new URL(wide.url).port);
      const expected = reachableUrls('0.0.0.0', port, networkInterfaces());
      expect(wide.url).toBe(expected[0]);
      expect((await wide.stats()).putBytes).toBe(0); // the printed address answers
      const out = await wide.stop();
      const first = lines(out.stdout)[0]!;
      expect(first).toMatch(/^KooDrive emulator listening on http:\/\/\S+:\d+/);
      if (expected[0]!.startsWith('http://127.')) return; // a machine with no other interface
      expect(first).not.toMatch(/listening on http:\/\/127\.0\.0\.1/);
      expect(first).toContain('http://127.0.0.1:'); // loopback listed as well, after the outside address
      expect(out.stderr).toMatch(
        concatRegex(
          /warning: listening on 0\.0\.0\.0, so other machines can reach it; its \/_emulator\/\* routes /,
          /.* need no credentials/,
        ),
      );
    },
  );

  it('reachableUrls lists outside IPv4 addresses first for 0.0.0.0, and IPv6 too for ::', () => {
    const nets = {
      lo: [
        { address: '127.0.0.1', family: 'IPv4', internal: true },
        { address: '::1', family: 'IPv6', internal: true },
      ],
      eth0: [
        { address: '192.0.2.2', family: 'IPv4', internal: false },
        { address: 'fd00::2', family: 'IPv6', internal: false },
        { address: 'fe80::1', family: 'IPv6', internal: false },
      ],
    } as unknown as ReturnType<typeof networkInterfaces>;
    expect(reachableUrls('0.0.0.0', 80, nets)).toEqual(['http://192.0.2.2:80', 'http://127.0.0.1:80']);
    expect(reachableUrls('::', 80, nets)).toEqual([
      'http://192.0.2.2:80',
      'http://[fd00::2]:80',
      'http://127.0.0.1:80',
      'http://[::1]:80',
    ]);
    expect(reachableUrls('10.1.2.3', 80, nets)).toEqual(['http://10.1.2.3:80']);
  });
});
