import type { BackupFileEntry } from '../koodrive/wire-types.js';
import { sanitizeText } from '../report/terminal-text.js';
import { formatBytes } from '../util/size.js';
import { openApiSession, type ApiSession } from './api-session.js';
import { EXIT } from './exit-codes.js';
import { watchInterrupts } from './interrupts.js';
import type { CliIo } from './io.js';
import { underLock } from './prune-run.js';
import { recordLine, recordStatusText, renderRecord } from './record-text.js';
import { runReporting } from './report-failure.js';

async function withSession(
  flags: Record<string, unknown>,
  io: CliIo,
  body: (s: ApiSession) => Promise<number>,
  signal?: AbortSignal,
): Promise<number> {
  return runReporting(io, flags, async () => {
    const session = await openApiSession(flags, io, signal);
    try {
      return await body(session);
    } finally {
      await session.close();
    }
  });
}

/** `records get <recordId>`: the record as a summary (or one JSON line), with --files its files too. */
export function runRecordsGet(recordId: string, flags: Record<string, unknown>, io: CliIo): Promise<number> {
  return withSession(flags, io, async ({ client }) => {
    const record = await client.getRecord(recordId);
    const files: BackupFileEntry[] = [];
    if (flags.files === true) for await (const file of client.listBackupFiles(recordId)) files.push(file);
    if (flags.json === true) {
      io.stdout.write(`${JSON.stringify(flags.files === true ? { ...record, files } : record)}\n`);
      return EXIT.OK;
    }
    io.stdout.write(renderRecord(record));
    if (flags.files === true) {
      const total = files.reduce((sum, f) => sum + f.size, 0);
      io.stdout.write(`${'files'.padEnd(10)}  ${files.length} (${formatBytes(total)})\n`);
      for (const f of files)
        io.stdout.write(
          `  ${f.sha256}  ${formatBytes(f.size).padStart(10)}  ${sanitizeText(f.description ?? f.fileName)}\n`,
        );
    }
    return EXIT.OK;
  });
}

/**
 * `records complete <recordId>`: marks the record completed. Uses the lock named by --lock-id /
 * KOODRIVE_LOCK_ID (a script's own lock, left held); otherwise takes one and releases it after.
 */
export async function runRecordsComplete(recordId: string, flags: Record<string, unknown>, io: CliIo): Promise<number> {
  // Ctrl-C aborts the calls; the finally below still releases a lock we took (release ignores the signal).
  const interrupts = watchInterrupts();
  try {
    return await withSession(
      flags,
      io,
      async ({ client }) => {
        // A release that fails must not hide why completing failed; the lock expires on its own.
        await underLock(client, flags, io, () => client.completeRecord(recordId));
        const record = await client.getRecord(recordId).catch(() => undefined);
        if (flags.json === true) io.stdout.write(`${JSON.stringify(record ?? { recordId, status: 1 })}\n`);
        else if (flags.quiet !== true)
          io.stdout.write(`record ${recordId} ${record ? recordStatusText(record.status) : 'completed'}\n`);
        return EXIT.OK;
      },
      interrupts.signal,
    );
  } finally {
    interrupts.dispose();
  }
}

/** `records list`: the folder-backup records, oldest first (one JSON line each with --json). */
export function runRecordsList(flags: Record<string, unknown>, io: CliIo): Promise<number> {
  return withSession(flags, io, async ({ client }) => {
    const deviceId = typeof flags.deviceId === 'string' ? flags.deviceId : undefined;
    let count = 0;
    for await (const record of client.listRecords(deviceId === undefined ? {} : { deviceId })) {
      count += 1;
      io.stdout.write(flags.json === true ? `${JSON.stringify(record)}\n` : recordLine(record));
    }
    if (count === 0 && flags.json !== true && flags.quiet !== true)
      io.stderr.write('koodrive-backup: no backup records\n');
    return EXIT.OK;
  });
}
