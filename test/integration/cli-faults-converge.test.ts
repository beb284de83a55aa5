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
import { cleanupAll, cliEnv, inProcessEmulator, jsonEvents, makeTree, MiB, patternBytes, runCli, spawnCli, storedMismatches, tempDir, waitFor, type CliResult, type TestEmulator } from './cli-harness.js';

const FIXED_MTIME = 1_700_000_000;

interface Setup {
  emu: TestEmulator;
  dir: string;
  root: string;
  env: Record<string, string | undefined>;
  upload: (...extra: string[]) => string[];
}

async function setup(tree: Record<string, Buffer>, emuOpts: Parameters<typeof inProcessEmulator>[0] = {}): Promise<Setup> {
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
  const path = join(journals, (await readdir(journals)).find((n) => n.endsWith('.ndjson'))!);
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
  it('item 4: two reruns after a crash: exactly one takes the left lock over, the other exits 6 at once', async () => {
    const tree = { 'a.bin': patternBytes(11 * MiB, 41), 'b.bin': patternBytes(7 * MiB, 42), 'c.txt': Buffer.from('small\n') };
    const s = await setup(tree);
    // PUT 2 hangs: the run is killed mid-way, holding the backup lock.
    await s.emu.setFaults({ rules: [{ kind: 'put', nth: 2, stallMs: 60_000 }] });
    const first = spawnCli(s.upload('--concurrency', '1', '--file-concurrency', '1'), { env: s.env });
    await waitFor('a stored part and a hanging one', async () => {
      const st = await s.emu.stats();
      return st.putAccepted >= 1 && st.faults.stalls >= 1 ? true : undefined;
    }, 30_000, () => !first.running);
    first.kill('SIGKILL');
    await first.done;
    await s.emu.setFaults({});

    const [r1, r2] = await Promise.all([runCli(s.upload(), { env: s.env }), runCli(s.upload(), { env: s.env })]);
    const codes = [r1.code, r2.code].sort();
    expect(codes, `${r1.stderr}\n${r2.stderr}`).toEqual([0, 6]);
    const loser = r1.code === 6 ? r1 : r2;
    expect(loser.stderr).toMatch(/another koodrive-backup upload \(process \d+.*\) is using the state folder/);
    const winner = r1.code === 0 ? r1 : r2;
    const recordId = summaryOf(winner).recordId as string;
    const inRecord = (await s.emu.files()).filter((f) => f.recordId === recordId);
    // Each file once in the record: no second run added its own copy.
    expect(inRecord.map((f) => f.description).sort()).toEqual(Object.keys(tree).sort());
    expect(await storedMismatches(s.emu, tree)).toEqual([]);
    expect((await s.emu.stats()).recordsCompleted).toBe(1);
    expect(await s.emu.lockIsFree()).toBe(true);
  }, 60_000);

  it('item 4: with --wait-lock a second run waits for the first, then finds everything stored', async () => {
    const tree = { 'a.bin': patternBytes(6 * MiB, 43) };
    const s = await setup(tree);
    const first = spawnCli(s.upload('--bwlimit', '4MiB/s'), { env: s.env });
    await waitFor('the first run sending', async () => ((await s.emu.stats()).requests.put ?? 0) >= 1 || undefined, 30_000, () => !first.running);
    const second = await runCli(s.upload('--wait-lock', '1m'), { env: s.env });
    expect((await first.done).code).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(await storedMismatches(s.emu, tree)).toEqual([]);
  }, 60_000);
});
