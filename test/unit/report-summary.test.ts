import { describe, expect, it } from 'vitest';
import type { FileOutcome } from '../../src/backup/events.js';
import { totalsOf } from '../../src/backup/run-backup.js';
import { markdownCell, renderFatalMarkdown, renderMarkdownSummary } from '../../src/report/markdown-summary.js';
import { outcomeCounts, rapidSavings, renderSummary, renderSummaryLine } from '../../src/report/summary.js';
import { CONTROL, FILES, MiB, RECORD_ID, TOTALS, UPLOADED } from './report-fixtures.js';

describe('renderSummary', () => {
  it('gives counts, bytes sent vs backed up, savings, time, throughput and failures', () => {
    const lines = renderSummary(TOTALS, FILES, { color: false });
    expect(lines[0]).toBe('Files:  4 total: 1 uploaded, 1 rapid, 1 unchanged, 1 failed');
    expect(lines[1]).toBe('Data:   12.0 MiB sent, 112.0 MiB of 112.0 MiB backed up, 100.0 MiB saved by rapid upload');
    expect(lines[2]).toBe('Time:   1m 02s, 198.2 KiB/s');
    expect(lines[3]).toBe('Not backed up:');
    expect(lines[4]).toBe('  bad/c\\x1b[2J|x\\n.txt: HTTP 500 from the upload URL after 5 tries');
    expect(lines.join('\n')).not.toMatch(CONTROL);
  });

  it('colours only when asked', () => {
    expect(renderSummary(TOTALS, FILES, { color: true }).join('\n')).toContain('\x1b[31m1 failed\x1b[39m');
    expect(outcomeCounts({ ...TOTALS, failed: 0 }, true)).toContain('\x1b[2m0 failed');
  });

  it('always shows failed, hides other zero counts, and caps the failure list', () => {
    const many: FileOutcome[] = Array.from({ length: 25 }, (_, i) => ({
      ...UPLOADED,
      path: `f${i}`,
      outcome: 'failed',
      error: 'boom',
    }));
    const lines = renderSummary({ ...TOTALS, failed: 25 }, many, { color: false, maxFailures: 3 });
    expect(lines.filter((l) => l.startsWith('  f'))).toHaveLength(3);
    expect(lines.at(-1)).toBe('  … and 22 more');
    const clean = renderSummary({ ...TOTALS, uploaded: 4, rapid: 0, unchanged: 0, failed: 0 }, [], { color: false });
    expect(clean[0]).toBe('Files:  4 total: 4 uploaded, 0 failed');
    expect(clean).toHaveLength(3);
  });

  it('counts dry-run plans from the files', () => {
    const planned: FileOutcome[] = [{ ...UPLOADED, outcome: 'planned', bytesSent: 0 }];
    expect(
      renderSummary({ ...TOTALS, uploaded: 0, rapid: 0, unchanged: 0, failed: 0, files: 1 }, planned, {
        color: false,
      })[0],
    ).toBe('Files:  1 total: 1 would send (dry run), 0 failed');
  });

  it('renderSummaryLine says done or errors, with the exit code and reason', () => {
    expect(renderSummaryLine(TOTALS, 3)).toBe(
      'finished with errors: 4 files (1 uploaded, 1 rapid, 1 unchanged, 1 failed); backed up 112.0 MiB of ' +
        '112.0 MiB, sent 12.0 MiB in 1m 02s (198.2 KiB/s), exit 3',
    );
    expect(renderSummaryLine({ ...TOTALS, failed: 0 }, 0)).toMatch(/^done: /);
    expect(renderSummaryLine(TOTALS, 130, 'interrupted\x1b')).toMatch(/ — interrupted\\x1b$/);
  });

  it('totals add up after a stop, failures, conflicts: bytesTotal is every file, backed up only what is stored', () => {
    const stopped: FileOutcome[] = [
      { ...UPLOADED, path: 'u', size: 4 * MiB, outcome: 'uploaded', bytesSent: 4 * MiB },
      { ...UPLOADED, path: 'f', size: 10 * MiB, outcome: 'failed', bytesSent: 6 * MiB, error: 'HTTP 500' },
      { ...UPLOADED, path: 'c', size: 1 * MiB, outcome: 'conflict', bytesSent: 0 },
      { ...UPLOADED, path: 's', size: 5 * MiB, outcome: 'skipped', bytesSent: 0 },
    ];
    const totals = totalsOf(stopped, 1000);
    expect(totals).toMatchObject({ files: 4, bytesTotal: 20 * MiB, bytesBackedUp: 4 * MiB, bytesSent: 10 * MiB });
    const line = renderSummaryLine(totals, 130, 'interrupted by SIGINT');
    expect(line).toContain('backed up 4.0 MiB of 20.0 MiB, sent 10.0 MiB in 1.0s');
    expect(line).not.toMatch(/of 0 B/);
    expect(renderSummary(totals, stopped, { color: false })[1]).toBe(
      'Data:   10.0 MiB sent, 4.0 MiB of 20.0 MiB backed up',
    );
    expect(renderMarkdownSummary(totals, stopped, { exitCode: 130 })).toContain(
      '| Bytes backed up (stored) | 4.0 MiB of 20.0 MiB |',
    );
  });

  it('rapidSavings counts rapid uploads only; files already on the server are counted apart (issue 12 item 6)', () => {
    expect(rapidSavings(FILES)).toBe(100 * MiB);
    expect(rapidSavings([{ ...UPLOADED, outcome: 'exist' }])).toBe(0);
    const mixed: FileOutcome[] = [
      { ...UPLOADED, outcome: 'rapid', bytesSent: 0 },
      { ...UPLOADED, path: 'e', size: 3 * MiB, outcome: 'exist', bytesSent: 0 },
    ];
    const data = renderSummary(
      {
        ...TOTALS,
        uploaded: 0,
        rapid: 1,
        exist: 1,
        unchanged: 0,
        failed: 0,
        files: 2,
        bytesSent: 0,
        bytesTotal: 15 * MiB,
        bytesBackedUp: 15 * MiB,
      },
      mixed,
      { color: false },
    )[1];
    expect(data).toBe(
      'Data:   0 B sent, 15.0 MiB of 15.0 MiB backed up, 12.0 MiB saved by rapid upload, 3.0 MiB already on the server',
    );
  });

  it(
    "names the record in the summary and the one-line summary, but not a dry run's placeholder (issue 12 " + 'item 2)',
    () => {
      expect(renderSummary(TOTALS, FILES, { color: false, recordId: RECORD_ID })[3]).toBe(`Record: ${RECORD_ID}`);
      expect(renderSummaryLine(TOTALS, 3, undefined, 0, RECORD_ID)).toContain(`; record ${RECORD_ID}; backed up`);
      expect(renderSummary(TOTALS, FILES, { color: false, recordId: '(dry-run)' }).join('\n')).not.toContain('Record');
      expect(renderSummaryLine(TOTALS, 0, undefined, 0, '(dry-run)')).not.toContain('record');
    },
  );
});

describe('renderMarkdownSummary', () => {
  const md = renderMarkdownSummary(TOTALS, FILES, { recordId: RECORD_ID, exitCode: 3 });

  it('has the outcome table with the right numbers', () => {
    expect(md).toContain('### KooDrive backup finished with errors: 4 files, 1 failed');
    expect(md).toContain(`Record \`${RECORD_ID}\``);
    expect(md).toContain('| Outcome | Files | Size |');
    expect(md).toContain('| Uploaded | 1 | 12.0 MiB |');
    expect(md).toContain('| Rapid upload (server had the content) | 1 | 100.0 MiB |');
    expect(md).toContain('| Already on the server | 0 | 0 B |');
    expect(md).toContain('| Skipped | 0 | 0 B |');
    expect(md).toContain('| Failed | 1 | 2.0 KiB |');
    expect(md).toContain('| **Total** | **4** | **112.0 MiB** |');
  });

  it('has bytes sent vs backed up, savings, duration, throughput and the failures', () => {
    expect(md).toContain('| Bytes sent | 12.0 MiB |');
    expect(md).toContain('| Bytes backed up (stored) | 112.0 MiB of 112.0 MiB |');
    expect(md).toContain('| Saved by rapid upload | 100.0 MiB |');
    expect(md).toContain('| Duration | 1m 02s |');
    expect(md).toContain('| Throughput | 198.2 KiB/s |');
    expect(md).toContain('| bad/c\\\\x1b\\[2J\\|x\\\\n.txt | failed | HTTP 500 from the upload URL after 5 tries |');
  });

  it('succeeds without a failure section when nothing failed', () => {
    const ok = renderMarkdownSummary(
      { ...TOTALS, failed: 0 },
      FILES.filter((f) => f.outcome !== 'failed'),
      { exitCode: 0 },
    );
    expect(ok).toMatch(/^### KooDrive backup succeeded/);
    expect(ok).not.toContain('Not backed up');
  });

  it('a fatal error is a failed step summary with its exit code and reason, never "succeeded"', () => {
    const md = renderFatalMarkdown(totalsOf([], 0), [], {
      exitCode: 2,
      reason: 'no KooDrive endpoint or credentials configured; set …',
    });
    expect(md).toMatch(
      /^### KooDrive backup failed: exit code 2\n\n> no KooDrive endpoint or credentials configured; set …\n/,
    );
    expect(md).not.toContain('succeeded');
    const after = renderFatalMarkdown(TOTALS, FILES, { exitCode: 3, reason: 'token refused' });
    expect(after).toContain('| Uploaded | 1 | 12.0 MiB |');
    expect(after).not.toContain('finished with errors');
  });

  it('markdownCell escapes pipes, markup and line breaks', () => {
    expect(markdownCell('a|b*c_<d>\n')).toBe('a\\|b\\*c\\_\\<d\\>\\\\n');
  });
});
