/**
 * The same upload rendered for a machine: output piped (plain lines), --json (NDJSON) and --quiet.
 * The built CLI runs with stdout and stderr as pipes against an in-process emulator; two of the
 * files have names with an escape sequence and a bidi override, which plain output must neutralise
 * and JSON must carry exactly.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import {
  MiB,
  cleanupAll,
  cliEnv,
  inProcessEmulator,
  jsonEvents,
  makeTree,
  patternBytes,
  runCli,
  tempDir,
  type TestEmulator,
} from './cli-harness.js';
import { concatRegex } from '../support/concat-regex.js';

const EVIL = 'evil\x1b[2Jname\tx.txt';
const BIDI = 'rtl\u202etxt.exe';
/** Any control character but \n, and the invisible characters that reorder or break a line. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

/** A fresh tree per run (new content, so nothing is rapid or renamed). */
function treeOf(salt: number): Record<string, Buffer> {
  return {
    'a.bin': patternBytes(12 * MiB, salt),
    'sub/b.bin': patternBytes(6 * MiB, salt + 1),
    'sub/c.bin': patternBytes(6 * MiB, salt + 2),
    [EVIL]: Buffer.from(`evil ${salt}`.padEnd(10, '.')),
    [BIDI]: Buffer.from(`bidi ${salt}`.padEnd(10, '.')),
  };
}

let emu: TestEmulator;
let home: string;
let runs = 0;

beforeAll(async () => {
  emu = await inProcessEmulator();
  home = await tempDir('kdb-out-');
});
afterAll(cleanupAll);

/** Uploads a fresh tree with `flags`, output piped; each run has its own data and state dir. */
async function upload(flags: string[], extraEnv: Record<string, string> = {}) {
  const run = ++runs;
  const data = join(home, `data${run}`);
  await makeTree(data, treeOf(run * 10));
  const result = await runCli(['upload', data, '--part-size', '5MiB', ...flags], {
    env: cliEnv(emu, join(home, `state${run}`), extraEnv),
    cwd: home,
  });
  return { ...result, data };
}

describe('output when not on a terminal', () => {
  it('piped: timestamped plain lines, no escape codes or control characters, names neutralised', async () => {
    const { code, stdout, stderr } = await upload(['--bwlimit', '16MiB/s']);
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.OK);
    expect(stdout).not.toMatch(UNSAFE);
    const lines = stdout.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(STAMP);
    const text = lines.map((line) => line.replace(STAMP, ''));
    expect(text).toContain('uploaded  a.bin (12.0 MiB, sent 12.0 MiB)');
    expect(text).toContain('uploaded  sub/b.bin (6.0 MiB, sent 6.0 MiB)');
    expect(text).toContain('uploaded  evil\\x1b[2Jname\\tx.txt (10 B, sent 10 B)');
    expect(text).toContain('uploaded  rtl\\u202etxt.exe (10 B, sent 10 B)');
    expect(text).toContain('Files:  5 total: 5 uploaded, 0 failed');
    expect(text[text.length - 1]).toMatch(
      concatRegex(
        /^done: 5 files \(5 uploaded, 0 failed\); record \d+; backed up 24\.0 MiB of 24\.0 MiB, sent /,
        /24\.0 MiB in [\d.]+m?s \([\d.]+ \S+\/s\), exit 0$/,
      ),
    );
  });

  it('--json: every line parses; a file:done per file with the exact name; the summary last', async () => {
    const { code, stdout, stderr } = await upload(['--json', '--bwlimit', '16MiB/s']);
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.OK);
    const lines = stdout.split('\n');
    expect(lines.pop()).toBe(''); // newline-terminated
    const events = lines.map((line) => JSON.parse(line) as Record<string, any>);
    expect(events).toEqual(jsonEvents(stdout));
    for (const event of events) expect(Object.keys(event).slice(0, 2)).toEqual(['type', 'time']);
    const done = events.filter((e) => e.type === 'file:done');
    expect(done.map((e) => e.file.path).sort()).toEqual(['a.bin', BIDI, EVIL, 'sub/b.bin', 'sub/c.bin'].sort());
    for (const e of done)
      expect(e.file).toMatchObject({
        outcome: 'uploaded',
        bytesSent: e.file.size,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    expect(events.filter((e) => e.type === 'part:sent')).toHaveLength(3 + 2 + 2 + 1 + 1);
    for (const p of events.filter((e) => e.type === 'progress')) expect(p.bytesSent).toBeGreaterThan(0);
    const summary = events[events.length - 1]!;
    expect(summary).toMatchObject({
      type: 'summary',
      exitCode: 0,
      totals: { files: 5, uploaded: 5, failed: 0, bytesSent: 24 * MiB + 20 },
    });
    expect(summary.files).toEqual([]); // only the files that need attention; every file had its file:done
    expect(events.filter((e) => e.type === 'summary')).toHaveLength(1);
  });

  it('--quiet: one summary line on stdout and nothing else', async () => {
    const { code, stdout, stderr } = await upload(['--quiet']);
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.OK);
    expect(stdout).toMatch(
      concatRegex(
        /^\S+Z done: 5 files \(5 uploaded, 0 failed\); record \d+; backed up 24\.0 MiB of 24\.0 MiB, /,
        /sent 24\.0 MiB in \S+ \(.+\/s\), exit 0\n$/,
      ),
    );
  });

  it('--quiet with an error: nothing on stdout, the one-line error on stderr', async () => {
    const { code, stdout, stderr } = await upload(['--quiet'], { KOODRIVE_TOKEN: 'not-the-token-93' });
    expect(code).toBe(EXIT.AUTH);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^koodrive-backup: create backup lock failed: .*KooDrive refused the credentials; check KOODRIVE_TOKEN[^\n]*\n$/,
    );
    expect(stderr).not.toContain('not-the-token-93');
  });
});
