/**
 * The state folder's OS lock, in one process (two descriptors of one file conflict like two
 * processes): the refusal names the holder as docs/resume.md shows it, "another koodrive-backup
 * upload (process N, since …) is using the state folder …". The end-to-end race of two reruns
 * (cli-faults-converge item 4) cannot promise the holder is named: the winner writes its pid just
 * after taking the lock, and a loser that looks in between sees none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockStateFolder } from '../../src/backup/state-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('lockStateFolder', () => {
  it('a second taker is refused with the holder named; after release the lock can be taken again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdb-state-lock-'));
    dirs.push(dir);
    const held = await lockStateFolder(dir, { waitMs: 0 });
    expect(held.exclusive).toBe(true);
    const refusal = await lockStateFolder(dir, { waitMs: 0 }).then(
      () => 'taken twice',
      (err: Error) => err.message,
    );
    expect(refusal).toMatch(
      new RegExp(
        `^another koodrive-backup upload \\(process ${process.pid}, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\) ` +
          `is using the state folder ${dir}; wait for it to end, or pass --wait-lock 10m to wait for it$`,
      ),
    );
    held.release();
    const again = await lockStateFolder(dir, { waitMs: 0 });
    expect(again.exclusive).toBe(true);
    again.release();
  });
});
