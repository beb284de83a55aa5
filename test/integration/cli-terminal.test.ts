/**
 * The CLI as a person watching it sees it: the built CLI runs in a real pseudo-terminal (a detached
 * tmux session) and uploads ~30 MiB of multi-part files to an emulator under --bwlimit, so the live
 * display has a few seconds on screen. The screen is captured while the bars run and after the CLI
 * exits: bars and a total line must render, the final summary must stay, and nothing else (no
 * leftover bars, spinner frames, duplicated lines or Node warnings) may remain. A second run is
 * stopped with Ctrl-C on a narrow terminal.
 *
 * Needs tmux; without it the suite is skipped with a notice (CI: apt-get install -y tmux).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI_PATH,
  MiB,
  cleanupAll,
  cliEnv,
  inProcessEmulator,
  makeTree,
  patternBytes,
  tempDir,
  waitFor,
  type TestEmulator,
} from './cli-harness.js';
import { concatRegex } from '../support/concat-regex.js';

const HAS_TMUX = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
if (!HAS_TMUX)
  console.warn(
    'cli-terminal.test.ts: tmux is not installed, so the terminal test is SKIPPED (install it: apt-get ' +
      'install -y tmux)',
  );

const BAR = /[█░]/;
const SPINNER = /^[⠁-⣿] /;
const treeOf = (salt: number) => ({
  'a.bin': patternBytes(16 * MiB, salt),
  'b.bin': patternBytes(8 * MiB, salt + 1),
  'c.bin': patternBytes(6 * MiB, salt + 2),
});

/** Quotes one word for sh. */
const sh = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** One tmux session on a server of our own (its own socket), so the test never touches anyone's sessions. */
class Session {
  constructor(
    readonly socket: string,
    readonly name: string,
    readonly cols: number,
  ) {}

  run(...args: string[]): string {
    // tmux decides from the locale whether the pane speaks UTF-8 (the bars are U+2588 and U+2591).
    return execFileSync('tmux', ['-S', this.socket, ...args], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
    });
  }

  /** The visible screen (or all of it, scrollback included), one string per row, trailing blanks removed. */
  screen(withHistory = false): string[] {
    const rows = this.run('capture-pane', '-p', '-t', this.name, ...(withHistory ? ['-S', '-'] : [])).split('\n');
    while (rows.length > 0 && rows[rows.length - 1]!.trim() === '') rows.pop();
    return rows.map((row) => row.replace(/\s+$/, ''));
  }

  /** The visible screen with its colours as SGR escapes. */
  styledScreen(): string {
    return this.run('capture-pane', '-p', '-e', '-t', this.name);
  }

  cursorVisible(): boolean {
    return this.run('display-message', '-p', '-t', this.name, '#{cursor_flag}').trim() === '1';
  }

  /** Screens captured every 100 ms until `done(screen)` holds; returns them all, the last one first-class. */
  async watch(
    done: (screen: string[]) => boolean,
    timeoutMs = 90_000,
  ): Promise<{ frames: string[][]; last: string[] }> {
    const frames: string[][] = [];
    const last = await waitFor(
      `tmux session ${this.name}`,
      async () => {
        const screen = this.screen();
        frames.push(screen);
        if (done(screen)) return screen;
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      },
      timeoutMs,
    );
    return { frames, last };
  }
}

let emu: TestEmulator;
let home: string;
let socket: string;
let runs = 0;

beforeAll(async () => {
  if (!HAS_TMUX) return;
  emu = await inProcessEmulator();
  home = await tempDir('kdb-term-');
  socket = join(home, 'tmux.sock');
});
afterAll(async () => {
  if (socket) spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
  await cleanupAll();
});

/**
 * Starts `upload <fresh data> …flags` in a new cols×rows session. Afterwards the shell prints
 * EXIT=<code> and `probe`, then idles so the screen can be read (kill-server ends it).
 */
async function startUpload(cols: number, rows: number, flags: string[], probe: string): Promise<Session> {
  const run = ++runs;
  await makeTree(join(home, `data${run}`), treeOf(run * 10));
  // Only the environment given here: the CLI must see a terminal, colours allowed, no CI variables.
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TERM: 'tmux-256color',
    LANG: 'C.UTF-8',
    ...cliEnv(emu, join(home, `state${run}`)),
  };
  const assignments = Object.entries(env)
    .map(([k, v]) => `${k}=${sh(v ?? '')}`)
    .join(' ');
  const cli = [process.execPath, CLI_PATH, 'upload', `data${run}`, '--part-size', '5MiB', ...flags].map(sh).join(' ');
  const script = `cd ${sh(home)} && env -i ${assignments} ${cli}; echo "EXIT=$?"; echo ${sh(probe)}; exec sleep 600`;
  const session = new Session(socket, `kd${run}`, cols);
  session.run(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    session.name,
    '-x',
    String(cols),
    '-y',
    String(rows),
    script,
  );
  return session;
}

const exited = (screen: string[]) => screen.some((row) => row.startsWith('EXIT='));

/** The terminal is handed back as it was: cursor shown, and a line longer than the screen wraps again. */
function expectTerminalRestored(session: Session, history: string[], probe: string): void {
  expect(session.cursorVisible()).toBe(true);
  const at = history.findIndex((row) => row.startsWith(probe.slice(0, 5)));
  expect(history[at]).toHaveLength(session.cols);
  expect(history[at + 1]).toBe(probe.slice(session.cols));
}

describe.skipIf(!HAS_TMUX)('upload watched in a terminal', () => {
  it('draws bars and a total line while running, and leaves only the results and the summary', async () => {
    const probe = `WRAP-${'w'.repeat(120)}`;
    const session = await startUpload(120, 40, ['--bwlimit', '8MiB/s'], probe);
    const { frames, last } = await session.watch(exited);
    const history = session.screen(true);
    console.log(
      `terminal while ` +
        `uploading:\n${(frames.find((f) => f.some((row) => row.startsWith('Total '))) ?? []).join('\n')}\n\nterminal ` +
        `at the end:\n${history.join('\n')}`,
    );

    // While running: a total line with bar, percent, bytes of 30 MiB and a rate; a bar per file in flight.
    const running = frames.filter((f) => f.some((row) => row.startsWith('Total ') && BAR.test(row)));
    expect(running.length).toBeGreaterThan(0);
    const totalLine = running
      .map((f) => f.find((row) => row.startsWith('Total '))!)
      .find((row) => /\d+% +[\d.]+ (B|KiB|MiB)\/30\.0 MiB +[\d.]+ (B|KiB|MiB)\/s/.test(row));
    expect(totalLine, 'a total line with percent, bytes and rate').toBeDefined();
    expect(totalLine).toMatch(/^Total \d\/3 files +[█░]+ +\d+%/);
    expect(running.some((f) => f.some((row) => /^[abc]\.bin +[█░]+ +\d+% +[\d.]+ \S+\/\d+\.0 MiB/.test(row)))).toBe(
      true,
    );
    for (const frame of frames) {
      // Redraws overwrite in place: never two total lines, never a file both in flight and done.
      expect(frame.filter((row) => row.startsWith('Total ')).length).toBeLessThanOrEqual(1);
      for (const name of ['a.bin', 'b.bin', 'c.bin'])
        expect(frame.filter((row) => row.includes(name)).length).toBeLessThanOrEqual(1);
    }

    // At the end: one result line per file, the summary, the exit code, and nothing else.
    expect(last.find((row) => row.startsWith('EXIT='))).toBe('EXIT=0');
    const shown = history
      .slice(
        0,
        history.findIndex((row) => row.startsWith('EXIT=')),
      )
      .filter((row) => row.trim() !== '');
    expect(shown.filter((row) => /^✔ uploaded {2}[abc]\.bin \(\d+\.0 MiB\)$/.test(row)).length).toBe(3);
    expect(shown).toContain('Files:  3 total: 3 uploaded, 0 failed');
    expect(shown).toContain('Data:   30.0 MiB sent, 30.0 MiB of 30.0 MiB backed up');
    expect(shown.some((row) => /^Time: +[\d.]+s, [\d.]+ (KiB|MiB)\/s$/.test(row))).toBe(true);
    expect(shown.some((row) => /^Record: \d+$/.test(row))).toBe(true); // verify and restore need it
    expect(shown, 'no leftover bars, spinner, warnings or stray lines').toHaveLength(7);
    expect(history.some((row) => BAR.test(row) || SPINNER.test(row) || /\(node:\d+\)|Warning/.test(row))).toBe(false);
    // Colour on a terminal: the result words are green.
    expect(session.styledScreen()).toMatch(/\x1b\[[0-9;]*32m✔ uploaded/);
    expectTerminalRestored(session, history, probe);
    expect((await emu.stats()).filesCompleted).toBeGreaterThanOrEqual(3);
  });

  it('Ctrl-C on a narrow terminal: the warning and the reason are wrapped whole, no skipped-file noise', async () => {
    const probe = `WRAP-${'v'.repeat(70)}`;
    const session = await startUpload(70, 24, ['--bwlimit', '4MiB/s'], probe);
    await session.watch((screen) => screen.some((row) => row.startsWith('Total ')) || exited(screen));
    session.run('send-keys', '-t', session.name, 'C-c');
    await session.watch(exited);
    const history = session.screen(true);
    console.log(`terminal after Ctrl-C (70 columns):\n${history.join('\n')}`);

    const shown = history
      .slice(
        0,
        history.findIndex((row) => row.startsWith('EXIT=')),
      )
      .filter((row) => row.trim() !== '');
    expect(history.find((row) => row.startsWith('EXIT='))).toBe('EXIT=130');
    // The warning keeps its advice (the end of it), on indented continuation lines.
    const warning = shown.findIndex((row) => row.startsWith('warning: SIGINT received'));
    expect(warning).toBeGreaterThanOrEqual(0);
    let end = warning + 1;
    while (shown[end]?.startsWith('  ')) end++;
    expect(end - warning, 'the warning takes more than one row at 70 columns').toBeGreaterThan(1);
    expect(shown.slice(warning, end).join(' ').replace(/\s+/g, ' ')).toMatch(
      concatRegex(
        /, the journal is kept and the backup lock released; run the same command again to resume /,
        /\(press Ctrl-C again to quit at once\)$/,
      ),
    );
    expect(shown.some((row) => row.includes('skipped  '))).toBe(false);
    expect(shown.some((row) => /^Files: +3 total: .*skipped/.test(row))).toBe(true);
    // The reason comes last, word-wrapped: no row ends or starts inside a word of it.
    const reason = shown
      .slice(shown.findIndex((row) => row.startsWith('interrupted by SIGINT')))
      .join(' ')
      .replace(/\s+/g, ' ');
    expect(reason).toBe('interrupted by SIGINT; run the same command again to resume where it stopped');
    for (const row of shown) expect(row.length).toBeLessThan(70);
    expect(history.some((row) => BAR.test(row) || SPINNER.test(row) || /\(node:\d+\)/.test(row))).toBe(false);
    expectTerminalRestored(session, history, probe);
  });
});
