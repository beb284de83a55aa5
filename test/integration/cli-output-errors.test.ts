/**
 * How `upload` fails: for each mistake a user makes (bad flags, a wrong endpoint, token or clock,
 * a state dir that cannot be made) stderr is exactly one line that says what went wrong, where, and
 * what to do — no stack trace unless --verbose — and the exit code is the documented one
 * (docs/exit-codes.md). The built CLI runs against an in-process emulator, output piped.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { PATHS } from '../../src/koodrive/wire-types.js';
import { cleanupAll, cliEnv, inProcessEmulator, makeTree, runCli, tempDir, type TestEmulator } from './cli-harness.js';
import { concatRegex } from '../support/concat-regex.js';

let emu: TestEmulator;
let home: string;
let closedPort: number;

/** A port nothing listens on: bound once to learn a free number, then closed. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  emu = await inProcessEmulator();
  home = await tempDir('kdb-err-');
  await makeTree(join(home, 'data'), { 'a.txt': 'alpha', 'b.txt': 'beta' });
  await makeTree(home, { 'a-file': 'not a folder' });
  closedPort = await freePort();
});
afterAll(cleanupAll);

interface ErrorCase {
  name: string;
  args: string[];
  env?: Record<string, string>;
  exit: number;
  /** Every pattern must be found in the one stderr line. */
  says: RegExp[];
}

const CASES: ErrorCase[] = [
  {
    name: 'a count that is not a number',
    args: ['--concurrency', 'abc'],
    exit: EXIT.USAGE,
    says: [/--concurrency/, /whole number from 1 to 64/, /"abc"/],
  },
  {
    name: 'a part size below the minimum',
    args: ['--part-size', '3MiB'],
    exit: EXIT.USAGE,
    says: [/--part-size/, /"3MiB"/, /5 ?MiB/],
  },
  {
    name: 'an unknown --on-conflict policy',
    args: ['--on-conflict', 'bogus'],
    exit: EXIT.USAGE,
    says: [/--on-conflict/, /'bogus'/, /rename, fail, skip-identical/],
  },
  { name: 'an unknown flag', args: ['--frobnicate'], exit: EXIT.USAGE, says: [/unknown option '--frobnicate'/] },
  {
    name: 'a path that does not exist',
    args: ['missing-folder'],
    exit: EXIT.USAGE,
    says: [/missing-folder/, /does not exist/],
  },
  {
    name: 'an endpoint where nothing listens',
    args: ['--retries', '1'],
    env: { KOODRIVE_ENDPOINT: 'http://127.0.0.1:PORT' },
    exit: EXIT.FAILURE,
    says: [
      /create backup lock failed/,
      /no answer from 127\.0\.0\.1:\d+/,
      /ECONNREFUSED/,
      /--endpoint or KOODRIVE_ENDPOINT/,
    ],
  },
  {
    name: 'a wrong token',
    args: [],
    env: { KOODRIVE_TOKEN: 'wrong-token-5150' },
    exit: EXIT.AUTH,
    says: [/create backup lock failed/, /refused the credentials/, /KOODRIVE_TOKEN/],
  },
  {
    name: 'a clock skew that puts X-Date out of range',
    args: ['--clock-skew', '-30m'],
    exit: EXIT.AUTH,
    says: [/X-Date/, /30 min behind/, /clock/, /--clock-skew/],
  },
  {
    name: 'a state dir that cannot be created',
    args: [],
    env: { KOODRIVE_STATE_DIR: 'a-file/state' },
    exit: EXIT.FAILURE,
    says: [/cannot create folder \S*a-file\/state/, /ENOTDIR/, /--state-dir or KOODRIVE_STATE_DIR/],
  },
];

/** Runs `upload data …args` from `home` with the emulator's settings plus `env`. */
function upload(args: string[], env: Record<string, string> = {}) {
  const fixed = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace('PORT', String(closedPort))]));
  return runCli(['upload', ...(args[0] === 'missing-folder' ? [] : ['data']), ...args], {
    env: cliEnv(emu, join(home, 'state'), fixed),
    cwd: home,
  });
}

describe('upload errors', () => {
  // Each case fails before it takes the backup lock, so they may run side by side.
  it.concurrent.for(CASES)(
    '$name: one line on stderr, the facts, exit $exit',
    async ({ name, args, env, exit, says }, { expect }) => {
      const { code, stderr, stdout } = await upload(args, {
        KOODRIVE_STATE_DIR: join(home, `state-${name.replace(/\W+/g, '-')}`),
        ...env,
      });
      expect(stderr.endsWith('\n')).toBe(true);
      const lines = stderr.slice(0, -1).split('\n');
      expect(lines, `stderr was:\n${stderr}`).toHaveLength(1);
      for (const fact of says) expect(lines[0]).toMatch(fact);
      expect(lines[0]).not.toMatch(/^\s+at /);
      expect(code).toBe(exit);
      expect(stdout + stderr).not.toContain('wrong-token-5150');
      expect(stdout + stderr).not.toContain(emu.token);
    },
  );

  it('a skew that is itself the mistake: the advice is to drop it, not to double it', async () => {
    const { code, stderr } = await upload(['--clock-skew', '-30m']);
    expect(code).toBe(EXIT.AUTH);
    // This machine's clock is right; only the -30m made X-Date stale.
    expect(stderr).toMatch(/this machine's clock is right: leave out --clock-skew/);
    expect(stderr).not.toMatch(/--clock-skew=1800s/);
  });

  it('a lock held by another run: one line that names --wait-lock, exit 6', async () => {
    const held = await emu.call('POST', PATHS.lock, { moduleCode: '100' });
    expect(held.json.code).toBe(0);
    try {
      const { code, stderr } = await upload([]);
      expect(code).toBe(EXIT.LOCK_BUSY);
      expect(stderr).toMatch(
        concatRegex(
          /^koodrive-backup: create backup lock failed: [^\n]*another backup holds the /,
          /lock[^\n]*--wait-lock 10m[^\n]*\n$/,
        ),
      );
    } finally {
      await emu.call('DELETE', PATHS.lock, undefined, held.json.data.lockId as string);
    }
  });

  it('--verbose adds the stack trace after the same first line', async () => {
    const { code, stderr } = await upload(['--verbose'], { KOODRIVE_TOKEN: 'wrong-token-5150' });
    expect(code).toBe(EXIT.AUTH);
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^koodrive-backup: create backup lock failed: .*refused the credentials/);
    expect(lines.slice(1).some((line) => /^\s+at /.test(line))).toBe(true);
    expect(stderr).not.toContain('wrong-token-5150');
  });
});
