/**
 * The state folder's OS lock, in one process (two descriptors of one file conflict like two
 * processes): the refusal names the holder as docs/resume.md shows it, "another koodrive-backup
 * upload (process N, since …) is using the state folder …". The winner writes its note just after
 * taking the lock; a loser that looks in between finds the file empty and looks again a moment later.
 */
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { lockStateFolder, stateLockPath } from '../../src/backup/state-lock.js';
import { tempDirs } from '../fixtures/temp-dirs.js';

const tmp = tempDirs('kdb-state-lock-');

describe('lockStateFolder', () => {
  it('a second taker is refused with the holder named; after release the lock can be taken again', async () => {
    const dir = tmp();
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

  it('names the holder that took the lock but had not written its note yet when the refused run looked', async () => {
    const dir = tmp();
    const path = stateLockPath(dir);
    // A holder caught between flock and its note: the lock is held and the file is still empty.
    const fd = openSync(path, 'a+', 0o600);
    const locks = createRequire(import.meta.url)('fs-native-extensions') as { tryLock(fd: number): boolean };
    expect(locks.tryLock(fd)).toBe(true);
    const note = setTimeout(
      () => writeFileSync(path, `${JSON.stringify({ pid: 4242, since: '2026-12-07T08:00:00.000Z' })}\n`),
      20,
    );
    try {
      const refusal = await lockStateFolder(dir, { waitMs: 0 }).then(
        () => 'taken twice',
        (err: Error) => err.message,
      );
      expect(refusal).toContain('another koodrive-backup upload (process 4242, since 2026-12-07T08:00:00.000Z) is');
    } finally {
      clearTimeout(note);
      closeSync(fd);
    }
  });
});
