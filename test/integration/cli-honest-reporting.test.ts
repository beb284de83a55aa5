/**
 * Issue 10, honest reporting (items 8, 9, 10), through the built CLI against the emulator: the
 * --json stream always ends with a summary, fatal errors included, and in GitHub Actions a fatal
 * error is an ::error:: and in the step summary; totals add up after SIGINT; the SIGINT message says
 * what happens.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import {
  cleanupAll,
  cliEnv,
  inProcessEmulator,
  jsonEvents,
  makeTree,
  MiB,
  patternBytes,
  runCli,
  spawnCli,
  tempDir,
  waitFor,
  type TestEmulator,
} from './cli-harness.js';
import { concatRegex } from '../support/concat-regex.js';

let emu: TestEmulator;
let dir: string;
let data: string;

beforeAll(async () => {
  emu = await inProcessEmulator();
  dir = await tempDir('kdb-honest-');
  data = join(dir, 'data');
  await makeTree(data, { 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
});
afterAll(cleanupAll);

const stderrLines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
let states = 0;
const envWith = (extra: Record<string, string | undefined> = {}) => ({
  ...cliEnv(emu, join(dir, `state-${++states}`)),
  ...extra,
});

describe('the --json stream ends with a summary, fatal errors included (item 8)', () => {
  it.each([
    [
      'a bad flag (refused while loading settings)',
      ['--part-size', '3MiB'],
      {},
      EXIT.USAGE,
      /part size 3145728 is below the 5 MiB minimum/,
    ],
    [
      'nothing configured outside a terminal',
      [],
      { KOODRIVE_ENDPOINT: undefined, KOODRIVE_TOKEN: undefined, KOODRIVE_USER_ID: undefined },
      EXIT.USAGE,
      /no KooDrive endpoint or credentials configured/,
    ],
    [
      'credentials refused by the server',
      [],
      { KOODRIVE_TOKEN: 'wrong-token' },
      EXIT.AUTH,
      /KooDrive refused the credentials/,
    ],
  ])('%s', async (_name, flags, extra, code, reason) => {
    const r = await runCli(['upload', data, '--json', ...flags], { env: envWith(extra) });
    expect(r.code, r.stderr).toBe(code);
    const events = jsonEvents(r.stdout);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .every((l) => l.startsWith('{')),
    ).toBe(true);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ type: 'summary', exitCode: code });
    expect(last.reason).toMatch(reason);
    expect(last.totals).toMatchObject({ files: 0, bytesTotal: 0, bytesSent: 0 });
    expect(events.filter((e) => e.type === 'summary')).toHaveLength(1);
    expect(stderrLines(r.stderr)).toHaveLength(1); // the one error line stays
    expect(r.stderr).toMatch(reason);
  });

  it('--report is written for a fatal error too, with the exit code and the reason', async () => {
    const report = join(dir, 'fatal-report.json');
    const r = await runCli(['upload', data, '--quiet', '--report', report], {
      env: envWith({ KOODRIVE_TOKEN: 'wrong-token' }),
    });
    expect(r.code).toBe(EXIT.AUTH);
    const doc = JSON.parse(await readFile(report, 'utf8')) as Record<string, any>;
    expect(doc).toMatchObject({ exitCode: EXIT.AUTH, totals: { files: 0 } });
    expect(doc.reason).toMatch(/refused the credentials/);
  });

  it('in GitHub Actions a fatal error is an ::error:: line and a failed step summary', async () => {
    const summaryFile = join(dir, 'step-summary.md');
    const r = await runCli(['upload', data], {
      env: envWith({ KOODRIVE_TOKEN: 'wrong-token', GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile }),
    });
    expect(r.code).toBe(EXIT.AUTH);
    expect(r.stdout).toMatch(
      /^::error title=Backup failed::create backup lock failed: .*KooDrive refused the credentials/m,
    );
    const md = await readFile(summaryFile, 'utf8');
    expect(md).toMatch(
      /### KooDrive backup failed: exit code 3\n\n> create backup lock failed: .*refused the credentials/,
    );
    expect(md).not.toContain('succeeded');
  });
});

describe('after SIGINT the totals add up and the message says what happens (items 9, 10)', () => {
  it('bytesTotal is every file of the run, "backed up" only what is stored; the line never says "of 0 B"', async () => {
    const tree = join(dir, 'slow');
    const files = {
      'one.bin': patternBytes(6 * MiB, 1),
      'two.bin': patternBytes(6 * MiB, 2),
      'three.bin': patternBytes(6 * MiB, 3),
    };
    await makeTree(tree, files);
    const before = (await emu.stats()).putAccepted;
    const child = spawnCli(
      ['upload', tree, '--part-size', '5MiB', '--bwlimit', '4MiB/s', '--file-concurrency', '1', '--concurrency', '1'],
      { env: envWith() },
    );
    await waitFor('a part stored', async () => (await emu.stats()).putAccepted > before, 30_000);
    child.kill('SIGINT');
    const r = await child.done;
    expect(r.code, r.stderr).toBe(EXIT.INTERRUPTED);
    expect(r.stderr).toMatch(
      concatRegex(
        /SIGINT received: stopping; parts in flight are aborted \(parts already sent are kept\), the /,
        /journal is kept and the backup lock released; run the same command again to resume/,
      ),
    );
    const line = (r.stdout + r.stderr).split('\n').find((l) => / exit 130/.test(l))!;
    expect(line).toMatch(/backed up [\d.]+ (B|KiB|MiB) of 18\.0 MiB, sent [\d.]+ (KiB|MiB) in /);
    expect(line).not.toMatch(/of 0 B/);
    // The lock was released: the next run takes it at once and finishes.
    const again = await runCli(['upload', tree, '--json'], { env: { ...cliEnv(emu, join(dir, `state-${states}`)) } });
    expect(again.code, again.stderr).toBe(EXIT.OK);
    const summary = jsonEvents(again.stdout).at(-1)!;
    expect(summary.totals).toMatchObject({ files: 3, bytesTotal: 18 * MiB, bytesBackedUp: 18 * MiB });
  });

  it('--json after SIGINT: bytesTotal covers the skipped files too', async () => {
    const tree = join(dir, 'slow-json');
    await makeTree(tree, { 'x.bin': patternBytes(6 * MiB, 4), 'y.bin': patternBytes(6 * MiB, 5) });
    const before = (await emu.stats()).putAccepted;
    const child = spawnCli(
      [
        'upload',
        tree,
        '--json',
        '--part-size',
        '5MiB',
        '--bwlimit',
        '4MiB/s',
        '--file-concurrency',
        '1',
        '--concurrency',
        '1',
      ],
      { env: envWith() },
    );
    await waitFor('a part stored', async () => (await emu.stats()).putAccepted > before, 30_000);
    child.kill('SIGINT');
    const r = await child.done;
    expect(r.code).toBe(EXIT.INTERRUPTED);
    const summary = jsonEvents(r.stdout).at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', exitCode: EXIT.INTERRUPTED });
    const files = jsonEvents(r.stdout)
      .filter((e) => e.type === 'file:done')
      .map((e) => e.file) as Array<{ size: number; outcome: string }>;
    expect(summary.totals.bytesTotal).toBe(12 * MiB);
    expect(summary.totals.bytesTotal).toBe(files.reduce((n, f) => n + f.size, 0));
    const stored = files
      .filter((f) => ['uploaded', 'rapid', 'exist', 'unchanged'].includes(f.outcome))
      .reduce((n, f) => n + f.size, 0);
    expect(summary.totals.bytesBackedUp).toBe(stored);
    expect(summary.totals.bytesBackedUp).toBeLessThan(summary.totals.bytesTotal);
  });
});
