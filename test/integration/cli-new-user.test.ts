/**
 * Issue 12, "what a new user still trips over", through the built CLI against a standalone
 * emulator: output (record id, quiet incremental runs, honest dry runs, lock waits, empty scans,
 * bars on a redirected terminal, CI under a terminal), input (bare --bwlimit, --report, --config,
 * KOODRIVE_* typos, parser errors, where a token came from, config show), advice that fits, and
 * upload --lock-id / lock status / lock release.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import {
  bytesOf,
  CLI,
  events,
  Sandbox,
  sleep,
  USER,
  writeTree,
  type EmulatorProcess,
} from './cli-unattended-harness.js';

const TOKEN = 'new-user-token-1618';
const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const ONE_LINE = /^koodrive-backup: [^\n]+; [^\n]+\n$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

const box = new Sandbox();
let home: string;
let emu: EmulatorProcess;
let n = 0;

beforeAll(async () => {
  home = await box.dir('kd-new-user-');
  emu = await box.emulator([], box.env(home, { KOODRIVE_EMULATOR_TOKEN: TOKEN }), home);
});
afterAll(() => box.cleanup());

/** A fresh state folder, so every test has its own journal and device id. */
const freshState = () => join(home, `state-${++n}`);
const envFor = (state: string, extra: Record<string, string> = {}) =>
  box.env(home, {
    KOODRIVE_ENDPOINT: emu.url,
    KOODRIVE_TOKEN: TOKEN,
    KOODRIVE_USER_ID: USER,
    KOODRIVE_STATE_DIR: state,
    ...extra,
  });
const run = (args: string[], env: NodeJS.ProcessEnv) => box.run(args, { cwd: home, env });

/** Runs `script -qec <command>` so the CLI gets a terminal; `redirect` sends its stdout to a file. */
function inTerminal(
  args: string[],
  env: NodeJS.ProcessEnv,
  redirect?: string,
): { code: number | null; screen: string } {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const assignments = Object.entries(env)
    .map(([k, v]) => `${k}=${quote(v ?? '')}`)
    .join(' ');
  const command =
    `cd ${quote(home)} && stty rows 30 cols 120 && env -i ${assignments} ` +
    `${[process.execPath, CLI, ...args].map(quote).join(' ')}${redirect ? ` > ${quote(redirect)}` : ''}`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status, screen: `${r.stdout}${r.stderr}` };
}

describe('output (issue 12 items 1-8)', () => {
  it.skipIf(!HAS_SCRIPT)(
    'item 1: `upload … > result.txt` on a terminal shows the live display on stderr; the file gets only the summary',
    async () => {
      await writeTree(join(home, 'tty1'), { 'big.bin': bytesOf(3 * 1024 * 1024, 7), 'small.txt': 'small\n' });
      const result = join(home, 'result.txt');
      const { code, screen } = inTerminal(
        ['upload', 'tty1', '--bwlimit', '2MiB/s'],
        { ...envFor(freshState()), TERM: 'xterm-256color' },
        result,
      );
      expect(code, screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').slice(-2000)).toBe(EXIT.OK);
      expect(screen).toContain('\x1b[?25l'); // the bars hid the cursor…
      expect(screen).toContain('\x1b[?25h'); // …and showed it again
      expect(screen).toMatch(/Total \d\/2 files/); // the total bar line
      expect(screen).toContain('✔ uploaded'); // a terminal result line, not a timestamped plain one
      const saved = await readFile(result, 'utf8');
      expect(saved).toMatch(/^Files: +2 total: 2 uploaded, 0 failed$/m);
      expect(saved).toMatch(/^Record: \d+$/m);
      expect(saved).not.toMatch(TIMESTAMP);
      expect(saved).not.toContain('\x1b');
    },
  );

  it.skipIf(!HAS_SCRIPT)(
    'item 3: CI=true under a terminal gets plain lines: no spinner, no bars, no colour',
    async () => {
      await writeTree(join(home, 'ci3'), { 'a.txt': 'a\n', 'b.txt': 'b\n' });
      const { code, screen } = inTerminal(['upload', 'ci3'], {
        ...envFor(freshState()),
        TERM: 'xterm-256color',
        CI: 'true',
      });
      expect(code, screen).toBe(EXIT.OK);
      expect(screen).not.toContain('\x1b');
      const lines = screen.split(/\r?\n/).filter((l) => l.trim() !== '');
      for (const line of lines) expect(line).toMatch(TIMESTAMP);
      expect(screen).toMatch(/uploaded +a\.txt/);
    },
  );

  it(
    'items 2 and 4: the record id is in every summary; an incremental run lists no file that needed no bytes ' +
      '(--verbose does)',
    async () => {
      const state = freshState();
      await writeTree(join(home, 'inc'), { 'a.txt': 'alpha\n', 'sub/b.txt': 'beta\n', 'c.bin': bytesOf(10_000, 3) });
      const first = await run(['upload', 'inc'], envFor(state));
      expect(first.code, first.stderr).toBe(EXIT.OK);
      const id = /Record: (\d+)/.exec(first.stdout)?.[1];
      expect(id, first.stdout).toBeDefined();
      expect(first.stdout).toContain(`start: record ${id}`);

      const second = await run(['upload', 'inc'], envFor(state));
      expect(second.code, second.stderr).toBe(EXIT.OK);
      expect(second.stdout).not.toMatch(/ (rapid|exist|unchanged) +(a\.txt|sub\/b\.txt|c\.bin)/);
      expect(second.stdout).toMatch(/Files: +3 total: .*(rapid|exist|unchanged)/);
      expect(second.stdout).toMatch(/^\S+ Record: \d+$/m);

      const quiet = await run(['upload', 'inc', '--quiet'], envFor(state));
      expect(quiet.code, quiet.stderr).toBe(EXIT.OK);
      expect(quiet.stdout.trim().split('\n')).toHaveLength(1);
      expect(quiet.stdout).toMatch(/^\S+ done: 3 files \(.*\); record \d+; backed up/);

      const verbose = await run(['upload', 'inc', '--verbose'], envFor(state));
      expect(verbose.stdout).toMatch(/ (rapid|exist|unchanged) +sub\/b\.txt/);
    },
  );

  it(
    'item 5: a dry run after a backup says which files it would send, counts them, and --json prints each ' +
      'request once',
    async () => {
      const state = freshState();
      await writeTree(join(home, 'dry5'), {
        'keep.txt': 'kept\n',
        'edit.txt': 'before\n',
        'deep/same.bin': bytesOf(7000, 5),
      });
      expect((await run(['upload', 'dry5', '--quiet'], envFor(state))).code).toBe(EXIT.OK);
      await sleep(20); // a new mtime
      await writeFile(join(home, 'dry5', 'edit.txt'), 'after, and longer\n');
      await writeFile(join(home, 'dry5', 'new.txt'), 'new\n');
      const before = (await emu.stats()).requests;

      const plain = await run(['upload', 'dry5', '--dry-run'], envFor(state));
      expect(plain.code, plain.stderr).toBe(EXIT.OK);
      expect(plain.stdout).toMatch(/would send edit\.txt/);
      expect(plain.stdout).toMatch(/would send new\.txt/);
      expect(plain.stdout).not.toMatch(/keep\.txt|same\.bin/); // unchanged: counted only
      expect(plain.stdout).toMatch(/Files: +4 total: 2 would send \(dry run\), 2 unchanged, 0 failed/);
      expect(plain.stdout).not.toContain('planned');
      expect((await run(['upload', 'dry5', '-n', '--verbose'], envFor(state))).stdout).toMatch(/unchanged keep\.txt/);

      const json = await run(['upload', 'dry5', '--dry-run', '--json'], envFor(state));
      const evs = events(json.stdout);
      const planned = evs.filter((e) => e.type === 'file:planned');
      expect(planned.map((e) => e.path).sort()).toEqual(['edit.txt', 'new.txt']);
      for (const e of planned) {
        expect(e.request.fileName).toBe(e.path);
        expect(e.fileName).toBeUndefined(); // not repeated at the top level
        expect(json.stdout.split('\n').filter((l) => l.includes(`"${e.request.sha256}"`))).toHaveLength(1);
      }
      expect(
        evs
          .filter((e) => e.type === 'file:done' && e.file.outcome === 'unchanged')
          .map((e) => e.file.path)
          .sort(),
      ).toEqual(['deep/same.bin', 'keep.txt']);
      expect((await emu.stats()).requests).toEqual(before); // dry runs call nothing
    },
  );

  it('item 7: a run waiting for a busy lock says what it waits for; plurals', async () => {
    await writeTree(join(home, 'one'), { 'only.txt': 'one\n' });
    const single = await run(['upload', 'one'], envFor(freshState()));
    expect(single.stdout).toMatch(/scan: 1 file, /);
    expect(single.stdout).toMatch(/done: 1 file \(1 uploaded/);

    const lock = await run(['lock', 'create'], envFor(freshState()));
    expect(lock.code, lock.stderr).toBe(EXIT.OK);
    try {
      const waited = await run(['upload', 'one', '--wait-lock', '3s'], envFor(freshState()));
      expect(waited.code, waited.stderr).toBe(EXIT.LOCK_BUSY);
      const notes = waited.stderr.split('\n').filter((l) => l.includes('waiting for the backup lock'));
      expect(notes, waited.stderr).toHaveLength(1); // once, then once a minute
      expect(notes[0]).toMatch(/held by another run; waiting up to [\d.]+s more \(--wait-lock\)/);
      expect(waited.stderr).toMatch(
        /^koodrive-backup: create backup lock failed: .*; waited 3\.0s \(--wait-lock\) for it$/m,
      );
    } finally {
      await run(['lock', 'release', '--lock-id', lock.stdout.trim()], envFor(freshState()));
    }
  });

  it('item 8: an empty scan exits 0 but warns, also with --quiet', async () => {
    await mkdir(join(home, 'empty8'), { recursive: true });
    const plain = await run(['upload', 'empty8'], envFor(freshState()));
    expect(plain.code, plain.stderr).toBe(EXIT.OK);
    expect(plain.stderr).toMatch(/warning: nothing to back up: no file found under empty8 .*--explain-filters/);
    const quiet = await run(['upload', 'empty8', '--quiet'], envFor(freshState()));
    expect(quiet.code).toBe(EXIT.OK);
    expect(quiet.stderr).toMatch(/^koodrive-backup: warning: nothing to back up/);
    await writeTree(join(home, 'all-out'), { 'x.tmp': 'x\n' });
    const excluded = await run(['upload', 'all-out', '--exclude', '*', '--json'], envFor(freshState()));
    expect(events(excluded.stdout).some((e) => e.type === 'warn' && /nothing to back up/.test(e.message))).toBe(true);
  });
});

describe('input (issue 12 items 9-12, 14, 16, 17)', () => {
  it('item 9: a bare --bwlimit number is KiB/s', async () => {
    const show = await run(['config', 'show', '--json'], envFor(freshState(), { KOODRIVE_BWLIMIT: '10' }));
    expect(JSON.parse(show.stdout).values.bwlimit.value).toBe(10 * 1024);
    await writeFile(join(home, 'bw.yaml'), 'bwlimit: 250\n');
    const file = await run(['config', 'show', '--json', '--config', 'bw.yaml'], envFor(freshState()));
    expect(JSON.parse(file.stdout).values.bwlimit.value).toBe(250 * 1024);
    const units = await run(['config', 'show', '--json'], envFor(freshState(), { KOODRIVE_BWLIMIT: '10B/s' }));
    expect(JSON.parse(units.stdout).values.bwlimit.value).toBe(10);
  });

  it('item 10: a --report in a missing folder is refused before anything is sent', async () => {
    await writeTree(join(home, 'rep'), { 'r.txt': 'r\n' });
    const before = (await emu.stats()).requests;
    const r = await run(['upload', 'rep', '--report', '/no/such/dir/r.json'], envFor(freshState()));
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stderr).toContain('the folder /no/such/dir does not exist; create it');
    expect(r.stdout).toBe('');
    expect((await emu.stats()).requests).toEqual(before);
  });

  it('item 11: --config with an extension no loader reads names the ones that work', async () => {
    await writeFile(join(home, 'my.conf'), 'concurrency: 2\n');
    const r = await run(['upload', 'rep', '--config', 'my.conf'], envFor(freshState()));
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stderr).toMatch(/my\.conf .*extension "\.conf".*\.yaml, \.yml, \.json/);
    expect(r.stderr).not.toMatch(/No loader/i);
  });

  it('item 12: an unknown KOODRIVE_* variable is a warning naming the likely one', async () => {
    const r = await run(
      ['upload', 'rep', '--quiet'],
      envFor(freshState(), { KOODRIVE_CONCURENCY: '3', KOODRIVE_ZZZZZZZZZZ: '1' }),
    );
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stderr).toContain(
      'warning: KOODRIVE_CONCURENCY is not a koodrive-backup variable and is ignored; did you mean ' +
        'KOODRIVE_CONCURRENCY?',
    );
    expect(r.stderr).toContain('warning: KOODRIVE_ZZZZZZZZZZ is not a koodrive-backup variable');
    const show = await run(['config', 'show'], envFor(freshState(), { KOODRIVE_TOKN: 'x' }));
    expect(show.stdout).toContain('did you mean KOODRIVE_TOKEN?');
  });

  it(
    'item 14: parser errors and a bad emulator --data are one line, `koodrive-backup: <what>; <what to do>`, ' +
      'exit 2',
    async () => {
      const env = envFor(freshState());
      const cases: Array<[string[], RegExp]> = [
        [['upload', 'rep', '--bogus'], /unknown option '--bogus'; see koodrive-backup upload --help/],
        [['upload'], /missing required argument 'path'; see koodrive-backup upload --help/],
        [['uplod'], /unknown command 'uplod'; did you mean upload\? See koodrive-backup --help/],
        [['records', 'get'], /missing required argument 'recordId'; see koodrive-backup records get --help/],
        [
          ['upload', 'rep', '--on-conflict', 'bogus'],
          /'bogus' is not one of the choices; use one of rename, fail, skip-identical/,
        ],
        [
          ['upload', 'rep', '--concurrency'],
          /option '--concurrency <n>' argument missing; see koodrive-backup upload --help/,
        ],
      ];
      for (const [args, pattern] of cases) {
        const r = await run(args, env);
        expect(r.code, args.join(' ')).toBe(EXIT.USAGE);
        expect(r.stderr, args.join(' ')).toMatch(ONE_LINE);
        expect(r.stderr).toMatch(pattern);
      }
      const aFile = join(home, 'not-a-folder');
      await writeFile(aFile, 'x');
      const data = await run(['emulator', '--port', '0', '--data', aFile, '--token', 'T'], env);
      expect(data.code).toBe(EXIT.USAGE);
      expect(data.stderr).toMatch(ONE_LINE);
      expect(data.stderr).toContain(
        `cannot use ${aFile} for the emulator's data: it is a file, not a folder; pass --data with a ` +
          `folder of your own`,
      );
      const noToken = await run(['emulator', '--port', '0', '--data', join(home, 'emu-x')], box.env(home));
      expect(noToken.stderr).toMatch(ONE_LINE);
    },
  );

  it('item 16: a refused token read from .koodriverc is blamed on that file', async () => {
    const project = join(home, 'proj16');
    await writeTree(project, { 'data/f.txt': 'f\n' });
    await writeFile(join(project, '.koodriverc'), `token: "wrong-token"\nuserId: "${USER}"\nendpoint: "${emu.url}"\n`);
    await chmod(join(project, '.koodriverc'), 0o600);
    const r = await box.run(['upload', 'data'], {
      cwd: project,
      env: box.env(home, { KOODRIVE_STATE_DIR: freshState() }),
    });
    expect(r.code, r.stderr).toBe(EXIT.AUTH);
    expect(r.stderr).toContain(`check the token in ${join(project, '.koodriverc')}`);
    expect(r.stderr).not.toContain('KOODRIVE_TOKEN');
    expect(r.stderr).not.toContain('wrong-token');
  });

  it(
    'item 17: config show shows the embedded emulator when upload would use it, and the device id of the ' +
      'state folder',
    async () => {
      const state = freshState();
      const bare = box.env(home, { KOODRIVE_STATE_DIR: state });
      const before = JSON.parse((await run(['config', 'show', '--json', '--emulator'], bare)).stdout);
      expect(before.effective.endpoint.value).toBe(`embedded emulator (data in ${join(state, 'emulator')})`);
      expect(before.effective.deviceId.value).toBe('(made by the first upload)');
      expect((await run(['upload', 'rep', '--emulator', '--quiet'], bare)).code).toBe(EXIT.OK);
      const device = (await readFile(join(state, 'device-id'), 'utf8')).trim();
      const text = (await run(['config', 'show', '--emulator'], bare)).stdout;
      expect(text).toMatch(new RegExp(`^deviceId +${device} +state:${join(state, 'device-id')}$`, 'm'));
      expect(text).toMatch(/^endpoint +embedded emulator \(data in .*\) +flag:--emulator$/m);
      // configured: what is configured is what is used
      const configured = JSON.parse((await run(['config', 'show', '--json'], envFor(state))).stdout);
      expect(configured.effective.endpoint).toBeUndefined();
    },
  );
});

describe('advice that fits (issue 12 items 18-21)', () => {
  it('item 18: no API internals and no flag the command lacks', async () => {
    const env = envFor(freshState());
    const unknown = await run(['records', 'get', '1234567890123456789'], env);
    expect(unknown.code).toBe(EXIT.FAILURE);
    expect(unknown.stderr).toMatch(ONE_LINE);
    expect(unknown.stderr).not.toMatch(/POST |--record-id/);
    expect(unknown.stderr).toContain('check the record id (koodrive-backup records list shows them)');

    const lock = await run(['lock', 'create'], env);
    try {
      const busy = await run(['lock', 'create'], envFor(freshState()));
      expect(busy.code).toBe(EXIT.LOCK_BUSY);
      expect(busy.stderr).not.toContain('--wait-lock');
      const upload = await run(['upload', 'rep'], envFor(freshState()));
      expect(upload.code).toBe(EXIT.LOCK_BUSY);
      expect(upload.stderr).toContain('or pass --wait-lock 10m to wait for it');
    } finally {
      await run(['lock', 'release', '--lock-id', lock.stdout.trim()], env);
    }
  });

  it('item 19: an endpoint answering HTML is "not the KooDrive API; check --endpoint"', async () => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><head><title>Welcome</title></head><body>nginx</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const args of [
        ['upload', 'rep'],
        ['records', 'list'],
      ]) {
        const r = await run(args, envFor(freshState(), { KOODRIVE_ENDPOINT: url }));
        expect(r.code, r.stderr).toBe(EXIT.FAILURE);
        expect(r.stderr).toMatch(ONE_LINE);
        expect(r.stderr).toContain(
          'the endpoint answered with an HTML page, not KooDrive JSON (HTTP 200); this is not the KooDrive ' +
            'API; check --endpoint',
        );
        expect(r.stderr).not.toContain('DOCTYPE');
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('item 20: a file deleted during the run is said to have vanished', async () => {
    const root = join(home, 'gone20');
    await writeTree(root, { 'a-big.bin': bytesOf(4 * 1024 * 1024, 9), 'z.txt': 'soon gone\n' });
    const started = box.start(
      ['upload', 'gone20', '--file-concurrency', '1', '--hash-workers', '1', '--bwlimit', '2MiB/s', '--json'],
      { cwd: home, env: envFor(freshState()) },
    );
    let seen = '';
    started.child.stdout!.on('data', (c: string) => (seen += c));
    for (let i = 0; i < 400 && !seen.includes('"file:start"'); i++) await sleep(10);
    await rm(join(root, 'z.txt'));
    const r = await started.done;
    expect(r.code, r.stderr).toBe(EXIT.PARTIAL);
    const gone = events(r.stdout).find((e) => e.type === 'file:done' && e.file.path === 'z.txt');
    expect(gone?.file.outcome).toBe('failed');
    expect(gone?.file.error).toMatch(/^the file vanished during the run \(deleted or moved after the scan\)/);
    expect(gone?.file.error).not.toMatch(/ENOENT|no such file/);
  });

  it('item 21: a space refused by a --forbid-space KooDrive is explained with the fix, not "a bug"', async () => {
    const strict = await box.emulator(['--forbid-space'], box.env(home, { KOODRIVE_EMULATOR_TOKEN: TOKEN }), home);
    try {
      await writeTree(join(home, 'space21'), { 'my notes.txt': 'n\n' });
      const r = await run(['upload', 'space21'], envFor(freshState(), { KOODRIVE_ENDPOINT: strict.url }));
      expect(r.code).toBe(EXIT.PARTIAL);
      expect(r.stdout).toContain('this KooDrive refuses spaces in file names');
      expect(r.stdout).toContain("--exclude '* *'");
      expect(r.stdout + r.stderr).not.toContain('probably a bug');
    } finally {
      await strict.stop();
    }
  });
});

describe('scripts and locks (issue 12 item 23)', () => {
  it('upload --lock-id uses a script lock and leaves it held; lock status and release find a lost id', async () => {
    const state = freshState();
    const env = envFor(state);
    const created = await run(['lock', 'create'], env);
    expect(created.code, created.stderr).toBe(EXIT.OK);
    const lockId = created.stdout.trim();
    try {
      expect((await run(['upload', 'rep', '--quiet'], env)).code).toBe(EXIT.LOCK_BUSY);
      const used = await run(['upload', 'rep', '--quiet', '--lock-id', lockId], env);
      expect(used.code, used.stderr).toBe(EXIT.OK);
      const viaEnv = await run(['upload', 'rep', '--quiet'], envFor(state, { KOODRIVE_LOCK_ID: lockId }));
      expect(viaEnv.code, viaEnv.stderr).toBe(EXIT.OK);
      expect((await run(['lock', 'renew', '--lock-id', lockId], env)).code).toBe(EXIT.OK); // still held

      // The id is "lost": the state folder's note finds it.
      const status = await run(['lock', 'status'], env);
      expect(status.stdout).toContain(`lock ${lockId}, taken `);
      expect(status.stdout).toContain('by lock create (a script holds it)');
      expect(JSON.parse((await run(['lock', 'status', '--json'], env)).stdout).lockId).toBe(lockId);
      const released = await run(['lock', 'release'], env);
      expect(released.code, released.stderr).toBe(EXIT.OK);
      expect(released.stdout).toBe(`released lock ${lockId}\n`);
      expect((await run(['lock', 'status'], env)).stdout).toMatch(/^no backup lock of this machine is noted/);
      const nothing = await run(['lock', 'release'], env);
      expect(nothing.code).toBe(EXIT.USAGE);
      expect(nothing.stderr).toMatch(ONE_LINE);
      expect((await run(['upload', 'rep', '--quiet'], env)).code).toBe(EXIT.OK); // free again
    } finally {
      await run(['lock', 'release', '--lock-id', lockId], env);
    }
    const bogus = await run(['upload', 'rep', '--lock-id', 'no-such-lock'], env);
    expect(bogus.code).toBe(EXIT.LOCK_LOST);
    expect(bogus.stderr).toMatch(ONE_LINE);
    expect(bogus.stderr).toContain('given with --lock-id (or KOODRIVE_LOCK_ID) is unknown, released or expired');
    expect(bogus.stderr).toContain('koodrive-backup lock create');
  });
});
