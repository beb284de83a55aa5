import { describe, expect, it } from 'vitest';
import { formatDuration, formatEta, formatRate, isoTime, percent, throughput } from '../../src/report/format.js';
import { RateMeter } from '../../src/report/rate-meter.js';
import { RunProgress } from '../../src/report/run-progress.js';
import {
  displayWidth,
  padToWidth,
  sanitizeText,
  truncateMiddle,
  truncateStyled,
} from '../../src/report/terminal-text.js';
import { MiB, T0, UPLOADED } from './report-fixtures.js';

describe('format', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [1000, '1.0s'],
    [12_345, '12.3s'],
    [59_999, '59.9s'],
    [60_000, '1m 00s'],
    [62_000, '1m 02s'],
    [3_599_000, '59m 59s'],
    [3_600_000, '1h 00m'],
    [3_720_000, '1h 02m'],
    [-1, '?'],
  ])('formatDuration(%d) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it.each([
    [0, '0 B/s'],
    [-5, '0 B/s'],
    [Number.NaN, '0 B/s'],
    [512, '512 B/s'],
    [20 * MiB, '20.0 MiB/s'],
    [1536, '1.5 KiB/s'],
  ])('formatRate(%d) = %s', (rate, text) => expect(formatRate(rate)).toBe(text));

  it.each([
    [0, 100, '0s'],
    [100, 0, '?'],
    [MiB, MiB, '1.0s'],
    [10, 1000, '<1s'],
    [60 * MiB, MiB, '1m 00s'],
    [1e15, 1, '>7d'],
  ])('formatEta(%d bytes at %d B/s) = %s', (bytes, rate, text) => expect(formatEta(bytes, rate)).toBe(text));

  it('percent clamps and treats an empty total as done', () => {
    expect([percent(0, 10), percent(5, 10), percent(10, 10), percent(11, 10), percent(0, 0)]).toEqual([
      0, 50, 100, 100, 100,
    ]);
  });

  it('throughput and isoTime', () => {
    expect(throughput(10 * MiB, 2000)).toBe(5 * MiB);
    expect(throughput(10, 0)).toBe(0);
    expect(isoTime(T0)).toBe('2026-11-25T10:00:00.000Z');
  });
});

describe('terminal text', () => {
  it.each([
    ['plain name.txt', 'plain name.txt'],
    ['clear\x1b[2J', 'clear\\x1b[2J'],
    ['a\nb\tc\rd', 'a\\nb\\tc\\rd'],
    ['bell\x07del\x7f', 'bell\\x07del\\x7f'],
    ['c1\x9bcsi', 'c1\\x9bcsi'],
    ['evil\u202Etxt.exe', 'evil\\u202etxt.exe'],
    ['备份＜1＞.txt', '备份＜1＞.txt'],
  ])('sanitizeText(%j) = %j', (input, output) => expect(sanitizeText(input)).toBe(output));

  it.each([
    ['abc', 3],
    ['备份', 4],
    ['＜x＞', 5],
    ['e\u0301', 1],
    ['', 0],
  ])('displayWidth(%j) = %d', (text, width) => expect(displayWidth(text)).toBe(width));

  it('truncateMiddle keeps the start and more of the end, within the width', () => {
    const long = 'photos/2026/holiday/very-long-file-name-of-a-picture.jpeg';
    for (const width of [1, 2, 5, 10, 20, 40]) {
      const cut = truncateMiddle(long, width);
      expect(displayWidth(cut)).toBeLessThanOrEqual(width);
      if (width > 1) expect(cut).toContain('…');
    }
    expect(truncateMiddle(long, 20).endsWith('.jpeg')).toBe(true);
    expect(truncateMiddle('short', 20)).toBe('short');
    expect(displayWidth(truncateMiddle('备份备份备份备份备份备份.txt', 9))).toBeLessThanOrEqual(9);
    expect(displayWidth(padToWidth('备份', 7))).toBe(7);
  });

  it('truncateStyled counts only visible columns and resets colour when it cuts', () => {
    const red = '\x1b[31mabcdefghij\x1b[39m';
    expect(truncateStyled(red, 20)).toBe(red);
    const cut = truncateStyled(red, 5);
    expect(cut).toBe('\x1b[31mabcd…\x1b[0m');
  });
});

describe('RateMeter', () => {
  it('reports 0 before any bytes and averages over at least one second', () => {
    const meter = new RateMeter(10_000);
    expect(meter.rate(T0)).toBe(0);
    meter.add(T0, MiB);
    expect(meter.rate(T0 + 100)).toBe(MiB); // a burst does not read as 10 MiB/s
    meter.add(T0 + 2000, MiB);
    expect(meter.rate(T0 + 2000)).toBe(MiB);
  });

  it('forgets bytes older than its window', () => {
    const meter = new RateMeter(5000, 250);
    meter.add(T0, 100 * MiB);
    meter.add(T0 + 20_000, MiB);
    expect(meter.rate(T0 + 20_000)).toBeCloseTo(MiB / 5, 0);
  });
});

describe('RunProgress', () => {
  const start = { type: 'file:start', path: UPLOADED.path, size: UPLOADED.size, parts: 3 } as const;

  it('counts progress deltas and part:sent totals once, whichever comes', () => {
    const both = new RunProgress();
    both.apply(start, T0);
    both.apply({ type: 'progress', path: UPLOADED.path, bytes: 5 * MiB }, T0);
    both.apply({ type: 'part:sent', path: UPLOADED.path, partNumber: 1, bytes: 5 * MiB }, T0);
    expect(both.bytesSent).toBe(5 * MiB);

    const partsOnly = new RunProgress();
    partsOnly.apply(start, T0);
    partsOnly.apply({ type: 'part:sent', path: UPLOADED.path, partNumber: 1, bytes: 5 * MiB }, T0);
    partsOnly.apply({ type: 'part:sent', path: UPLOADED.path, partNumber: 2, bytes: 5 * MiB }, T0);
    expect(partsOnly.bytesSent).toBe(10 * MiB);
    expect(partsOnly.active.get(UPLOADED.path)?.sent).toBe(10 * MiB);
  });

  it('takes totals from scan:done and finished files from file:done', () => {
    const progress = new RunProgress();
    expect(progress.bytesRemaining()).toBeUndefined();
    progress.apply({ type: 'scan:done', files: 2, bytes: 20 * MiB }, T0);
    progress.apply(start, T0);
    progress.apply({ type: 'progress', path: UPLOADED.path, bytes: 4 * MiB }, T0 + 1000);
    expect(progress.bytesProcessed).toBe(4 * MiB);
    expect(progress.bytesRemaining()).toBe(16 * MiB);
    progress.apply({ type: 'file:done', file: UPLOADED }, T0 + 2000);
    expect(progress.active.size).toBe(0);
    expect(progress.filesDone).toBe(1);
    expect(progress.bytesSent).toBe(12 * MiB);
    expect(progress.bytesRemaining()).toBe(8 * MiB);
    // The first byte came at +1s: 4 MiB from progress plus the 8 MiB only file:done reported, over 1s.
    expect(progress.rate(T0 + 2000)).toBeCloseTo(12 * MiB, 0);
  });

  it('ignores bytes for a file that never started', () => {
    const progress = new RunProgress();
    progress.apply({ type: 'progress', path: 'ghost', bytes: MiB }, T0);
    expect(progress.bytesSent).toBe(0);
  });
});
