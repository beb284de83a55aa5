/**
 * Issue 3, requirement 7: graceful stop. The first SIGINT/SIGTERM stops new work, aborts the
 * in-flight parts, writes the journal, releases the lock and exits 130/143 with a note on how to
 * resume, within a few seconds. A second signal exits at once, the journal still consistent, and
 * the next run takes over the lock that was left behind and resumes.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJournal } from '../../src/backup/journal.js';
import type { FaultRule } from '../../src/emulator/index.js';
import type { JournalLine } from '../../src/backup/journal.js';
import {
  cleanupAll,
  cliEnv,
  inProcessEmulator,
  makeTree,
  MiB,
  patternBytes,
  runCli,
  spawnCli,
  storedMismatches,
  tempDir,
  waitFor,
  type ChildRun,
  type TestEmulator,
} from './cli-harness.js';
import { concatRegex } from '../support/concat-regex.js';

describe('signals', () => {
  let emu: TestEmulator;
  let dir: string;
  // Fresh content for each test, so that none is a rapid upload of an earlier one.
  const treeOf = (salt: number): Record<string, Buffer> => ({
    'a.bin': patternBytes(11 * MiB + 5, salt),
    'b.bin': patternBytes(6 * MiB, salt + 1),
  });
  const fileBytes = 17 * MiB + 5;

  /**
   * The bytes of the parts a journal marks as sent (sizes from its plans): its part lines, and every
   * part of a file it marks done (a journal compacted when the run ended keeps no part lines for
   * a finished file).
   */
  function journalledBytes(lines: JournalLine[]): number {
    const sizes = new Map<string, number[]>();
    for (const l of lines)
      if (l.t === 'plan')
        sizes.set(
          l.absPath,
          l.plan.parts.map((p) => p.partSize),
        );
    const done = new Set(lines.filter((l) => l.t === 'done').map((l) => (l as { absPath: string }).absPath));
    const parts = lines.reduce(
      (n, l) => (l.t === 'part' && !done.has(l.absPath) ? n + sizes.get(l.absPath)![l.partNumber - 1]! : n),
      0,
    );
    return parts + [...done].reduce((n, p) => n + (sizes.get(p) ?? []).reduce((a, b) => a + b, 0), 0);
  }

  beforeAll(async () => {
    dir = await tempDir('kdb-signals-');
    emu = await inProcessEmulator();
  });
  afterAll(cleanupAll);

  /**
   * An upload of a fresh copy of the tree, caught mid-way: two parts are stored, then PUTs 3 and 4
   * hang (so the run cannot end by itself), plus any `extraRules`.
   */
  async function stuckUpload(
    name: string,
    tree: Record<string, Buffer>,
    extraRules: FaultRule[] = [],
  ): Promise<{ child: ChildRun; root: string; env: Record<string, string | undefined> }> {
    const root = join(dir, name);
    await makeTree(root, tree);
    const env = cliEnv(emu, join(dir, `state-${name}`));
    const base = await emu.stats();
    await emu.setFaults({
      rules: [{ kind: 'put', nth: 3, stallMs: 30_000 }, { kind: 'put', nth: 4, stallMs: 30_000 }, ...extraRules],
    });
    const child = spawnCli(['upload', root, '--part-size', '5MiB', '--concurrency', '2'], { env });
    await waitFor(
      'two stored parts, two hanging',
      async () => {
        const s = await emu.stats();
        return s.putAccepted >= base.putAccepted + 2 && s.faults.stalls >= base.faults.stalls + 2 ? true : undefined;
      },
      30_000,
      () => !child.running,
    );
    return { child, root, env };
  }

  async function journalLines(state: string) {
    const folder = join(state, 'journals');
    const [name] = await readdir(folder);
    const text = await readFile(join(folder, name!), 'utf8');
    return { text, lines: parseJournal(text) };
  }

  it('first SIGINT: stops within seconds, exit 130, lock released, journal written; the rerun resumes', async () => {
    const tree = treeOf(41);
    const { child, root, env } = await stuckUpload('int', tree);
    const before = await emu.stats();
    const sentAt = Date.now();
    child.kill('SIGINT');
    const result = await child.done;
    const stopMs = Date.now() - sentAt;
    expect(result.code).toBe(130);
    // did not wait for the parts stalled 30 s (half of that is no race on a loaded machine)
    expect(stopMs).toBeLessThan(15_000);
    expect(result.stderr).toMatch(
      concatRegex(
        /SIGINT received: stopping; parts in flight are aborted \(parts already sent are kept\), the /,
        /journal is kept and the backup lock released; run the same command again to resume/,
      ),
    );
    expect(result.stdout + result.stderr).toMatch(/interrupted by SIGINT; run the same command again to resume/);
    expect(await emu.lockIsFree()).toBe(true); // released, not left to expire
    const { lines } = await journalLines(env.KOODRIVE_STATE_DIR!);
    const parts = lines.filter((l) => l.t === 'part').length;
    // Two parts stored: two part lines, or a whole small file done (then its part lines are
    // compacted away), unless the signal beat the second answer.
    expect(journalledBytes(lines)).toBeGreaterThanOrEqual(5 * MiB);
    await emu.setFaults({});

    const rerun = await runCli(['upload', root, '--part-size', '5MiB'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await storedMismatches(emu, tree)).toEqual([]);
    // The journalled parts were not sent again: the rerun sent exactly the rest, and the record's manifest.
    const after = await emu.stats();
    const manifestBytes = (await emu.files())
      .filter((f) => f.description === '.koodrive-backup/manifest.ndjson')
      .reduce((n, f) => n + f.size, 0);
    expect(manifestBytes).toBeGreaterThan(0);
    expect(after.putBytes - before.putBytes).toBe(fileBytes - journalledBytes(lines) + manifestBytes);
    console.log(`SIGINT: stopped in ${stopMs} ms with ${parts} parts journalled`);
  }, 60_000);

  it('first SIGTERM: exit 143, lock released', async () => {
    const { child } = await stuckUpload('term', treeOf(51));
    child.kill('SIGTERM');
    const result = await child.done;
    expect(result.code).toBe(143);
    expect(result.stdout + result.stderr).toMatch(/interrupted by SIGTERM; run the same command again to resume/);
    expect(await emu.lockIsFree()).toBe(true);
    await emu.setFaults({});
  }, 60_000);

  it('second signal: exits at once, journal consistent; the next run takes the lock over and resumes', async () => {
    // The lock release hangs (then the connection is cut), so the graceful stop cannot finish.
    const tree = treeOf(61);
    const { child, root, env } = await stuckUpload('twice', tree, [
      { kind: 'lock.release', nth: 1, stallMs: 20_000, reset: true },
    ]);
    child.kill('SIGINT');
    await child.waitForOutput(/SIGINT received/);
    await new Promise((r) => setTimeout(r, 300)); // now it waits for the release
    expect(child.running).toBe(true);
    const sentAt = Date.now();
    child.kill('SIGINT');
    const result = await child.done;
    expect(Date.now() - sentAt).toBeLessThan(10_000); // not the 20 s the release would have taken
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/second SIGINT: stopped at once; run the same command again to resume/);
    const { text, lines } = await journalLines(env.KOODRIVE_STATE_DIR!);
    expect(text.endsWith('\n')).toBe(true); // no torn line
    expect(lines.length).toBeGreaterThan(0);
    // every line whole (a compact journal's header line holds no fact)
    for (const raw of text.trim().split('\n')) expect(() => JSON.parse(raw)).not.toThrow();
    expect(await emu.lockIsFree()).toBe(false); // never released

    await emu.setFaults({});
    const rerun = await runCli(['upload', root, '--part-size', '5MiB'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/took over the backup lock left by an earlier run/);
    const recordIds = new Set(lines.filter((l) => l.t === 'record').map((l) => (l as { recordId: string }).recordId));
    expect(rerun.stdout).toContain(`start: record ${[...recordIds][0]}`);
    expect(await storedMismatches(emu, tree)).toEqual([]);
    expect(await emu.lockIsFree()).toBe(true);
  }, 60_000);
});
