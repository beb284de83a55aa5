import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/backup/events.js';
import { RunProgress } from '../../src/report/run-progress.js';
import { displayWidth } from '../../src/report/terminal-text.js';
import { composeLine, renderFileLine, renderResultLine, renderTotalLine } from '../../src/report/tty-lines.js';
import { createTtySink } from '../../src/report/tty-sink.js';
import { Collector, FAILED, MiB, T0, UPLOADED, scriptedRun } from './report-fixtures.js';

const SYNC_BEGIN = '\x1b[?2026h';
const strip = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('tty lines', () => {
  const progress = new RunProgress();
  progress.apply({ type: 'scan:done', files: 4, bytes: 112 * MiB }, T0);
  const longName = `photos/${'备份'.repeat(30)}/very-long-name-${'x'.repeat(80)}.jpeg`;
  progress.apply({ type: 'file:start', path: longName, size: 12 * MiB, parts: 3 }, T0);
  progress.apply({ type: 'progress', path: longName, bytes: 6 * MiB }, T0 + 1000);

  it.each([20, 40, 60, 80, 100, 200])('file and total lines fit in %d columns', (width) => {
    const file = renderFileLine(progress.active.get(longName)!, T0 + 2000, width, true);
    const total = renderTotalLine(progress, T0 + 2000, width, true);
    for (const line of [file, total]) {
      expect(displayWidth(strip(line))).toBeLessThan(width);
      expect(strip(line)).not.toMatch(/[\x00-\x1f]/);
    }
  });

  it('shows name, bar, bytes, rate and ETA when there is room', () => {
    const line = renderFileLine(progress.active.get(longName)!, T0 + 2000, 120, false);
    expect(line).toMatch(/^photos\/备份.*…x+\.jpeg +█+░+ {2}50% +6\.0 MiB\/12\.0 MiB +6\.0 MiB\/s {2}ETA 1\.0s/);
    expect(renderTotalLine(progress, T0 + 2000, 120, false)).toMatch(
      /^Total 0\/4 files +█*░+ +5% +6\.0 MiB\/112\.0 MiB +6\.0 MiB\/s {2}ETA 17\.6s/,
    );
  });

  it('drops ETA, rate and the bar as the terminal narrows', () => {
    const info = ['50%', '6.0 MiB/12.0 MiB', '6.0 MiB/s', 'ETA 1.0s'];
    expect(composeLine('name', 0.5, info, 100, false)).toContain('ETA 1.0s');
    expect(composeLine('name', 0.5, info, 40, false)).not.toContain('ETA');
    expect(composeLine('name', 0.5, info, 40, false)).not.toContain('█');
    expect(composeLine('name', 0.5, info, 12, false).trim()).toBe('name');
  });

  it('the total line keeps its label whole and drops numbers instead', () => {
    const failing = new RunProgress();
    failing.apply({ type: 'scan:done', files: 10, bytes: 165 * MiB }, T0);
    failing.apply({ type: 'file:done', file: FAILED }, T0);
    const line = renderTotalLine(failing, T0, 50, false);
    expect(line.startsWith('Total 1/10 files, 1 failed')).toBe(true);
    expect(displayWidth(line)).toBeLessThan(50);
    expect(renderTotalLine(failing, T0, 50, true)).toContain('\x1b[31m1 failed\x1b[39m');
  });

  it('result lines are one sanitized line within the width', () => {
    expect(renderResultLine(UPLOADED, 100, false)).toBe('✔ uploaded  docs/a.bin (12.0 MiB)');
    const failed = renderResultLine(FAILED, 40, false);
    expect(failed.startsWith('✖ failed    bad/c\\x1b[2J')).toBe(true);
    expect(displayWidth(failed)).toBeLessThan(40);
    expect(failed.endsWith('…')).toBe(true);
    expect(renderResultLine(UPLOADED, 100, true)).toBe('\x1b[32m✔ uploaded \x1b[39m docs/a.bin (12.0 MiB)');
  });
});

describe('tty sink', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function start(verbose = false) {
    const stream = new Collector({ columns: 100, rows: 30 });
    const out = new Collector();
    const reporter = createTtySink({ stream, out, color: false, summaryColor: false, verbose, fps: 10 });
    return { stream, out, reporter };
  }

  it('spins while scanning, then redraws bars at most fps times a second however many events come', () => {
    const { stream, out, reporter } = start();
    const events = scriptedRun();
    const at = (type: RunEvent['type']) => events.findIndex((e) => e.type === type);
    for (const event of events.slice(0, at('file:start'))) reporter.sink(event);
    vi.advanceTimersByTime(500);
    expect(strip(stream.text())).toContain('Planning: 1 of 4 files hashed…');
    expect(strip(stream.text())).toContain('symlink: link: symbolic links are not followed');

    reporter.sink(events[at('file:start')]!);
    const before = stream.text().length;
    for (let i = 0; i < 5000; i++) reporter.sink({ type: 'progress', path: 'docs/a.bin', bytes: 1000 });
    expect(count(stream.text().slice(before), SYNC_BEGIN)).toBe(0); // events alone never draw

    const mark = stream.text().length;
    vi.advanceTimersByTime(1000);
    const drawn = stream.text().slice(mark);
    expect(count(drawn, SYNC_BEGIN)).toBe(10);
    expect(strip(drawn)).toMatch(/docs\/a\.bin +█*░+ +39% +4\.8 MiB\/12\.0 MiB/);
    expect(strip(drawn)).toContain('Total 0/4 files');

    for (const event of events.slice(at('file:start') + 1, -1)) reporter.sink(event);
    vi.advanceTimersByTime(200);
    const results = strip(stream.text());
    expect(results).toContain('✔ uploaded  docs/a.bin (12.0 MiB)');
    expect(results).toContain('✖ failed    bad/c\\x1b[2J|x\\n.txt');
    // unchanged, exist and rapid files only with --verbose (issue 12 item 4): the summary counts them
    expect(results).not.toContain('old/d.txt');
    expect(results).not.toContain('media/b.iso');
    expect(results).toContain('warning: renewing the backup lock took 4.0s');
    expect(results).not.toContain('\x1b[2J'); // the hostile name never reaches the terminal raw

    reporter.sink(events.at(-1)!);
    expect(out.text()).toContain('Files:  4 total: 1 uploaded, 1 rapid, 1 unchanged, 1 failed');
    expect(out.text()).toContain(
      'Data:   12.0 MiB sent, 112.0 MiB of 112.0 MiB backed up, 100.0 MiB saved by rapid upload',
    );
    expect(out.text()).toContain('  bad/c\\x1b[2J|x\\n.txt: HTTP 500 from the upload URL after 5 tries');
    expect(out.text()).toContain('Record: 1842862763295184641'); // verify --record-id and restore need it
    // cursor shown again
    expect(stream.text().lastIndexOf('\x1b[?25h')).toBeGreaterThan(stream.text().lastIndexOf('\x1b[?25l'));
    expect(vi.getTimerCount()).toBe(0); // spinner and bar timers all stopped
  });

  it('a flood of progress over ten seconds costs about fps × 10 redraws', () => {
    const { stream, reporter } = start();
    reporter.sink({ type: 'run:start', recordId: 'r', roots: ['/data'], dryRun: false });
    reporter.sink({ type: 'file:start', path: 'big.bin', size: 1000 * MiB, parts: 200 });
    const mark = stream.text().length;
    for (let ms = 0; ms < 10_000; ms += 5) {
      reporter.sink({ type: 'progress', path: 'big.bin', bytes: 64 * 1024 });
      vi.advanceTimersByTime(5);
    }
    const redraws = count(stream.text().slice(mark), SYNC_BEGIN);
    expect(redraws).toBeGreaterThanOrEqual(95);
    expect(redraws).toBeLessThanOrEqual(101);
  });

  it('removes the line of a finished file and keeps the total line', () => {
    const { stream, reporter } = start();
    reporter.sink({ type: 'scan:done', files: 2, bytes: 2 * MiB });
    reporter.sink({ type: 'file:start', path: 'one.bin', size: MiB, parts: 1 });
    reporter.sink({ type: 'file:start', path: 'two.bin', size: MiB, parts: 1 });
    vi.advanceTimersByTime(100);
    reporter.sink({ type: 'file:done', file: { ...UPLOADED, path: 'one.bin', size: MiB, bytesSent: MiB } });
    const mark = stream.text().length;
    vi.advanceTimersByTime(100);
    const redraw = strip(stream.text().slice(mark));
    expect(redraw).toContain('✔ uploaded  one.bin (1.0 MiB)');
    expect(redraw).toContain('two.bin');
    expect(redraw).toContain('Total 1/2 files');
    const lastFrame = strip(stream.text().slice(stream.text().lastIndexOf(SYNC_BEGIN)));
    expect(lastFrame).not.toMatch(/one\.bin +[█░]/); // no bar left for the finished file
  });

  it('close() without a summary stops every timer and restores the cursor', async () => {
    const { stream, reporter } = start();
    reporter.sink({ type: 'run:start', recordId: 'r', roots: ['/data'], dryRun: true });
    expect(strip(stream.text())).toContain('Dry run: scanning /data…');
    reporter.sink({ type: 'file:start', path: 'a', size: 10, parts: 1 });
    vi.advanceTimersByTime(300);
    // Before scan:done the total is unknown: no percentage, no ETA.
    expect(strip(stream.text())).toMatch(/Total 0 files +0 B +0 B\/s/);
    await reporter.close();
    await reporter.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(stream.text().lastIndexOf('\x1b[?25h')).toBeGreaterThan(stream.text().lastIndexOf('\x1b[?25l'));
    expect(stream.text().endsWith('\x1b[0J')).toBe(true); // the bars are cleared away
  });
});
