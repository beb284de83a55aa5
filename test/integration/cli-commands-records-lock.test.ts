/** `records` and `lock` through the built CLI against an in-process emulator. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PATHS } from '../../src/koodrive/wire-types.js';
import { bytesOf, Harness, MiB, planOf, TOKEN, USER } from './emulator-harness.js';
import { cleanEnv, killRunning, runCli, type CliResult } from './cli-commands-run.js';

let h: Harness;
let work: string;
let env: NodeJS.ProcessEnv;

function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return runCli([...args, '--endpoint', h.emu.url, '--user-id', USER], { cwd: work, env: { ...env, ...extraEnv } });
}

/** An unfinished record made straight on the emulator (upload completes its records itself). */
async function openRecord(withUnfinishedFile = false): Promise<string> {
  const lock = await h.lock();
  const recordId = await h.record(lock);
  if (withUnfinishedFile) {
    const created = await h.createFile(lock, recordId, 'half.bin', planOf(bytesOf(6 * MiB), 5 * MiB));
    expect(created.json.code).toBe(0);
  }
  await h.call('DELETE', PATHS.lock, { lock });
  return recordId;
}

beforeAll(async () => {
  h = await Harness.start({ now: () => new Date() }); // the real clock: the CLI stamps X-Date with it
  work = await mkdtemp(join(tmpdir(), 'kd-cli-records-'));
  env = cleanEnv(work, { KOODRIVE_STATE_DIR: join(work, 'state'), KOODRIVE_TOKEN: TOKEN });
});

beforeEach(() => {
  h.nowMs = Date.now(); // the harness's own calls stamp X-Date with this
});

afterAll(async () => {
  killRunning();
  await h?.dispose();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('records', () => {
  it('get prints a readable summary, and the record as JSON with --json', async () => {
    const recordId = await openRecord();
    const text = await cli(['records', 'get', recordId]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^record\\s+${recordId}$`, 'm'));
    expect(text.stdout).toMatch(/^status\s+not completed \(0\)$/m);
    expect(text.stdout).toMatch(/^device\s+dev-1$/m);
    const json = await cli(['records', 'get', recordId, '--json', '--files']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ recordId, status: 0, moduleCode: '100', files: [] });
  });

  it('complete takes the lock, completes the record, releases the lock; a second complete exits 5', async () => {
    const recordId = await openRecord();
    const done = await cli(['records', 'complete', recordId]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toBe(`record ${recordId} completed\n`);
    expect((await h.call('GET', PATHS.recordById(recordId))).json.data.status).toBe(1);
    // The lock was released: another can be taken at once.
    const lock = await h.lock();
    await h.call('DELETE', PATHS.lock, { lock });
    const again = await cli(['records', 'complete', recordId]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('already completed');
  });

  it('complete refuses a record with a file still uploading (exit 5) and still releases the lock', async () => {
    const recordId = await openRecord(true);
    const r = await cli(['records', 'complete', recordId]);
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const lock = await h.lock();
    await h.call('DELETE', PATHS.lock, { lock });
  });

  it('list prints one line per record (one JSON object each with --json)', async () => {
    const recordId = await openRecord();
    const text = await cli(['records', 'list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${recordId}\\s+not completed\\s+\\S+\\s+dev-1$`, 'm'));
    const json = await cli(['records', 'list', '--json', '--device-id', 'other-device']);
    expect(json.code).toBe(0);
    expect(json.stdout).toBe('');
  });

  it('get of an unknown record fails with one line (exit 1)', async () => {
    const r = await cli(['records', 'get', '1234567890123456789']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^koodrive-backup: get backup record failed/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('lock', () => {
  it('create prints only the id; a second create exits 6; renew, use by records complete, release', async () => {
    const created = await cli(['lock', 'create']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^\S+\n$/);
    const lockId = created.stdout.trim();
    try {
      const busy = await cli(['lock', 'create']);
      expect(busy.code).toBe(6);
      expect(busy.stdout).toBe('');

      const renewed = await cli(['lock', 'renew', '--lock-id', lockId]);
      expect(renewed.code, renewed.stderr).toBe(0);
      expect(renewed.stdout).toBe(`renewed lock ${lockId}\n`);

      // A script's lock, given by KOODRIVE_LOCK_ID, is used and left held.
      const recordId = await openRecordUnder(lockId);
      const completed = await cli(['records', 'complete', recordId], { KOODRIVE_LOCK_ID: lockId });
      expect(completed.code, completed.stderr).toBe(0);
      expect((await cli(['lock', 'create'])).code).toBe(6);
    } finally {
      const released = await cli(['lock', 'release'], { KOODRIVE_LOCK_ID: lockId });
      expect(released.code, released.stderr).toBe(0);
      expect(released.stdout).toBe(`released lock ${lockId}\n`);
    }
    const next = await cli(['lock', 'create', '--json']);
    expect(next.code).toBe(0);
    const { lockId: nextId } = JSON.parse(next.stdout) as { lockId: string };
    expect(nextId).not.toBe(lockId);
    expect((await cli(['lock', 'release', '--lock-id', nextId])).code).toBe(0);
  });

  it('renew of an unknown lock exits 7; renew without a lock id is a usage error (exit 2)', async () => {
    const unknown = await cli(['lock', 'renew', '--lock-id', '00000000-0000-0000-0000-000000000000@100']);
    expect(unknown.code).toBe(7);
    const missing = await cli(['lock', 'renew']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--lock-id');
  });
});

/** A record created with a lock the CLI took (lock create), as a script would. */
async function openRecordUnder(lockId: string): Promise<string> {
  h.nowMs = Date.now();
  return h.record(lockId);
}
