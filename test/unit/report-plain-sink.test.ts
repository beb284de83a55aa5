import { describe, expect, it } from 'vitest';
import { createPlainSink, type PlainSinkOptions } from '../../src/report/plain-sink.js';
import type { ReportTimer } from '../../src/report/types.js';
import { CONTROL, Collector, manualClock, scriptedRun } from './report-fixtures.js';

/** Interval timers ticked by hand. */
function manualTimer(): ReportTimer & { tick: () => void; active: () => number } {
  const intervals = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval(tick) {
      intervals.set(next, tick);
      return next++;
    },
    clearInterval(handle) {
      intervals.delete(handle as number);
    },
    tick: () => intervals.forEach((fn) => fn()),
    active: () => intervals.size,
  };
}

function run(options: Partial<PlainSinkOptions> = {}, tickAfter?: string) {
  const out = new Collector();
  const err = new Collector();
  const clock = manualClock();
  const timer = manualTimer();
  const reporter = createPlainSink({ out, err, now: clock.now, timer, ...options });
  for (const event of scriptedRun()) {
    reporter.sink(event);
    clock.advance(1000);
    if (event.type === tickAfter) timer.tick();
  }
  return { out: out.text(), err: err.text(), timer, reporter };
}

const TIMESTAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

describe('plain sink', () => {
  it('prefixes every line with an ISO timestamp and never writes a control character', () => {
    const { out, err } = run({ verbose: true }, 'part:sent');
    for (const text of [out, err]) {
      expect(text).not.toMatch(CONTROL);
      for (const line of text.trimEnd().split('\n')) expect(line).toMatch(TIMESTAMPED);
    }
    expect(out.startsWith('2026-11-25T10:00:00.000Z start: record 1842862763295184641, /data')).toBe(true);
  });

  it('writes one line per file outcome and notice; failures and warnings to err', () => {
    const { out, err } = run();
    expect(out).toContain('notice: symlink link: symbolic links are not followed');
    expect(out).toContain('scan: 4 files, 112.0 MiB');
    expect(out).toContain('uploaded  docs/a.bin (12.0 MiB, sent 12.0 MiB)');
    // nothing was sent for rapid, exist and unchanged files: only counted, listed with --verbose (issue 12 item 4)
    expect(out).not.toContain('media/b.iso');
    expect(err).toContain('FAILED    bad/c\\x1b[2J|x\\n.txt (2.0 KiB): HTTP 500 from the upload URL after 5 tries');
    expect(err).toContain('warning: renewing the backup lock took 4.0s');
    // Quiet by default: exclusions, unchanged files, parts and retries.
    for (const hidden of ['tmp/x.swp', 'old/d.txt', 'part 1', 'retry', 'planned']) expect(out).not.toContain(hidden);
    expect(out).toContain('Files:  4 total: 1 uploaded, 1 rapid, 1 unchanged, 1 failed');
    expect(out).toContain('Record: 1842862763295184641');
    expect(out.trimEnd().split('\n').at(-1)).toMatch(
      /finished with errors: 4 files .*; record 1842862763295184641; .* exit 3$/,
    );
  });

  it('--verbose adds planned, start, part, retry, exclusion and unchanged lines', () => {
    const { out } = run({ verbose: true });
    expect(out).toContain('planned docs/a.bin (12.0 MiB, 3 parts)');
    expect(out).toContain('start bad/c\\x1b[2J|x\\n.txt (2.0 KiB, 1 part)');
    expect(out).toContain('start docs/a.bin (12.0 MiB, 3 parts)');
    expect(out).toContain('part 2 of docs/a.bin sent (5.0 MiB)');
    expect(out).toContain('retry PUT part 2 of docs/a.bin: attempt 2 in 1.5s (ECONNRESET)');
    expect(out).toContain('excluded tmp/x.swp: matches *.swp');
    expect(out).toContain('unchanged old/d.txt (500 B, nothing sent)');
    expect(out).toContain('rapid     media/b.iso (100.0 MiB, nothing sent)');
  });

  it('--quiet writes only the failure and one summary line', () => {
    const { out, err } = run({ quiet: true }, 'part:sent');
    expect(out).toBe('');
    const lines = err.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('FAILED    bad/c');
    expect(lines[1]).toMatch(
      /finished with errors: 4 files \(1 uploaded, 1 rapid, 1 unchanged, 1 failed\); record 1842862763295184641;/,
    );
  });

  it('prints a progress line on each timer tick and stops the timer at the summary', () => {
    const { out, timer } = run({}, 'part:sent');
    const progress = out.split('\n').filter((l) => l.includes(' progress: '));
    expect(progress).toHaveLength(3);
    // 5 MiB sent since the first byte 2 s before the tick; 107 MiB to go at 2.5 MiB/s.
    expect(progress[0]).toBe(
      '2026-11-25T10:00:08.000Z progress: 0/4 files, 5.0 MiB/112.0 MiB (4%), sent 5.0 MiB at 2.5 MiB/s, ' +
        'ETA 42.8s, 1 active',
    );
    expect(progress[2]).toContain('0/4 files, 12.0 MiB/112.0 MiB (10%), sent 12.0 MiB');
    expect(timer.active()).toBe(0);
  });

  it('close() stops the progress timer even without a summary', async () => {
    const out = new Collector();
    const timer = manualTimer();
    const reporter = createPlainSink({ out, err: out, timer });
    reporter.sink({ type: 'run:start', recordId: 'r', roots: ['/x'], dryRun: true });
    expect(timer.active()).toBe(1);
    expect(out.text()).toContain('(dry run)');
    await reporter.close();
    expect(timer.active()).toBe(0);
  });
});
