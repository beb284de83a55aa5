/**
 * The CLI as a person watching it sees it: the built CLI runs in a real pseudo-terminal (a detached
 * tmux session, 120×40) and uploads ~30 MiB of multi-part files to an emulator under --bwlimit, so
 * the live display has a few seconds on screen. The screen is captured while the bars run and after
 * the CLI exits: bars and a total line must render, the final summary must stay, and nothing else
 * (no leftover bars, spinner frames, duplicated lines or Node warnings) may remain.
 *
 * Needs tmux; without it the suite is skipped with a notice (CI: apt-get install -y tmux).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, MiB, cleanupAll, cliEnv, inProcessEmulator, makeTree, patternBytes, tempDir, waitFor, type TestEmulator } from './cli-harness.js';

const HAS_TMUX = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
if (!HAS_TMUX) console.warn('cli-terminal.test.ts: tmux is not installed, so the terminal test is SKIPPED (install it: apt-get install -y tmux)');

const COLS = 120;
const ROWS = 40;
const TREE = {
  'a.bin': patternBytes(16 * MiB, 31),
  'b.bin': patternBytes(8 * MiB, 32),
  'c.bin': patternBytes(6 * MiB, 33),
};
const BAR = /[█░]/;
/** A line printed after the CLI, longer than the screen: it wraps only if the CLI gave line wrapping back. */
const WRAP_PROBE = `WRAP-${'w'.repeat(COLS)}`;

/** Quotes one word for sh. */
const sh = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** A tmux server of our own (its own socket), so the test never touches anyone's sessions. */
class Tmux {
  constructor(readonly socket: string) {}

  run(...args: string[]): string {
    // tmux decides from the locale whether the pane speaks UTF-8 (the bars are U+2588 and U+2591).
    return execFileSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  }

  /** The visible screen, one string per row, trailing blanks removed. */
  screen(withHistory = false): string[] {
    const rows = this.run('capture-pane', '-p', '-t', 'kd', ...(withHistory ? ['-S', '-'] : [])).split('\n');
    while (rows.length > 0 && rows[rows.length - 1]!.trim() === '') rows.pop();
    return rows.map((row) => row.replace(/\s+$/, ''));
  }

  /** The visible screen with its colours as SGR escapes. */
  styledScreen(): string {
    return this.run('capture-pane', '-p', '-e', '-t', 'kd');
  }

  cursorVisible(): boolean {
    return this.run('display-message', '-p', '-t', 'kd', '#{cursor_flag}').trim() === '1';
  }

  kill(): void {
    spawnSync('tmux', ['-S', this.socket, 'kill-server'], { stdio: 'ignore' });
  }
}

let emu: TestEmulator;
let home: string;
let tmux: Tmux | undefined;

beforeAll(async () => {
  if (!HAS_TMUX) return;
  emu = await inProcessEmulator();
  home = await tempDir('kdb-term-');
  await makeTree(join(home, 'data'), TREE);
});
afterAll(async () => {
  tmux?.kill();
  await cleanupAll();
});

describe.skipIf(!HAS_TMUX)('upload watched in a terminal', () => {
  it('draws bars and a total line while running, and leaves only the results and the summary', async () => {
    tmux = new Tmux(join(home, 'tmux.sock'));
    // Only the environment given here: the CLI must see a terminal, colours allowed, no CI variables.
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TERM: 'tmux-256color', LANG: 'C.UTF-8', ...cliEnv(emu, join(home, 'state')) };
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${sh(v ?? '')}`).join(' ');
    const cli = [process.execPath, CLI_PATH, 'upload', 'data', '--part-size', '5MiB', '--bwlimit', '8MiB/s'].map(sh).join(' ');
    // The shell stays after the CLI so the screen can be read; kill-server ends it.
    const script = `cd ${sh(home)} && env -i ${assignments} ${cli}; echo "EXIT=$?"; echo ${sh(WRAP_PROBE)}; exec sleep 600`;
    tmux.run('-f', '/dev/null', 'new-session', '-d', '-s', 'kd', '-x', String(COLS), '-y', String(ROWS), script);

    const frames: string[][] = [];
    const final = await waitFor('the CLI to exit', async () => {
      const screen = tmux!.screen();
      frames.push(screen);
      await new Promise((r) => setTimeout(r, 100));
      return screen.some((row) => row.startsWith('EXIT=')) ? screen : undefined;
    }, 90_000);
    const history = tmux.screen(true);
    console.log(`terminal while uploading:\n${(frames.find((f) => f.some((row) => row.startsWith('Total '))) ?? []).join('\n')}\n\nterminal at the end:\n${history.join('\n')}`);

    // While running: a total line with bar, percent, bytes of 30 MiB and a rate; a bar per file in flight.
    const running = frames.filter((f) => f.some((row) => row.startsWith('Total ') && BAR.test(row)));
    expect(running.length).toBeGreaterThan(0);
    const totalLine = running.map((f) => f.find((row) => row.startsWith('Total '))!).find((row) => /\d+% +[\d.]+ (B|KiB|MiB)\/30\.0 MiB +[\d.]+ (B|KiB|MiB)\/s/.test(row));
    expect(totalLine, 'a total line with percent, bytes and rate').toBeDefined();
    expect(totalLine).toMatch(/^Total \d\/3 files +[█░]+ +\d+%/);
    expect(running.some((f) => f.some((row) => /^[abc]\.bin +[█░]+ +\d+% +[\d.]+ \S+\/\d+\.0 MiB/.test(row)))).toBe(true);
    for (const frame of frames) {
      // Redraws overwrite in place: never two total lines, never a file both in flight and done.
      expect(frame.filter((row) => row.startsWith('Total ')).length).toBeLessThanOrEqual(1);
      for (const name of Object.keys(TREE)) expect(frame.filter((row) => row.includes(name)).length).toBeLessThanOrEqual(1);
    }

    // At the end: one result line per file, the summary, the exit code, and nothing else.
    expect(final.find((row) => row.startsWith('EXIT='))).toBe('EXIT=0');
    const exitAt = history.findIndex((row) => row.startsWith('EXIT='));
    const shown = history.slice(0, exitAt).filter((row) => row.trim() !== '');
    expect(shown.filter((row) => /^✔ uploaded  [abc]\.bin \(\d+\.0 MiB\)$/.test(row)).length).toBe(3);
    expect(shown).toContain('Files:  3 total: 3 uploaded, 0 failed');
    expect(shown).toContain('Data:   30.0 MiB sent, 30.0 MiB backed up');
    expect(shown.some((row) => /^Time: +[\d.]+s, [\d.]+ (KiB|MiB)\/s$/.test(row))).toBe(true);
    expect(shown, 'no leftover bars, spinner, warnings or stray lines').toHaveLength(6);
    expect(history.some((row) => BAR.test(row) || /^[⠁-⣿] /.test(row) || /\(node:\d+\)|Warning/.test(row))).toBe(false);

    // Colour on a terminal: the result words are green, the summary headings bold.
    expect(tmux.styledScreen()).toMatch(/\x1b\[[0-9;]*32m✔ uploaded/);

    // The terminal is handed back as it was: cursor shown, long lines wrap again.
    expect(tmux.cursorVisible()).toBe(true);
    const probeAt = history.findIndex((row) => row.startsWith('WRAP-'));
    expect(history[probeAt]).toHaveLength(COLS);
    expect(history[probeAt + 1]).toBe('w'.repeat(WRAP_PROBE.length - COLS));

    expect((await emu.stats()).filesCompleted).toBe(3);
  });
});
