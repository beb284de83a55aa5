/**
 * Issue 10, items 1–5: stuck states. Each test makes the built CLI meet one fault that used to
 * leave a file failing (exit 4) on every rerun, or two runs working in one record, and checks
 * that the plain command (rerun at most twice) ends with exit 0, a complete record and every
 * byte stored as it is on disk.
 */
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJournal, type JournalLine } from '../../src/backup/journal.js';
import { startEmulator } from '../../src/emulator/index.js';
import {
  cleanupAll,
  cliEnv,
  EmulatorProbe,
  inProcessEmulator,
  TEST_USER,
  jsonEvents,
  makeTree,
  MiB,
  patternBytes,
  runCli,
  sha256Of,
  spawnCli,
  storedMismatches,
  tempDir,
  waitFor,
  type CliResult,
  type TestEmulator,
} from './cli-harness.js';

const FIXED_MTIME = 1_700_000_000;

interface Setup {
  emu: TestEmulator;
  dir: string;
  root: string;
  env: Record<string, string | undefined>;
  upload: (...extra: string[]) => string[];
}

async function setup(
  tree: Record<string, Buffer>,
  emuOpts: Parameters<typeof inProcessEmulator>[0] = {},
): Promise<Setup> {
  const dir = await tempDir('kdb-converge-');
  const root = join(dir, 'tree');
  await makeTree(root, tree);
  for (const rel of Object.keys(tree)) await utimes(join(root, rel), FIXED_MTIME, FIXED_MTIME);
  const emu = await inProcessEmulator(emuOpts);
  const env = cliEnv(emu, join(dir, 'state'));
  return { emu, dir, root, env, upload: (...extra) => ['upload', root, '--part-size', '5MiB', '--json', ...extra] };
}

async function journalOf(s: Setup): Promise<{ path: string; lines: JournalLine[] }> {
  const journals = join(s.dir, 'state', 'journals');
  const path = join(journals, (await readdir(journals)).find((n) => /^[0-9a-f]{24}\.ndjson$/.test(n))!);
  return { path, lines: parseJournal(await readFile(path, 'utf8')) };
}

/** Runs the plain command up to three times (the first run and two reruns); answers every result. */
async function converge(s: Setup, env = s.env): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await runCli(s.upload(), { env });
    results.push(r);
    if (r.code === 0) break;
  }
  return results;
}

function summaryOf(r: CliResult): Record<string, any> {
  return jsonEvents(r.stdout).find((e) => e.type === 'summary')!;
}

afterEach(cleanupAll);

describe('issue 10: every single fault converges', () => {
  it('item 1: a stale PUT the server processes late does not cost the part: the first run completes', async () => {
    const tree = { 'a.bin': patternBytes(25 * MiB, 11) };
    const s = await setup(tree);
    // PUT 1 (part 1) is held past --timeout: the client retries it and goes on; the stale PUT is
    // then processed with its connection gone. It used to withdraw the stored part, so complete
    // answered 13000402 on this run and on every rerun.
    await s.emu.setFaults({ rules: [{ kind: 'put', nth: 1, stallMs: 4000 }] });
    const run = await runCli(s.upload('--timeout', '1s', '--concurrency', '1', '--bwlimit', '5MiB/s'), { env: s.env });
    expect(run.code, run.stderr).toBe(0);
    expect((await s.emu.stats()).faults.stalls).toBe(1);
    expect(await storedMismatches(s.emu, tree)).toEqual([]);
    expect((await s.emu.stats()).recordsCompleted).toBe(1);
  }, 60_000);

  it('item 1: a journal says every part is sent while the server lacks some: the rerun sends them again', async () => {
    const tree = { 'a.bin': patternBytes(16 * MiB, 12), 'b.txt': Buffer.from('small\n') };
    const s = await setup(tree);
    await s.emu.setFaults({ rules: [{ kind: 'put', nth: 2, stallMs: 60_000 }] });
    const first = spawnCli(s.upload('--concurrency', '1', '--file-concurrency', '1'), { env: s.env });
    await waitFor(
      'part 1 stored, part 2 hanging',
      async () => {
        const st = await s.emu.stats();
        return st.putAccepted >= 1 && st.faults.stalls >= 1 ? true : undefined;
      },
      30_000,
      () => !first.running,
    );
    first.kill('SIGKILL');
    await first.done;
    await s.emu.setFaults({});
    // The journal runs ahead of the server: every part of a.bin claimed sent.
    const { path, lines } = await journalOf(s);
    const created = lines.find(
      (l): l is Extract<JournalLine, { t: 'created' }> => l.t === 'created' && l.absPath.endsWith('a.bin'),
    )!;
    const claimed = [1, 2, 3, 4].map((n) =>
      JSON.stringify({ t: 'part', absPath: created.absPath, fileId: created.fileId, partNumber: n }),
    );
    await writeFile(path, `${(await readFile(path, 'utf8')).trimEnd()}\n${claimed.join('\n')}\n`);

    const results = await converge(s);
    expect(
      results.map((r) => r.code),
      results.map((r) => r.stderr).join('\n'),
    ).toEqual([0]);
    expect(
      jsonEvents(results[0]!.stdout)
        .filter((e) => e.type === 'warn')
        .map((e) => e.message)
        .join('\n'),
    ).toMatch(/a\.bin: the server lacks part\(s\) 2, 3, 4 of its upload; sending them again/);
    expect(await storedMismatches(s.emu, tree)).toEqual([]);
    expect((await s.emu.stats()).recordsCompleted).toBe(1);
  }, 60_000);

  it('item 2: an upload the server finished while the journal did not hear of it is taken, not failed', async () => {
    const tree = { 'a.bin': patternBytes(11 * MiB, 21), 'b.txt': Buffer.from('small\n') };
    const s = await setup(tree);
    // The run hangs completing the record (every file stored), and is killed there.
    await s.emu.setFaults({ rules: [{ kind: 'record.complete', nth: 1, stallMs: 60_000 }] });
    const first = spawnCli(s.upload(), { env: s.env });
    await waitFor(
      'the record being completed',
      async () => ((await s.emu.stats()).faults.stalls >= 1 ? true : undefined),
      30_000,
      () => !first.running,
    );
    first.kill('SIGKILL');
    await first.done;
    await s.emu.setFaults({});
    // The journal lost the end of a.bin: its last part and its done line (a crash before they were written).
    const { path, lines } = await journalOf(s);
    const a = (l: JournalLine) => 'absPath' in l && l.absPath.endsWith('a.bin');
    const kept = lines.filter((l) => !(a(l) && (l.t === 'done' || (l.t === 'part' && l.partNumber === 3))));
    await writeFile(path, kept.map((l) => JSON.stringify(l)).join('\n') + '\n');
    expect((await s.emu.files()).find((f) => f.description === 'a.bin')!.status).toBe('complete');

    const results = await converge(s);
    // Today: uploadUrl answers 13000401 "already complete", wrapped, and a.bin fails on every rerun.
    expect(
      results.map((r) => r.code),
      results.map((r) => r.stderr).join('\n'),
    ).toEqual([0]);
    expect(summaryOf(results[0]!).totals.bytesSent).toBe(0);
    expect(await storedMismatches(s.emu, tree)).toEqual([]);
    expect((await s.emu.stats()).recordsCompleted).toBe(1);
  }, 60_000);

  it('item 2: an upload the server forgot (purged) is created again, not failed', async () => {
    const tree = { 'a.bin': patternBytes(11 * MiB, 22), 'b.txt': Buffer.from('small\n') };
    const dir = await tempDir('kdb-converge-');
    const root = join(dir, 'tree');
    await makeTree(root, tree);
    const dataDir = join(dir, 'emu');
    const token = 'test-token-purge';
    // The same port before and after the restart, so the journal (named after the endpoint) is found.
    let emu = await startEmulator({
      userId: TEST_USER,
      token,
      dataDir,
      port: 0,
      faults: { rules: [{ kind: 'put', nth: 2, stallMs: 60_000 }] },
    });
    const port = emu.port;
    try {
      const probe = new EmulatorProbe(emu.url, token);
      const env = cliEnv(probe, join(dir, 'state'));
      const upload = ['upload', root, '--part-size', '5MiB', '--json', '--concurrency', '1', '--file-concurrency', '1'];
      const first = spawnCli(upload, { env });
      await waitFor(
        'part 1 stored, part 2 hanging',
        async () => {
          const st = await probe.stats();
          return st.putAccepted >= 1 && st.faults.stalls >= 1 ? true : undefined;
        },
        30_000,
        () => !first.running,
      );
      first.kill('SIGKILL');
      await first.done;
      await emu.close();
      // The server forgets the half-sent upload (an expiry purge).
      const statePath = join(dataDir, 'state.json');
      const state = JSON.parse(await readFile(statePath, 'utf8'));
      const fileId = Object.keys(state.files).find((id) => state.files[id].description === 'a.bin')!;
      delete state.files[fileId];
      for (const r of Object.values(state.records) as Array<{ fileIds: string[] }>)
        r.fileIds = r.fileIds.filter((id) => id !== fileId);
      await writeFile(statePath, JSON.stringify(state));
      emu = await startEmulator({ userId: TEST_USER, token, dataDir, port });

      const results: CliResult[] = [];
      for (let i = 0; i < 3 && results.at(-1)?.code !== 0; i++) results.push(await runCli(upload, { env }));
      expect(
        results.map((r) => r.code),
        results.map((r) => r.stderr).join('\n'),
      ).toEqual([0]);
      expect(await storedMismatches(probe, tree)).toEqual([]);
    } finally {
      await emu.close();
    }
  }, 60_000);

  it('item 3: a damaged plan in the journal (a flipped digit) is made again from the bytes, not failed for ' +
    'ever', async () => {
    const tree = {
      'a.bin': patternBytes(11 * MiB, 31),
      'b.bin': patternBytes(7 * MiB, 32),
      'c.txt': Buffer.from('small\n'),
    };
    const s = await setup(tree);
    const first = await runCli(s.upload(), { env: s.env });
    expect(first.code, first.stderr).toBe(0);
    // Flip one digit: in a.bin's planned sha256, and in a hashCtx word of b.bin's part 2. Both
    // lines still parse and look right; only the bytes can tell.
    const { path, lines } = await journalOf(s);
    const flip = (hex: string) => hex.slice(0, 10) + (hex[10] === '0' ? '1' : '0') + hex.slice(11);
    const damaged = lines.map((l) => {
      if (l.t !== 'plan') return l;
      if (l.absPath.endsWith('a.bin')) return { ...l, plan: { ...l.plan, sha256: flip(l.plan.sha256) } };
      if (l.absPath.endsWith('b.bin')) {
        const parts = l.plan.parts.map((p) =>
          p.partNumber === 2 ? { ...p, hashCtx: p.hashCtx.map((w, i) => (i === 3 ? w ^ 1 : w)) } : p,
        );
        return { ...l, plan: { ...l.plan, parts } };
      }
      return l;
    });
    await writeFile(path, damaged.map((l) => JSON.stringify(l)).join('\n') + '\n');

    const results = await converge(s);
    // Today: "a.bin changed while it was being read" on every rerun (exit 4).
    expect(
      results.map((r) => r.code),
      results.map((r) => r.stderr).join('\n'),
    ).toEqual([0]);
    const warnings = jsonEvents(results[0]!.stdout)
      .filter((e) => e.type === 'warn')
      .map((e) => e.message)
      .join('\n');
    expect(warnings).toMatch(/a\.bin: the journal's plan does not match the file's bytes .*hashed it again/);
    // b.bin's damage is never met: the server has its bytes (a rapid upload), so no part is read.
    expect(warnings).not.toMatch(/--checksum/);
    const files = jsonEvents(results[0]!.stdout)
      .filter((e) => e.type === 'file:done')
      .map((e) => e.file) as Array<Record<string, any>>; // every file's outcome (the summary lists only failures)
    expect(files.find((f) => f.path === 'a.bin')!.sha256).toBe(sha256Of(tree['a.bin']!));
    expect(await storedMismatches(s.emu, tree)).toEqual([]);
    expect((await s.emu.stats()).recordsCompleted).toBe(2);
    // The journal holds the right plans again: the next run is quiet.
    const again = await runCli(s.upload(), { env: s.env });
    expect(again.code, again.stderr).toBe(0);
    expect(jsonEvents(again.stdout).filter((e) => e.type === 'warn')).toEqual([]);
  }, 60_000);

  it('item 3: a torn journal line (a write cut short by a full disk) costs at most a re-hash', async () => {
    const tree = { 'a.bin': patternBytes(6 * MiB, 33), 'c.txt': Buffer.from('small\n') };
    const s = await setup(tree);
    const first = await runCli(s.upload(), { env: s.env });
    expect(first.code, first.stderr).toBe(0);
    const { path } = await journalOf(s);
    const text = await readFile(path, 'utf8');
    // The plan line of a.bin cut off mid-way, the next fact written straight after it.
    const at = text.indexOf('"hashCtx":[', text.indexOf('a.bin')) + 30;
    const next = text.indexOf('\n', at);
    await writeFile(path, text.slice(0, at) + text.slice(next + 1));
    const results = await converge(s);
    expect(
      results.map((r) => r.code),
      results.map((r) => r.stderr).join('\n'),
    ).toEqual([0]);
    expect(await storedMismatches(s.emu, tree)).toEqual([]);
  }, 60_000);

  it('item 5: under --bwlimit 1MiB/s with 8 parts allowed, a run killed after 8 s has kept a part', async () => {
    const tree = { 'a.bin': patternBytes(15 * MiB, 51) };
    const s = await setup(tree);
    const started = Date.now();
    const first = spawnCli(s.upload('--bwlimit', '1MiB/s', '--concurrency', '8'), { env: s.env });
    await waitFor(
      'the first PUT',
      async () => ((await s.emu.stats()).requests.put ?? 0) >= 1 || undefined,
      15_000,
      () => !first.running,
    );
    const sending = Date.now();
    // Three parts sharing 1 MiB/s would each need 15 s; one at a time, the first is stored in ~5 s.
    const kept = await waitFor(
      'a stored part',
      async () => ((await s.emu.stats()).putAccepted >= 1 ? true : undefined),
      8_000,
      () => !first.running,
    ).catch(() => false);
    try {
      expect(kept, `no part stored within 8 s of the first PUT (${sending - started} ms to start)`).toBe(true);
      // The client writes the part down a moment after the emulator stored it: a kill in between
      // keeps nothing (seen under load), so the kill waits for the journal's line.
      await waitFor(
        "the part's journal line",
        async () => ((await journalOf(s)).lines.some((l) => l.t === 'part') ? true : undefined),
        15_000,
        () => !first.running,
      );
    } finally {
      first.kill('SIGKILL');
      await first.done;
    }
    const { lines } = await journalOf(s);
    expect(lines.filter((l) => l.t === 'part').length).toBeGreaterThanOrEqual(1);
    // The rerun sends only what the killed run had not stored.
    const rerun = await runCli(s.upload(), { env: s.env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(summaryOf(rerun).totals.bytesSent).toBeLessThanOrEqual(10 * MiB);
    expect(await storedMismatches(s.emu, tree)).toEqual([]);
  }, 60_000);

  it('item 4: two reruns after a crash: exactly one takes the left lock over, the other exits 6 at once', async () => {
    const tree = {
      'a.bin': patternBytes(11 * MiB, 41),
      'b.bin': patternBytes(7 * MiB, 42),
      'c.txt': Buffer.from('small\n'),
    };
    const s = await setup(tree);
    // PUT 2 hangs: the run is killed mid-way, holding the backup lock.
    await s.emu.setFaults({ rules: [{ kind: 'put', nth: 2, stallMs: 60_000 }] });
    const first = spawnCli(s.upload('--concurrency', '1', '--file-concurrency', '1'), { env: s.env });
    await waitFor(
      'a stored part and a hanging one',
      async () => {
        const st = await s.emu.stats();
        return st.putAccepted >= 1 && st.faults.stalls >= 1 ? true : undefined;
      },
      30_000,
      () => !first.running,
    );
    first.kill('SIGKILL');
    await first.done;
    // The two reruns must overlap: the one that takes over holds its first PUT for 8 s (then sends
    // it as usual), so the other cannot start after it ended. Without it a loaded machine could
    // start the second only once the first had finished, and both would rightly exit 0.
    await s.emu.setFaults({ rules: [{ kind: 'put', nth: 1, stallMs: 8_000 }] });

    const [r1, r2] = await Promise.all([runCli(s.upload(), { env: s.env }), runCli(s.upload(), { env: s.env })]);
    const codes = [r1.code, r2.code].sort();
    expect(codes, `${r1.stderr}\n${r2.stderr}`).toEqual([0, 6]);
    const loser = r1.code === 6 ? r1 : r2;
    // The holder writes its pid just after taking the lock; a loser that finds none looks again
    // 100 ms later, which a loaded machine can still outlast. The naming is pinned in
    // test/unit/state-lock.test.ts; the claim here is that exactly one run goes on.
    expect(loser.stderr).toMatch(/another koodrive-backup upload( \(process \d+.*\))? is using the state folder/);
    const winner = r1.code === 0 ? r1 : r2;
    const recordId = summaryOf(winner).recordId as string;
    const inRecord = (await s.emu.files()).filter((f) => f.recordId === recordId);
    // Each file once in the record: no second run added its own copy.
    for (const rel of Object.keys(tree))
      expect(
        inRecord.filter((f) => f.description === rel),
        rel,
      ).toHaveLength(1);
    expect(await storedMismatches(s.emu, tree)).toEqual([]);
    expect((await s.emu.stats()).recordsCompleted).toBe(1);
    expect(await s.emu.lockIsFree()).toBe(true);
  }, 90_000);

  it('item 4: with --wait-lock a second run waits for the first, then finds everything stored', async () => {
    const tree = { 'a.bin': patternBytes(6 * MiB, 43) };
    const s = await setup(tree);
    const first = spawnCli(s.upload('--bwlimit', '4MiB/s'), { env: s.env });
    await waitFor(
      'the first run sending',
      async () => ((await s.emu.stats()).requests.put ?? 0) >= 1 || undefined,
      30_000,
      () => !first.running,
    );
    const second = await runCli(s.upload('--wait-lock', '1m'), { env: s.env });
    expect((await first.done).code).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(await storedMismatches(s.emu, tree)).toEqual([]);
  }, 60_000);
});
