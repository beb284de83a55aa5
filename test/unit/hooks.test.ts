import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runHooks } from '../../src/cli/hooks.js';
import type { CliIo } from '../../src/cli/io.js';

function io(): CliIo & { err: () => string } {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (d: Buffer) => (text += d.toString()));
  return {
    stdout: new PassThrough() as never,
    stderr: stderr as never,
    env: { PATH: process.env.PATH, KOODRIVE_TOKEN: 'tok-secret-123' },
    cwd: process.cwd(),
    exitCode: 0,
    err: () => text,
  };
}

describe('runHooks', () => {
  it('a hook that hangs is killed after the timeout and only warns', async () => {
    const out = io();
    const started = Date.now();
    await runHooks({ onFailure: 'sleep 30' }, { exitCode: 4 }, out, 300);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(out.err()).toMatch(/--on-failure hook was killed by SIGKILL/);
  });

  it('hands the summary on stdin and keeps the token out of the hook', async () => {
    const out = io();
    await runHooks({ onSuccess: 'cat; echo "token=[$KOODRIVE_TOKEN]" >&2' }, { exitCode: 0, recordId: 'r1' }, out);
    expect(JSON.parse(out.err().split('\n')[0]!)).toMatchObject({ exitCode: 0, recordId: 'r1' });
    expect(out.err()).toContain('token=[]');
  });
});
