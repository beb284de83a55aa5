import { describe, expect, it } from 'vitest';
import { createJsonSink } from '../../src/report/json-sink.js';
import { Collector, MiB, RECORD_ID, T0, UPLOADED, manualClock, scriptedRun } from './report-fixtures.js';

function run(progressEveryMs?: number) {
  const out = new Collector();
  const clock = manualClock();
  const reporter = createJsonSink({
    out,
    now: clock.now,
    ...(progressEveryMs !== undefined ? { progressEveryMs } : {}),
  });
  for (const event of scriptedRun()) {
    reporter.sink(event);
    clock.advance(1000);
  }
  const lines = out.text().split('\n');
  expect(lines.pop()).toBe(''); // every line ends with a newline
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('json sink', () => {
  it('writes one parseable object per event, type and time first, summary last', () => {
    const objects = run();
    expect(objects.map((o) => o['type'])).toEqual([
      'run:start',
      'notice',
      'notice',
      'scan:done',
      'file:planned',
      'file:start',
      'progress',
      'part:sent',
      'retry',
      'progress',
      'part:sent',
      'progress',
      'part:sent',
      'file:done',
      'file:done',
      'file:start',
      'file:done',
      'file:done',
      'warn',
      'summary',
    ]);
    for (const o of objects) expect(Object.keys(o).slice(0, 2)).toEqual(['type', 'time']);
    expect(objects[0]).toEqual({
      type: 'run:start',
      time: '2026-11-25T10:00:00.000Z',
      recordId: RECORD_ID,
      roots: ['/data'],
      dryRun: false,
    });
    expect(objects[13]).toMatchObject({
      type: 'file:done',
      file: { path: 'docs/a.bin', outcome: 'uploaded', fileId: 'F1', bytesSent: 12 * MiB },
    });
    expect(objects[16]).toMatchObject({
      type: 'file:done',
      file: { outcome: 'failed', error: 'HTTP 500 from the upload URL after 5 tries' },
    });
    expect(objects.at(-1)).toMatchObject({
      type: 'summary',
      recordId: RECORD_ID,
      exitCode: 3,
      totals: { files: 4, failed: 1 },
    });
    expect(objects[16]?.['file']).toMatchObject({ path: 'bad/c\x1b[2J|x\n.txt' }); // JSON carries names exactly
  });

  it('progress lines carry the delta and the running total of the file', () => {
    const progress = run().filter((o) => o['type'] === 'progress');
    expect(progress.map((o) => [o['bytes'], o['bytesSent']])).toEqual([
      [5 * MiB, 5 * MiB],
      [5 * MiB, 10 * MiB],
      [2 * MiB, 12 * MiB],
    ]);
  });

  it('coalesces progress per file to one line per interval and can leave it out', () => {
    const out = new Collector();
    const clock = manualClock();
    const { sink } = createJsonSink({ out, now: clock.now, progressEveryMs: 1000 });
    sink({ type: 'file:start', path: UPLOADED.path, size: UPLOADED.size, parts: 3 });
    for (let i = 0; i < 100; i++) sink({ type: 'progress', path: UPLOADED.path, bytes: 1000 });
    clock.advance(999);
    sink({ type: 'progress', path: UPLOADED.path, bytes: 1000 });
    clock.advance(1);
    sink({ type: 'progress', path: UPLOADED.path, bytes: 1000 });
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['type'], l['bytes'], l['bytesSent']])).toEqual([
      ['file:start', undefined, undefined],
      ['progress', 1000, 1000],
      ['progress', 101_000, 102_000],
    ]);
    expect(lines[2]?.['time']).toBe(new Date(T0 + 1000).toISOString());

    const none = run(0);
    expect(none.some((o) => o['type'] === 'progress')).toBe(false);
    expect(none.at(-1)?.['type']).toBe('summary');
  });
});
