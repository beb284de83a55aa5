import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileOutcome } from '../../src/backup/events.js';
import { ReportFileError, writeReport, type BackupReport } from '../../src/report/report-file.js';
import { FAILED, RECORD_ID, SUMMARY, TOTALS, UPLOADED } from './report-fixtures.js';

describe('writeReport', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koodrive-report-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes recordId, totals and one entry per file, without absPath or bytesSent', async () => {
    const path = join(dir, 'report.json');
    await writeReport(path, SUMMARY);
    const report = JSON.parse(await readFile(path, 'utf8')) as BackupReport;
    expect(report.recordId).toBe(RECORD_ID);
    expect(report.exitCode).toBe(3);
    expect(report.totals).toEqual(TOTALS);
    expect(report.files).toHaveLength(4);
    expect(report.files[0]).toEqual({
      path: 'docs/a.bin',
      serverName: 'a.bin',
      fileId: 'F1',
      sha256: UPLOADED.sha256,
      size: UPLOADED.size,
      outcome: 'uploaded',
    });
    expect(report.files[2]).toEqual({ path: FAILED.path, size: 2000, outcome: 'failed', error: FAILED.error });
    expect(await readdir(dir)).toEqual(['report.json']); // no temp file left behind
  });

  it('replaces an existing report atomically and handles many files and none', async () => {
    const path = join(dir, 'report.json');
    await writeFile(path, 'old');
    const files: FileOutcome[] = Array.from({ length: 5000 }, (_, i) => ({ ...UPLOADED, path: `dir/file-${i}.bin` }));
    await writeReport(path, { ...SUMMARY, files, reason: 'interrupted' });
    const report = JSON.parse(await readFile(path, 'utf8')) as BackupReport;
    expect(report.files).toHaveLength(5000);
    expect(report.files[4999]?.path).toBe('dir/file-4999.bin');
    expect(report.reason).toBe('interrupted');
    await writeReport(path, { ...SUMMARY, files: [] });
    expect((JSON.parse(await readFile(path, 'utf8')) as BackupReport).files).toEqual([]);
    expect(await readdir(dir)).toEqual(['report.json']);
  });

  it('fails with a typed error naming the path when the folder is missing', async () => {
    const path = join(dir, 'missing', 'report.json');
    const error = await writeReport(path, SUMMARY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportFileError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('writable');
    expect(await readdir(dir)).toEqual([]);
  });
});
