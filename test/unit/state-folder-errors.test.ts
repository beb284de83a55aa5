/**
 * Issue 10 item 10: a state folder that is full, read-only or not writable names the path and the
 * fix; a journal write (to a descriptor, which names no file) says which file.
 */
import { closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/backup/journal.js';
import { describeError, exitCodeOf, setStateFolder } from '../../src/cli/error-report.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { concatRegex } from '../support/concat-regex.js';

/** A Node.js system error as fs throws it. */
function fsError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, ${syscall}${path ? ` '${path}'` : ''}`), {
    code,
    syscall,
    ...(path ? { path } : {}),
  });
}

afterEach(() => setStateFolder(undefined));

describe('errors in the state folder', () => {
  it.each([
    [
      'ENOSPC',
      'write',
      '/srv/state/journals/0123456789abcdef01234567.ndjson',
      concatRegex(
        /^cannot write \/srv\/state\/journals\/0123456789abcdef01234567\.ndjson in the state folder /,
        /\/srv\/state \(journal, device id, lock notes\): the disk is full; free space there, or set /,
        /--state-dir \(KOODRIVE_STATE_DIR\) to a folder on a disk with room, then run the same command /,
        /again to resume \(ENOSPC\)$/,
      ),
    ],
    [
      'EROFS',
      'open',
      '/srv/state/device-id',
      concatRegex(
        /^cannot open \/srv\/state\/device-id in the state folder \/srv\/state .*: the filesystem is /,
        /read-only; set --state-dir \(KOODRIVE_STATE_DIR\) to a writable folder/,
      ),
    ],
    [
      'EACCES',
      'mkdir',
      '/srv/state/locks',
      concatRegex(
        /^cannot create folder \/srv\/state\/locks in the state folder .*: permission denied; make the /,
        /state folder writable by this user \(chown\/chmod\), or set --state-dir \(KOODRIVE_STATE_DIR\) /,
        /to a folder of your own \(EACCES\)$/,
      ),
    ],
    ['EACCES', 'open', '/srv/state', /in the state folder \/srv\/state .*permission denied/],
  ])('%s on %s %s names the path and the fix', (code, syscall, path, message) => {
    setStateFolder('/srv/state');
    const err = fsError(code, syscall, path);
    expect(describeError(err)).toMatch(message);
    expect(exitCodeOf(err)).toBe(EXIT.FAILURE);
  });

  it('outside the state folder the general advice stays', () => {
    setStateFolder('/srv/state');
    expect(describeError(fsError('EACCES', 'open', '/srv/state-other/x'))).toBe(
      'cannot open /srv/state-other/x: permission denied; check its permissions or choose another path (EACCES)',
    );
    expect(describeError(fsError('ENOSPC', 'write', '/data/report.json'))).toBe(
      'cannot write /data/report.json: the disk is full; free some space (ENOSPC)',
    );
  });

  it('a failed journal write names the journal file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdb-journal-err-'));
    try {
      setStateFolder(dir);
      const path = join(dir, 'journals', 'j.ndjson');
      const journal = Journal.open(path);
      journal.append({ t: 'record', recordId: 'R1', roots: ['/x'] });
      // Pull the descriptor from under it: the next write fails the way a full disk would, with no path.
      closeSync((journal as unknown as { fd: number }).fd);
      let thrown: unknown;
      try {
        journal.append({ t: 'record', recordId: 'R2', roots: ['/x'] });
      } catch (err) {
        thrown = err;
      }
      expect((thrown as NodeJS.ErrnoException).code).toBe('EBADF');
      expect((thrown as NodeJS.ErrnoException).path).toBe(path);
      expect(describeError(thrown)).toContain(path);
      (journal as unknown as { fd: number | undefined }).fd = undefined;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
