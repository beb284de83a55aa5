import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCiSink, detectCi, githubData, githubProperty } from '../../src/report/ci-sink.js';
import { createPlainSink } from '../../src/report/plain-sink.js';
import { Collector, T0, manualClock, scriptedRun } from './report-fixtures.js';

function run(provider: 'github' | 'gitlab', env: Record<string, string>, quiet = false) {
  const out = new Collector();
  const clock = manualClock();
  const inner = createPlainSink({ out, err: out, now: clock.now, quiet, progressEveryMs: 0 });
  const reporter = createCiSink({ provider, inner, out, env, now: clock.now, quiet });
  for (const event of scriptedRun()) {
    reporter.sink(event);
    clock.advance(1000);
  }
  return { out, reporter };
}

describe('CI detection and escaping', () => {
  it.each([
    [{ GITHUB_ACTIONS: 'true' }, 'github'],
    [{ GITLAB_CI: 'true' }, 'gitlab'],
    [{ CI: 'true' }, undefined],
    [{}, undefined],
  ])('detectCi(%j) = %s', (env, provider) => expect(detectCi(env)).toBe(provider));

  it('escapes workflow command data and properties', () => {
    expect(githubData('50% done\r\nnext')).toBe('50%25 done\\r\\nnext');
    expect(githubProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
  });
});

describe('GitHub Actions sink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koodrive-ci-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('groups the file lines, annotates failures and appends the step summary', async () => {
    const summaryPath = join(dir, 'step-summary.md');
    await writeFile(summaryPath, '# earlier step\n');
    const { out, reporter } = run('github', { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryPath });
    await reporter.close();
    const text = out.text();
    const lines = text.split('\n');
    const group = lines.indexOf('::group::Uploading 4 files');
    const end = lines.indexOf('::endgroup::');
    expect(group).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(group);
    expect(lines.findIndex((l) => l.includes('uploaded  docs/a.bin'))).toBeGreaterThan(group);
    expect(lines.findIndex((l) => l.includes('uploaded  docs/a.bin'))).toBeLessThan(end);
    expect(lines.findIndex((l) => l.includes('Files:  4 total'))).toBeGreaterThan(end);
    expect(lines).toContain(
      '::error file=bad/c\\x1b[2J|x\\n.txt,title=Backup failed::HTTP 500 from the upload URL after 5 tries',
    );
    expect(lines).toContain('::warning::renewing the backup lock took 4.0s');
    expect(lines.filter((l) => l.startsWith('::group::'))).toHaveLength(1);

    const md = await readFile(summaryPath, 'utf8');
    expect(md.startsWith('# earlier step\n\n### KooDrive backup finished with errors')).toBe(true);
    expect(md).toContain('| Uploaded | 1 | 12.0 MiB |');
    expect(md).toContain('| Rapid upload (server had the content) | 1 | 100.0 MiB |');
    expect(md).toContain('| Failed | 1 | 2.0 KiB |');
    expect(md).toContain('| Bytes sent | 12.0 MiB |');
    expect(md).toContain('| Saved by rapid upload | 100.0 MiB |');
    expect(md).toContain('HTTP 500 from the upload URL after 5 tries');
  });

  it('in --quiet has no group but still annotates; a bad summary path becomes a warning', async () => {
    const { out, reporter } = run(
      'github',
      { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'no', 'such', 'file') },
      true,
    );
    await reporter.close();
    const text = out.text();
    expect(text).not.toContain('::group::');
    expect(text).toContain('::error file=');
    expect(text).toMatch(/::warning::could not write the step summary to .*no\/such\/file/);
  });
});

describe('GitLab CI sink', () => {
  it('wraps the file lines in a collapsed section with GitLab markers', async () => {
    const { out, reporter } = run('gitlab', { GITLAB_CI: 'true' });
    await reporter.close();
    const text = out.text();
    const start = /\x1b\[0Ksection_start:(\d+):koodrive_upload\[collapsed=true\]\r\x1b\[0KUploading 4 files\n/.exec(
      text,
    );
    const end = /\x1b\[0Ksection_end:(\d+):koodrive_upload\r\x1b\[0K\n/.exec(text);
    expect(start).not.toBeNull();
    expect(end).not.toBeNull();
    // The section opens at the first file (event 5 → +4 s) and ends at the summary (event 20 → +19 s).
    expect(Number(start![1])).toBe(Math.floor(T0 / 1000) + 4);
    expect(Number(end![1])).toBe(Math.floor(T0 / 1000) + 19);
    expect(text.indexOf('uploaded  docs/a.bin')).toBeGreaterThan(start!.index);
    expect(text.indexOf('uploaded  docs/a.bin')).toBeLessThan(end!.index);
    expect(text).not.toContain('::error');
  });
});
