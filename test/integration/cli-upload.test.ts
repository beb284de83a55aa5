/** The built CLI backs up a real tree to the emulator over HTTP, byte for byte. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type StoredFileView } from '../../src/emulator/index.js';
import { proofCodeOf } from '../../src/hash/proof-code.js';
import { patternBytes } from '../fixtures/pattern-bytes.js';
import { runCli as harnessRunCli, sha256OfFile } from './cli-harness.js';

const CLI = join(import.meta.dirname, '../../bin/koodrive-backup.js');
const RSS_PRELOAD = join(import.meta.dirname, '../fixtures/report-max-rss.mjs');
const USER = '1505084218764547200';
const TOKEN = 'cli-upload-token-9d2e7a';
const MiB = 1024 * 1024;

/** The CLI to the end, with exactly `env` (cli-harness.ts). */
const runCli = (args: string[], env: Record<string, string>, nodeArgs: string[] = []) =>
  harnessRunCli(args, { env, nodeArgs });
const bytes = patternBytes;

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);

describe('koodrive-backup upload against the emulator', () => {
  let dir: string;
  let tree: string;
  let emu: RunningEmulator;
  let env: Record<string, string>;
  const files: Record<string, Buffer> = {
    'empty.txt': Buffer.alloc(0),
    'small.txt': Buffer.from('hello KooDrive\n'),
    'big/twelve.bin': bytes(12 * MiB + 123, 7),
    'nested/deeper/still/note.md': bytes(4000, 3),
    'nested/with space ü 文件.txt': bytes(777, 5),
    'odd:name?.txt': bytes(100, 9),
  };

  const stored = async (): Promise<StoredFileView[]> =>
    (await (await fetch(`${emu.url}/_emulator/files`)).json()) as StoredFileView[];
  const stats = async (): Promise<{ putBytes: number; requests: Record<string, number> }> =>
    (await (await fetch(`${emu.url}/_emulator/stats`)).json()) as never;
  const totalRequests = async () => Object.values((await stats()).requests).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdb-cli-upload-'));
    tree = join(dir, 'tree');
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(join(tree, rel, '..'), { recursive: true });
      await writeFile(join(tree, rel), content);
    }
    // Names clash per folder across records here (nameScope 'folder'), so that a second run meets
    // the first run's names and --on-conflict has something to decide.
    emu = await startEmulator({ dataDir: join(dir, 'emu'), userId: USER, token: TOKEN, nameScope: 'folder' });
    env = {
      KOODRIVE_ENDPOINT: emu.url,
      KOODRIVE_TOKEN: TOKEN,
      KOODRIVE_USER_ID: USER,
      KOODRIVE_STATE_DIR: join(dir, 'state'),
      HOME: dir,
    };
  });
  afterAll(async () => {
    await emu?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--dry-run --json prints each exact request body and calls no server', async () => {
    const before = await totalRequests();
    const r = await runCli(['upload', tree, '--dry-run', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const planned = jsonLines(r.stdout).filter((e) => e.type === 'file:planned');
    expect(planned).toHaveLength(Object.keys(files).length);
    const big = planned.find((e) => e.path === 'big/twelve.bin')!;
    expect(big.request).toMatchObject({
      fileName: 'twelve.bin',
      length: 12 * MiB + 123,
      uploadMode: 'multipart',
      description: 'big/twelve.bin',
    });
    expect(big.request.sha256).toBe(createHash('sha256').update(files['big/twelve.bin']!).digest('hex'));
    expect(big.request.proofCode).toBe(proofCodeOf(USER, files['big/twelve.bin']!));
    expect(big.request.multiParts.map((p: { partSize: number }) => p.partSize)).toEqual([
      5 * MiB,
      5 * MiB,
      2 * MiB + 123,
    ]);
    expect(big.request.multiParts[0].hashCtx).toEqual([]);
    expect(big.request.multiParts[1].hashCtx).toHaveLength(8);
    // each request is printed once, under `request` (issue 12 item 5): not repeated at the top level
    expect(big.fileName).toBeUndefined();
    expect(big.multiParts).toBeUndefined();
    expect(r.stdout.split('\n').filter((l) => l.includes('"twelve.bin"'))).toHaveLength(1);
    expect(r.stdout.split('\n').filter((l) => l.includes('"file:done"'))).toHaveLength(0);
    const empty = planned.find((e) => e.path === 'empty.txt')!;
    expect(empty.request.proofCode).toBeUndefined();
    expect(planned.find((e) => e.path === 'odd:name?.txt')!.request.fileName).toBe('odd：name？.txt');
    expect(await totalRequests()).toBe(before);
  });

  it('--dry-run plans the proofCode the real run would send, whatever seeds it', async () => {
    const r = await runCli(
      ['upload', join(tree, 'small.txt'), '--dry-run', '--json', '--proof-seed', 'authorization'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const planned = jsonLines(r.stdout).find((e) => e.type === 'file:planned')!;
    expect(planned.request.proofCode).toBe(proofCodeOf(`Bearer ${TOKEN}`, files['small.txt']!));
  });

  it('backs up the tree byte for byte, then a second run sends nothing', async () => {
    const first = await runCli(['upload', tree, '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const done = jsonLines(first.stdout).filter((e) => e.type === 'file:done');
    expect(done.map((e) => e.file.outcome).sort()).toEqual(Array(Object.keys(files).length).fill('uploaded'));
    const summary = jsonLines(first.stdout).find((e) => e.type === 'summary')!;
    expect(summary.exitCode).toBe(0);

    const server = await stored();
    for (const [rel, content] of Object.entries(files)) {
      const onServer = server.find((f) => f.description === rel && f.status === 'complete');
      expect(onServer, rel).toBeDefined();
      expect(onServer!.size).toBe(content.length);
      expect(await sha256OfFile(onServer!.blobPath!)).toBe(createHash('sha256').update(content).digest('hex'));
    }
    expect(server.find((f) => f.description === 'big/twelve.bin')!.partsPlanned).toBe(3);
    const putAfterFirst = (await stats()).putBytes;

    const second = await runCli(['upload', tree, '--json'], env);
    expect(second.code, second.stderr).toBe(0);
    const outcomes = jsonLines(second.stdout)
      .filter((e) => e.type === 'file:done')
      .map((e) => e.file.outcome);
    expect(outcomes).toHaveLength(Object.keys(files).length);
    for (const o of outcomes) expect(['rapid', 'exist']).toContain(o);
    expect((await stats()).putBytes).toBe(putAfterFirst);
  });

  it('--on-conflict rename stores a renamed twin; fail reports a conflict with its exit code', async () => {
    const renamed = await runCli(['upload', join(tree, 'small.txt'), '--on-conflict', 'rename', '--json'], env);
    expect(renamed.code, renamed.stderr).toBe(0);
    const file = jsonLines(renamed.stdout).find((e) => e.type === 'file:done')!.file;
    // The suffix is the second of the create (UTC+8); a name taken in that second already gets _2.
    expect(file.serverName).toMatch(/^small_\d{8}_\d{6}(_\d+)?\.txt$/);

    const failed = await runCli(['upload', join(tree, 'small.txt'), '--on-conflict', 'fail'], env);
    expect(failed.code).toBe(5);
    expect(failed.stdout + failed.stderr).toMatch(/already exists/);

    // a completed record takes no more files: the conflict code and a one-line reason
    const recordId = jsonLines(renamed.stdout).find((e) => e.type === 'summary')!.recordId as string;
    const closed = await runCli(['upload', join(tree, 'small.txt'), '--record-id', recordId], env);
    expect(closed.code).toBe(5);
    expect(closed.stderr.trim().split('\n')).toHaveLength(1);
    expect(closed.stderr).toMatch(/already completed/);
  });

  it('keeps memory bounded: peak RSS does not grow with the file size (256 MiB vs 1 GiB)', async () => {
    // Two sizes, same part size: what the claim is about is growth with the size, and that
    // difference is free of the process's own start-up cost and of a loaded machine's noise.
    const rootOf = async (name: string, bytes: number): Promise<string> => {
      const root = join(dir, name);
      await mkdir(root, { recursive: true });
      const file = join(root, 'one.bin');
      await writeFile(file, '');
      await truncate(file, bytes); // sparse: reads as zeros, costs no disk
      return root;
    };
    const smallDir = await rootOf('quarter', 256 * MiB);
    const bigDir = await rootOf('huge', 1024 * MiB);
    const rss = async (root: string): Promise<number> => {
      const rssFile = join(dir, `rss-${Math.random()}`);
      const r = await runCli(['upload', root, '--quiet', '--part-size', '64MiB'], { ...env, KDB_RSS_FILE: rssFile }, [
        '--import',
        RSS_PRELOAD,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return Number(await readFile(rssFile, 'utf8')) / 1024; // MiB
    };
    const small = await rss(smallDir);
    const big = await rss(bigDir);
    // 768 MiB more bytes: holding the file, or even a quarter of it, would add ≥ 192 MiB; streaming
    // parts adds nothing but noise. Half a part's worth of slack keeps the bound far from both.
    expect(big - small, `peak RSS ${small.toFixed(1)} MiB at 256 MiB, ${big.toFixed(1)} MiB at 1 GiB`).toBeLessThan(96);
    const onServer = (await stored()).find(
      (f) => f.description === 'one.bin' && f.size === 1024 * MiB && f.status === 'complete',
    );
    expect(onServer?.size).toBe(1024 * MiB);
  }, 180_000);
});
