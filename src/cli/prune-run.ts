import type { KooDriveClient } from '../koodrive/client.js';
import { CODES } from '../koodrive/error-codes.js';
import { KooDriveError, numericCode } from '../koodrive/koodrive-error.js';
import type { BackupRecord } from '../koodrive/wire-types.js';
import {
  decidePrune,
  isEmptyPolicy,
  parseKeepWithin,
  type PruneCandidate,
  type PrunePolicy,
} from '../backup/prune-policy.js';
import { sanitizeText } from '../report/terminal-text.js';
import { openApiSession } from './api-session.js';
import { deviceIdIn } from './device-id.js';
import { describeError } from './error-report.js';
import { EXIT } from './exit-codes.js';
import { watchInterrupts } from './interrupts.js';
import type { CliIo } from './io.js';
import { lockIdOf } from './lock-run.js';
import { runReporting } from './report-failure.js';
import { UsageError } from './usage-error.js';

/**
 * Runs `body` under the backup lock (--lock-id / KOODRIVE_LOCK_ID, left held; else taken and
 * released after, also on failure), so that no backup runs while records are deleted.
 */
export async function underLock<T>(
  client: KooDriveClient,
  flags: Record<string, unknown>,
  io: CliIo,
  body: () => Promise<T>,
): Promise<T> {
  const given = lockIdOf(flags, io, false);
  if (given) client.setLock(given);
  else await client.createLock();
  try {
    return await body();
  } finally {
    if (!given)
      await client
        .releaseLock()
        .catch((err: unknown) =>
          io.stderr.write(
            `koodrive-backup: warning: ${describeError(err)} (the lock expires by itself within 10 minutes)\n`,
          ),
        );
  }
}

/** Deletes a record; "not found" after a retried call means the first try went through. */
async function deleteOnce(client: KooDriveClient, recordId: string): Promise<void> {
  try {
    await client.deleteRecord(recordId);
  } catch (err) {
    if (!(err instanceof KooDriveError && numericCode(err.code) === CODES.RECORD_NOT_FOUND)) throw err;
  }
}

/** `records delete <recordId>`: deletes a record and its files under the backup lock. */
export function runRecordsDelete(recordId: string, flags: Record<string, unknown>, io: CliIo): Promise<number> {
  const interrupts = watchInterrupts();
  return runReporting(io, flags, async () => {
    const session = await openApiSession(flags, io, interrupts.signal);
    try {
      const { client } = session;
      await client.getRecord(recordId); // an unknown id fails here, before the lock is taken
      await underLock(client, flags, io, () => deleteOnce(client, recordId));
      if (flags.json === true) io.stdout.write(`${JSON.stringify({ recordId, deleted: true })}\n`);
      else if (flags.quiet !== true) io.stdout.write(`deleted record ${recordId} and its files\n`);
      return EXIT.OK;
    } finally {
      await session.close();
    }
  }).finally(() => interrupts.dispose());
}

/** `prune --keep-last N --keep-within SPAN [--dry-run]`: deletes the records no rule keeps. */
export function runPrune(flags: Record<string, unknown>, io: CliIo): Promise<number> {
  const interrupts = watchInterrupts();
  return runReporting(io, flags, async () => {
    const policy = policyOf(flags);
    const session = await openApiSession(flags, io, interrupts.signal);
    try {
      const { client, config } = session;
      const deviceId =
        flags.allDevices === true
          ? undefined
          : typeof flags.deviceId === 'string'
            ? flags.deviceId
            : (config.deviceId ?? deviceIdIn(config.stateDir));
      const decide = async () => {
        const records: BackupRecord[] = [];
        for await (const r of client.listRecords(deviceId === undefined ? {} : { deviceId })) records.push(r);
        return { records, decisions: decidePrune(records.map(candidateOf), policy) };
      };
      // The decision is made under the lock, so no run can complete a record in between.
      const { records, decisions } =
        flags.dryRun === true
          ? await decide()
          : await underLock(client, flags, io, async () => {
              const decided = await decide();
              for (const d of decided.decisions) if (!d.keep) await deleteOnce(client, d.recordId);
              return decided;
            });
      print(io, flags, records, decisions);
      return EXIT.OK;
    } finally {
      await session.close();
    }
  }).finally(() => interrupts.dispose());
}

function policyOf(flags: Record<string, unknown>): PrunePolicy {
  const policy: PrunePolicy = {};
  if (flags.keepLast !== undefined) {
    const n = Number(flags.keepLast);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--keep-last must be a whole number of at least 1, got "${String(flags.keepLast)}"`);
    policy.keepLast = n;
  }
  if (flags.keepWithin !== undefined) {
    try {
      policy.keepWithin = parseKeepWithin(String(flags.keepWithin));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (isEmptyPolicy(policy))
    throw new UsageError(
      'prune needs a rule, or it would delete every record: pass --keep-last N and/or --keep-within SPAN (e.g. 30d)',
    );
  return policy;
}

/** A record as the policy sees it: its group is its device and its roots (from the properties upload wrote). */
function candidateOf(record: BackupRecord): PruneCandidate {
  let roots = '';
  try {
    const value = JSON.parse(record.properties ?? '') as { roots?: unknown };
    if (Array.isArray(value.roots)) roots = JSON.stringify(value.roots.map(String).sort());
  } catch {
    // no properties of ours: grouped with the others of its device
  }
  const created =
    record.createTime === undefined
      ? NaN
      : /^\d+$/.test(record.createTime)
        ? Number(record.createTime)
        : Date.parse(record.createTime);
  return {
    recordId: record.recordId,
    status: record.status,
    group: `${record.deviceInfo?.deviceId ?? ''}\u0000${roots}`,
    ...(Number.isFinite(created) ? { createdMs: created } : {}),
  };
}

function print(
  io: CliIo,
  flags: Record<string, unknown>,
  records: BackupRecord[],
  decisions: ReturnType<typeof decidePrune>,
): void {
  const dry = flags.dryRun === true;
  const removed = decisions.filter((d) => !d.keep).length;
  if (flags.json === true) {
    decisions.forEach((d, i) =>
      io.stdout.write(
        JSON.stringify({
          type: 'record',
          recordId: d.recordId,
          createTime: records[i]!.createTime,
          action: d.keep ? 'keep' : dry ? 'would-remove' : 'removed',
          reasons: d.reasons,
        }) + '\n',
      ),
    );
    io.stdout.write(
      JSON.stringify({
        type: 'summary',
        records: decisions.length,
        kept: decisions.length - removed,
        removed: dry ? 0 : removed,
        wouldRemove: dry ? removed : 0,
        dryRun: dry,
      }) + '\n',
    );
    return;
  }
  if (flags.quiet !== true) {
    decisions.forEach((d, i) => {
      const word = d.keep ? 'keep   ' : dry ? 'would remove' : 'removed';
      io.stdout.write(
        `${word}  ${d.recordId}  ` +
          `${sanitizeText(records[i]!.createTime ?? '-')}${d.keep ? `  (${d.reasons.join(', ')})` : ''}\n`,
      );
    });
  }
  io.stdout.write(
    `prune: ${decisions.length} ${decisions.length === 1 ? 'record' : 'records'}: ` +
      `${decisions.length - removed} kept, ${removed} ` +
      `${dry ? 'would be removed (dry run: nothing deleted)' : 'removed'}\n`,
  );
}
