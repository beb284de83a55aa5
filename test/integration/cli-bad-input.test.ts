/**
 * Issue 3, bad input: each case gives a one-line error on stderr, its documented exit code, leaves
 * no backup lock held, and never prints the token.
 */
import { chmod, mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handTo, requireUnprivileged, sharedTempDir } from '../fixtures/unprivileged.js';
import {
  CLI_PATH,
  cleanupAll,
  cliEnv,
  inProcessEmulator,
  jsonEvents,
  makeTree,
  MiB,
  patternBytes,
  runCli,
  spawnCli,
  storedMismatches,
  tempDir,
  waitFor,
  type CliResult,
  type TestEmulator,
} from './cli-harness.js';

const TOKEN = 'tok-sEcReT-5d81c9e0a7';
const LONG_NAME = `${'n'.repeat(251)}.txt`;

/** The lines a run printed on stderr (timestamps of plain output left on). */
const stderrLines = (r: CliResult) => r.stderr.split('\n').filter((l) => l.trim() !== '');

describe('bad input', () => {
  let emu: TestEmulator;
  let dir: string;
  let tree: string;
  let env: Record<string, string | undefined>;
  const outputs: CliResult[] = [];
  const run = async (args: string[], extraEnv: Record<string, string | undefined> = env): Promise<CliResult> => {
    const r = await runCli(args, { env: extraEnv });
    outputs.push(r);
    return r;
  };

  beforeAll(async () => {
    dir = await tempDir('kdb-bad-');
    tree = join(dir, 'tree');
    await makeTree(tree, { 'ok.txt': 'fine\n' });
    emu = await inProcessEmulator({ token: TOKEN });
    env = cliEnv(emu, join(dir, 'state'));
  });
  afterAll(cleanupAll);

  it('refuses bad settings before anything is sent: one line, the documented code', async () => {
    const noToken = { ...env, KOODRIVE_TOKEN: undefined };
    const cases: Array<{
      name: string;
      args: string[];
      env?: Record<string, string | undefined>;
      code: number;
      message: RegExp;
    }> = [
      {
        name: 'missing token',
        args: ['upload', tree],
        env: noToken,
        code: 2,
        message: /no access token configured; set KOODRIVE_TOKEN/,
      },
      {
        name: 'bad endpoint URL',
        args: ['upload', tree],
        env: { ...env, KOODRIVE_ENDPOINT: 'htp:/nowhere' },
        code: 2,
        message: /endpoint from KOODRIVE_ENDPOINT must be an http\(s\) URL/,
      },
      {
        name: 'path that does not exist',
        args: ['upload', join(dir, 'no/such/folder')],
        code: 2,
        message: /no\/such\/folder does not exist/,
      },
      {
        name: 'part size below 5 MiB',
        args: ['upload', tree, '--part-size', '4MiB'],
        code: 2,
        message: /part size 4194304 is below the 5 MiB minimum/,
      },
      {
        name: 'part size not a multiple of 64',
        args: ['upload', tree, '--part-size', String(5 * MiB + 1)],
        code: 2,
        message: /not a multiple of 64 bytes/,
      },
    ];
    const results = await Promise.all(cases.map((c) => run(c.args, c.env ?? env)));
    results.forEach((r, i) => {
      const c = cases[i]!;
      expect({ name: c.name, code: r.code }).toEqual({ name: c.name, code: c.code });
      expect(stderrLines(r), c.name).toHaveLength(1);
      expect(r.stderr, c.name).toMatch(c.message);
      expect(r.stdout, c.name).toBe('');
    });
    expect((await emu.stats()).requests).toEqual({});
  });

  it('refuses a wrong token (exit 3) and an endpoint where nothing listens (exit 1), one line each', async () => {
    const wrong = await run(['upload', tree], { ...env, KOODRIVE_TOKEN: 'not-the-token' });
    expect(wrong.code).toBe(3);
    expect(stderrLines(wrong)).toHaveLength(1);
    expect(wrong.stderr).toMatch(/create backup lock failed: .*check KOODRIVE_TOKEN/);
    expect(wrong.stderr).not.toContain('not-the-token');

    const nobody = await run(['upload', tree, '--retries', '2'], { ...env, KOODRIVE_ENDPOINT: 'http://127.0.0.1:1' });
    expect(nobody.code).toBe(1);
    expect(stderrLines(nobody)).toHaveLength(1);
    expect(nobody.stderr).toMatch(/no answer from 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(await emu.lockIsFree()).toBe(true);
  });

  it('backs up what it can, fails naming each: a file over 200 GB, a name over 250 characters (exit 4)', async () => {
    const root = join(dir, 'names');
    const content = { 'plain.txt': 'plain\n', 'odd:name?.txt': 'reserved characters\n' };
    await makeTree(root, { ...content, [LONG_NAME]: 'too long a name\n' });
    await writeFile(join(root, 'huge.img'), '');
    await truncate(join(root, 'huge.img'), 200 * 1000 ** 3 + 1); // sparse: no disk used
    const r = await run(['upload', root]);
    expect(r.code).toBe(4);
    const failures = stderrLines(r);
    expect(failures).toHaveLength(2);
    expect(failures.find((l) => l.includes('huge.img'))).toMatch(/FAILED +huge\.img.*above the 200 GB KooDrive limit/);
    expect(failures.find((l) => l.includes(LONG_NAME))).toMatch(/fileName is longer than 250 characters/);
    // The reserved characters became their fullwidth twins; the bytes are there.
    expect(await storedMismatches(emu, content)).toEqual([]);
    expect((await emu.files()).find((f) => f.description === 'odd:name?.txt')!.fileName).toBe('odd：name？.txt');
    expect((await emu.stats()).recordsCompleted).toBe(1); // what could be stored is a complete record
    expect(await emu.lockIsFree()).toBe(true);
  });

  it('fails, naming it, a file that cannot be read (exit 4); as root the CLI runs unprivileged', async (ctx) => {
    // Root reads any file whatever its mode: there the CLI runs as nobody (or without its DAC
    // capabilities), so the permission check is real in CI too.
    const u = requireUnprivileged(CLI_PATH, (why) => ctx.skip(why));
    const base = await sharedTempDir('kdb-unreadable-', u);
    const root = join(base, 'tree');
    await makeTree(root, { 'a-first.bin': patternBytes(6 * MiB, 3), 'b-shut.txt': 'nobody may read this\n' });
    await chmod(join(root, 'b-shut.txt'), 0o000);
    const state = join(base, 'state');
    await mkdir(state);
    await handTo(state, u);
    const r = await runCli(['upload', root], {
      env: { ...env, KOODRIVE_STATE_DIR: state },
      ...(u ? { prefix: u.prefix } : {}),
    });
    outputs.push(r);
    expect(r.code, r.stderr).toBe(4);
    const failures = stderrLines(r);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/FAILED +b-shut\.txt.*(cannot be read|permission)/);
    expect((await emu.files()).some((f) => f.description === 'a-first.bin' && f.status === 'complete')).toBe(true);
    expect(await emu.lockIsFree()).toBe(true);
    await rm(base, { recursive: true, force: true });
  }, 60_000);

  it('fails, naming it, a file taken away after the scan (exit 4)', async () => {
    const root = join(dir, 'vanishing');
    await makeTree(root, { 'a-first.bin': patternBytes(6 * MiB, 4), 'b-gone.txt': 'here at scan time\n' });
    // Take the file away after the scan, while the first file's upload is held up (its first PUT
    // waits 2 s; the second file is planned only after it).
    await emu.setFaults({ rules: [{ kind: 'put', nth: 1, stallMs: 2000 }] });
    const base = await emu.stats();
    const child = spawnCli(['upload', root, '--file-concurrency', '1'], { env });
    await waitFor(
      'the first file under way',
      async () => ((await emu.stats()).faults.stalls > base.faults.stalls ? true : undefined),
      20_000,
      () => !child.running,
    );
    await rm(join(root, 'b-gone.txt'));
    const r = await child.done;
    outputs.push(r);
    await emu.setFaults({});
    expect(r.code).toBe(4);
    const failures = stderrLines(r);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/FAILED +b-gone\.txt.*(vanished during the run|does not exist)/);
    expect(await emu.lockIsFree()).toBe(true);
  }, 30_000);

  it('never printed the token', () => {
    expect(outputs.length).toBeGreaterThan(8);
    for (const r of outputs) expect(r.stdout + r.stderr).not.toContain(TOKEN);
    // --json too
    expect(jsonEvents(outputs.map((o) => o.stdout).join('\n')).every((e) => !JSON.stringify(e).includes(TOKEN))).toBe(
      true,
    );
  });
});
