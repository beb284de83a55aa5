/**
 * Issue 3, requirements 1, 2, 3 and 8: a multi-file, multi-part backup by the built CLI against a
 * separate emulator process whose fault schedule hits every kind of fault (503, 429 with
 * Retry-After, resets, stalls past the client timeout, expired URLs, scripted nth-request rules on
 * file.complete / uploadUrl / lock.renew / file.create / put) completes with exit 0 and every stored
 * byte equal to the original.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupAll,
  cliEnv,
  emulatorProcess,
  jsonEvents,
  makeTree,
  MiB,
  patternBytes,
  runCli,
  storedMismatches,
  tempDir,
  type CliResult,
  type EmulatorStatsView,
  type TestEmulator,
} from './cli-harness.js';

describe('upload under a fault schedule that hits every kind of fault', () => {
  let emu: TestEmulator;
  let result: CliResult;
  let stats: EmulatorStatsView;
  let elapsedMs: number;
  const tree: Record<string, Buffer> = {
    'big/a.bin': patternBytes(11 * MiB + 4097, 11),
    'big/b.bin': patternBytes(12 * MiB + 1, 12),
    'c.bin': patternBytes(13 * MiB - 333, 13),
    'small/one.txt': Buffer.from('one small file\n'),
    'small/two.txt': patternBytes(70_000, 2),
    'small/empty.txt': Buffer.alloc(0),
  };
  const bigBytes = 11 * MiB + 4097 + 12 * MiB + 1 + 13 * MiB - 333;

  beforeAll(async () => {
    const dir = await tempDir('kdb-faults-');
    await makeTree(join(dir, 'tree'), tree);
    const faultFile = join(dir, 'faults.json');
    await writeFile(
      faultFile,
      JSON.stringify({
        rules: [
          { kind: 'lock.create', nth: 1, status: 503 },
          { kind: 'record.create', nth: 1, reset: true },
          { kind: 'file.create', nth: 2, status: 503 },
          // Created, but the answer is lost: the retry creates the file again, and the first
          // upload, never finished, keeps the record from completing — the run moves the files
          // to a fresh record (no bytes sent again) and completes that.
          { kind: 'file.create', nth: 3, reset: true, afterHandling: true },
          { kind: 'file.create', nth: 4, status: 429 },
          { kind: 'put', nth: 2, reset: true },
          { kind: 'put', nth: 3, status: 503 },
          { kind: 'put', nth: 4, status: 429 },
          { kind: 'put', nth: 5, status: 500, afterHandling: true },
          // Held longer than the URL lives: the storage then refuses the URL as expired.
          { kind: 'put', nth: 9, stallMs: 3500 },
          { kind: 'uploadUrl', nth: 1, status: 503 },
          { kind: 'uploadUrl', nth: 2, reset: true },
          { kind: 'file.complete', nth: 1, status: 503 },
          { kind: 'file.complete', nth: 2, reset: true, afterHandling: true },
          // Longer than --timeout: the client gives up, the server completes the file anyway.
          { kind: 'file.complete', nth: 4, stallMs: 5500 },
          { kind: 'lock.renew', nth: 1, status: 503 },
          { kind: 'record.complete', nth: 1, reset: true },
        ],
      }),
    );
    // Flags on top of the file: random 503s and resets, a fixed seed, URLs that live 3 s.
    emu = await emulatorProcess([
      '--faults',
      faultFile,
      '--fail-rate',
      '0.03',
      '--reset-rate',
      '0.03',
      '--seed',
      '12',
      '--url-ttl',
      '3',
      '--lock-ttl',
      '600',
    ]);
    const state = join(dir, 'state');
    const started = Date.now();
    // ~36 MiB (and the bytes of failed PUTs) at 3 MiB/s keep the run (≥ 12 s) past one 10 s lock renewal.
    result = await runCli(
      [
        'upload',
        join(dir, 'tree'),
        '--part-size',
        '5MiB',
        '--bwlimit',
        '3MiB/s',
        '--timeout',
        '5s',
        '--retries',
        '12',
        '--lock-renew-interval',
        '10s',
        '--json',
      ],
      {
        env: cliEnv(emu, state),
      },
    );
    elapsedMs = Date.now() - started;
    await emu.setFaults({}); // the probes below must not meet faults
    stats = await emu.stats();
    if (process.env.KDB_DEBUG) await writeFile(process.env.KDB_DEBUG, result.stdout);
  }, 80_000);

  afterAll(cleanupAll);

  it('exits 0 and stores every file byte for byte', async () => {
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout.slice(-2000)).toBe(0);
    expect(await storedMismatches(emu, tree)).toEqual([]);
    const summary = jsonEvents(result.stdout).find((e) => e.type === 'summary')!;
    expect(summary.totals).toMatchObject({ files: 6, uploaded: 6, failed: 0 });
    expect(stats.recordsCompleted).toBe(1);
    expect(await emu.lockIsFree()).toBe(true);
    // The redone record is a full snapshot: every file of the run (and its manifest) is in it.
    const inRecord = (await emu.files())
      .filter((f) => f.recordId === summary.recordId && f.status === 'complete')
      .map((f) => f.description)
      .sort();
    expect(inRecord).toEqual([...Object.keys(tree), '.koodrive-backup/manifest.ndjson'].sort());
    console.log(
      `fault schedule run: ${elapsedMs} ms, putBytes ${stats.putBytes} for ${bigBytes} big-file bytes, faults ` +
        `${JSON.stringify(stats.faults)}, requests ${JSON.stringify(stats.requests)}`,
    );
  });

  it('met every kind of fault, and retried each', () => {
    // Random faults from --fail-rate/--reset-rate: seed 12 draws five among the first 45 requests.
    expect(stats.faults.status503 + stats.faults.resets).toBeGreaterThan(0);
    expect(stats.faults.rules).toBe(15); // the 17 rules less the two pure stalls
    expect(stats.faults.stalls).toBeGreaterThanOrEqual(2);
    // Every rule fired: the second uploadUrl and lock.renew calls exist only because of the first ones.
    expect(stats.requests['uploadUrl']).toBeGreaterThanOrEqual(3);
    expect(stats.requests['lock.renew']).toBeGreaterThanOrEqual(2);
    // Reset, refused (the lost create left an unfinished upload), then the fresh record; the random
    // faults of --fail-rate/--reset-rate may land on these calls too and add retries.
    expect(stats.requests['record.complete']).toBeGreaterThanOrEqual(3);
    expect(stats.requests['record.create']).toBeGreaterThanOrEqual(1 + 1 + 1);
    const warnings = jsonEvents(result.stdout)
      .filter((e) => e.type === 'warn')
      .map((e) => e.message as string);
    expect(warnings.join('\n')).toMatch(/adding the files to a new record instead/);
    const retries = jsonEvents(result.stdout).filter((e) => e.type === 'retry');
    const reasons = retries.map((e) => `${e.what}: ${e.reason}`).join('\n');
    expect(reasons).toMatch(/create backup lock: HTTP 503/);
    expect(reasons).toMatch(/renew backup lock: HTTP 503/);
    expect(reasons).toMatch(/get upload URLs: HTTP 503/);
    expect(reasons).toMatch(/complete file: HTTP 503/);
    expect(reasons).toMatch(/PUT part \d+ of .*: (ECONNRESET|socket hang up|EPIPE)/);
    expect(reasons).toMatch(/PUT part \d+ of .*: HTTP 500/);
    expect(reasons).toMatch(/PUT part \d+ of .*: HTTP 503/);
    expect(reasons).toMatch(/create backup file: HTTP 429/);
    expect(reasons).toMatch(/create backup record: ECONNRESET/);
    expect(reasons).toMatch(/complete backup record: ECONNRESET/);
    expect(reasons).toMatch(/: ETIMEDOUT/);
    expect(reasons).toMatch(/upload URL expired/);
    // A 429 from the storage carries Retry-After: 1, and the part waits at least that long.
    const throttled = retries.filter((e) => /^PUT part/.test(e.what) && e.reason === 'HTTP 429');
    expect(throttled.length).toBeGreaterThan(0);
    for (const e of throttled) expect(e.delayMs).toBeGreaterThanOrEqual(1000);
  });

  it('never sent a part again once its PUT had succeeded', () => {
    // 9 parts of the big files + one part for each small file (the empty one has one empty part).
    const parts = 9 + 3;
    const events = jsonEvents(result.stdout);
    const sent = events.filter((e) => e.type === 'part:sent').map((e) => `${e.path}#${e.partNumber}`);
    expect(sent).toHaveLength(parts);
    expect(new Set(sent).size).toBe(parts); // each part acknowledged once, and never PUT after that
    // The server may store a part twice only when its answer never reached the client: the 500
    // that replaced a success (afterHandling), or a PUT the client gave up on (timeout, reset).
    const unanswered = events.filter(
      (e) =>
        e.type === 'retry' &&
        /^PUT part/.test(e.what) &&
        /HTTP 500|ETIMEDOUT|ECONNRESET|socket hang up|EPIPE/.test(e.reason),
    ).length;
    // The manifest (one part, not shown as part:sent) is uploaded once, to the refused record; the
    // fresh record gets the same content as a rapid upload.
    const manifests = 1;
    expect(stats.putAccepted).toBeGreaterThanOrEqual(parts + manifests + 1);
    expect(stats.putAccepted).toBeLessThanOrEqual(parts + manifests + unanswered);
    // Bytes beyond the files' own come only from PUTs that failed (reset, refused, timed out) and the manifests.
    const failedPuts = stats.putCount - parts - manifests;
    expect(stats.putBytes).toBeLessThanOrEqual(bigBytes + 70_015 + manifests * 4096 + failedPuts * 5 * MiB);
  });
});
