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
import { cleanupAll, cliEnv, inProcessEmulator, makeTree, MiB, patternBytes, runCli, spawnCli, storedMismatches, tempDir, waitFor, type ChildRun, type TestEmulator } from './cli-harness.js';

describe('signals', () => {
  let emu: TestEmulator;
  let dir: string;
  // Fresh content for each test, so that none is a rapid upload of an earlier one.
  const treeOf = (salt: number): Record<string, Buffer> => ({
    'a.bin': patternBytes(11 * MiB + 5, salt),
    'b.bin': patternBytes(6 * MiB, salt + 1),
  });
  const fileBytes = 17 * MiB + 5;

  beforeAll(async () => {
    dir = await tempDir('kdb-signals-');
    emu = await inProcessEmulator();
  });
  afterAll(cleanupAll);

  /** A slow upload of a fresh copy of the tree, once at least one part is stored. */
  async function slowUpload(name: string, tree: Record<string, Buffer>): Promise<{ child: ChildRun; root: string; env: Record<string, string | undefined> }> {
    const root = join(dir, name);
    await makeTree(root, tree);
    const env = cliEnv(emu, join(dir, `state-${name}`));
    const stored = (await emu.stats()).putAccepted;
    const child = spawnCli(['upload', root, '--part-size', '5MiB', '--concurrency', '2', '--bwlimit', '6MiB/s'], { env });
    await waitFor('a stored part', async () => ((await emu.stats()).putAccepted > stored ? true : undefined), 30_000, () => !child.running);
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
    const { child, root, env } = await slowUpload('int', tree);
    const before = await emu.stats();
    const sentAt = Date.now();
    child.kill('SIGINT');
    const result = await child.done;
    const stopMs = Date.now() - sentAt;
    expect(result.code).toBe(130);
    expect(stopMs).toBeLessThan(5000);
    expect(result.stderr).toMatch(/SIGINT received: finishing in-flight parts/);
    expect(result.stdout + result.stderr).toMatch(/interrupted by SIGINT; run the same command again to resume/);
    expect(await emu.lockIsFree()).toBe(true); // released, not left to expire
    const { lines } = await journalLines(env.KOODRIVE_STATE_DIR!);
    const parts = lines.filter((l) => l.t === 'part').length;
    expect(parts).toBeGreaterThanOrEqual(1);

    const rerun = await runCli(['upload', root, '--part-size', '5MiB'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await storedMismatches(emu, tree)).toEqual([]);
    // The journalled parts were not sent again.
    const after = await emu.stats();
    expect(after.putBytes - before.putBytes).toBeLessThanOrEqual(fileBytes - parts * 5 * MiB + 2 * 5 * MiB);
    console.log(`SIGINT: stopped in ${stopMs} ms with ${parts} parts journalled`);
  }, 60_000);

  it('first SIGTERM: exit 143, lock released', async () => {
    const { child } = await slowUpload('term', treeOf(51));
    child.kill('SIGTERM');
    const result = await child.done;
    expect(result.code).toBe(143);
    expect(result.stdout + result.stderr).toMatch(/interrupted by SIGTERM; run the same command again to resume/);
    expect(await emu.lockIsFree()).toBe(true);
  }, 60_000);

  it('second signal: exits at once, journal consistent; the next run takes the lock over and resumes', async () => {
    // The lock release hangs (then the connection is cut), so the graceful stop cannot finish.
    await emu.setFaults({ rules: [{ kind: 'lock.release', nth: 1, stallMs: 8000, reset: true }] });
    const tree = treeOf(61);
    const { child, root, env } = await slowUpload('twice', tree);
    child.kill('SIGINT');
    await child.waitForOutput(/SIGINT received/);
    await new Promise((r) => setTimeout(r, 300)); // now it waits for the release
    expect(child.running).toBe(true);
    const sentAt = Date.now();
    child.kill('SIGINT');
    const result = await child.done;
    expect(Date.now() - sentAt).toBeLessThan(3000); // not the 8 s the release would have taken
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/second SIGINT: stopped at once; run the same command again to resume/);
    const { text, lines } = await journalLines(env.KOODRIVE_STATE_DIR!);
    expect(text.endsWith('\n')).toBe(true); // no torn line
    expect(lines.length).toBe(text.trim().split('\n').length); // every line parses
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
