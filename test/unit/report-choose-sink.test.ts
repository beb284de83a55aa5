import { describe, expect, it } from 'vitest';
import { createSink, resolveOutput, type CreateSinkOptions } from '../../src/report/choose-sink.js';
import { CONTROL, Collector, scriptedRun } from './report-fixtures.js';

const base = { mode: 'auto', isTTY: false, quiet: false, verbose: false, env: {} } as const;

describe('resolveOutput', () => {
  it.each<[Partial<CreateSinkOptions>, string]>([
    [{}, 'plain'],
    [{ isTTY: true }, 'tty'],
    [{ isTTY: true, quiet: true }, 'plain'],
    [{ isTTY: true, env: { TERM: 'dumb' } }, 'plain'],
    [{ env: { GITHUB_ACTIONS: 'true' } }, 'github'],
    [{ isTTY: true, env: { GITLAB_CI: 'true' } }, 'gitlab'],
    [{ mode: 'json', isTTY: true, env: { GITHUB_ACTIONS: 'true' } }, 'json'],
    [{ mode: 'plain', env: { GITLAB_CI: 'true' } }, 'plain'],
    [{ mode: 'tty' }, 'tty'],
    [{ mode: 'tty', quiet: true }, 'plain'],
  ])('%j → %s', (options, resolved) => expect(resolveOutput({ ...base, ...options })).toBe(resolved));
});

describe('createSink', () => {
  async function feed(options: Partial<CreateSinkOptions>) {
    const stdout = new Collector();
    const stderr = new Collector();
    const reporter = createSink({ ...base, stdout, stderr, progressEveryMs: 0, ...options });
    for (const event of scriptedRun()) reporter.sink(event);
    await reporter.close();
    return { stdout: stdout.text(), stderr: stderr.text() };
  }

  it('json mode writes NDJSON to stdout only', async () => {
    const { stdout, stderr } = await feed({ mode: 'json' });
    expect(stderr).toBe('');
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { type: string }).type)
        .at(-1),
    ).toBe('summary');
  });

  it('plain mode splits the story (stdout) from problems (stderr), free of escapes', async () => {
    const { stdout, stderr } = await feed({});
    expect(stdout).toContain('uploaded  docs/a.bin');
    expect(stderr).toContain('FAILED');
    expect(stdout + stderr).not.toMatch(CONTROL);
  });

  it('GitHub mode keeps the whole log on stdout with groups and annotations', async () => {
    const { stdout, stderr } = await feed({ env: { GITHUB_ACTIONS: 'true' } });
    expect(stderr).toBe('');
    expect(stdout).toContain('::group::Uploading 4 files');
    expect(stdout).toContain('FAILED    bad/c');
    expect(stdout).toContain('::error file=bad/c');
  });
});
