/** `verify` through the built CLI against an in-process emulator, after a real `upload`. */
import { cp, mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, Harness, TOKEN, USER } from './emulator-harness.js';
import { cleanEnv, killRunning, runCli, type CliResult } from './cli-commands-run.js';

let h: Harness;
let work: string;
let recordId: string;
let env: NodeJS.ProcessEnv;
let copies = 0;

const connection = () => ['--endpoint', h.emu.url, '--user-id', USER];

function verify(tree: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['verify', tree, '--record-id', recordId, ...connection(), ...extra], { cwd: work, env });
}

/** A fresh copy of the uploaded tree that a test may change. */
async function copyOfTree(): Promise<string> {
  const dest = join(work, `copy-${++copies}`);
  await cp(join(work, 'tree'), dest, { recursive: true });
  return dest;
}

beforeAll(async () => {
  h = await Harness.start({ now: () => new Date() }); // the real clock: the CLI stamps X-Date with it
  work = await mkdtemp(join(tmpdir(), 'kd-cli-verify-'));
  env = cleanEnv(work, { KOODRIVE_STATE_DIR: join(work, 'state'), KOODRIVE_TOKEN: TOKEN });
  await mkdir(join(work, 'tree', 'sub', 'deeper'), { recursive: true });
  await writeFile(join(work, 'tree', 'a.txt'), 'hello\n');
  await writeFile(join(work, 'tree', 'sub', 'b.txt'), 'world\n');
  await writeFile(join(work, 'tree', 'sub', 'deeper', 'c.bin'), bytesOf(300_000, 3));
  const upload = await runCli(['upload', 'tree', ...connection(), '--json'], { cwd: work, env });
  expect(upload.code, upload.stderr).toBe(0);
  const summary = upload.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((e) => e.type === 'summary');
  recordId = String(summary?.recordId);
  expect(recordId).toMatch(/^\d+$/);
});

afterAll(async () => {
  killRunning();
  await h?.dispose();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('verify', () => {
  it('exits 0 and says identical when the tree matches the record (every path listed with --verbose)', async () => {
    const r = await verify('tree', '--verbose');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('3 paths: 3 ok; identical');
    expect(r.stdout).toMatch(/^ok\s+sub\/deeper\/c\.bin$/m);
    expect(r.stdout).not.toMatch(/differs|missing|extra/);
  });

  it('exits 8 with "content differs" when a file changed but kept its size', async () => {
    const tree = await copyOfTree();
    await writeFile(join(tree, 'a.txt'), 'HELLO\n');
    const r = await verify(tree);
    expect(r.code).toBe(8);
    expect(r.stdout).toMatch(/^content differs\s+a\.txt/m);
    expect(r.stdout).toContain('differences found');
  });

  it('reports a changed size, a file deleted locally (extra on server), a new local file (missing there)', async () => {
    const tree = await copyOfTree();
    await writeFile(join(tree, 'sub', 'b.txt'), 'world, longer\n');
    await unlink(join(tree, 'sub', 'deeper', 'c.bin'));
    await writeFile(join(tree, 'new.txt'), 'not backed up');
    const r = await verify(tree);
    expect(r.code).toBe(8);
    expect(r.stdout).toMatch(/^size differs\s+sub\/b\.txt\s+\(local 14 B, server 6 B\)/m);
    expect(r.stdout).toMatch(/^extra on server\s+sub\/deeper\/c\.bin$/m);
    expect(r.stdout).toMatch(/^missing on server\s+new\.txt$/m);
    expect(r.stdout).not.toMatch(/^ok/m);
    expect(r.stdout).toContain(
      '4 paths: 1 ok, 1 size differs, 1 missing on server, 1 extra on server; differences found',
    );
  });

  it('writes one JSON object per path and a summary with --json', async () => {
    const tree = await copyOfTree();
    await writeFile(join(tree, 'a.txt'), 'HELLO\n');
    const r = await verify(tree, '--json');
    expect(r.code).toBe(8);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.filter((l) => l.type === 'file').map((l) => [l.path, l.status])).toEqual([
      ['a.txt', 'content-differs'],
      ['sub/b.txt', 'ok'],
      ['sub/deeper/c.bin', 'ok'],
    ]);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({
      type: 'summary',
      recordId,
      identical: false,
      exitCode: 8,
      counts: { ok: 2, 'content-differs': 1 },
    });
    expect(lines[0]!.local.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(lines[0]!.local.sha256).not.toBe(lines[0]!.server.sha256);
  });

  it('applies the upload filters to the local tree', async () => {
    const tree = await copyOfTree();
    await writeFile(join(tree, 'scratch.tmp'), 'left out');
    const r = await verify(tree, '--exclude', '*.tmp');
    expect(r.code, r.stdout).toBe(0);
  });

  it('fails with one line and a non-zero code for an unknown record', async () => {
    const r = await runCli(['verify', 'tree', '--record-id', '1234567890123456789', ...connection()], {
      cwd: work,
      env,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('get backup record failed');
    expect(r.stderr).not.toContain(TOKEN);
  });

  it('refuses to run without an endpoint or --emulator (exit 2)', async () => {
    const r = await runCli(['verify', 'tree', '--record-id', recordId], {
      cwd: work,
      env: cleanEnv(work, { KOODRIVE_STATE_DIR: join(work, 'state') }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no KooDrive endpoint configured.*--emulator/);
  });
});
