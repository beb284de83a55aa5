import { resolve } from 'node:path';
import { createRestoreSink } from '../report/restore-sink.js';
import { detectCi } from '../report/ci-sink.js';
import type { RestoreEvent } from '../restore/events.js';
import { runRestore } from '../restore/run-restore.js';
import { openApiSession } from './api-session.js';
import { downloadRetry } from './download-retry.js';
import { describeError, exitCodeOf } from './error-report.js';
import { EXIT } from './exit-codes.js';
import { InterruptedError, watchInterrupts } from './interrupts.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** `restore <recordId> <dest>`: 0 all in place, 4 some failed, 130/143 interrupted. */
export async function runRestoreCommand(
  recordId: string,
  dest: string,
  flags: Record<string, unknown>,
  io: CliIo,
): Promise<number> {
  const interrupts = watchInterrupts((sig) =>
    io.stderr.write(
      `koodrive-backup: ` +
        `${sig} received: stopping the downloads in flight; files already moved into place stay (run again ` +
        `to finish)\n`,
    ),
  );
  const live =
    io.stderr.isTTY === true &&
    flags.quiet !== true &&
    flags.json !== true &&
    !detectCi(io.env) &&
    io.env.CI === undefined;
  const { sink, close } = createRestoreSink({
    json: flags.json === true,
    quiet: flags.quiet === true,
    verbose: flags.verbose === true,
    stdout: io.stdout,
    stderr: io.stderr,
    live,
  });
  let session: Awaited<ReturnType<typeof openApiSession>> | undefined;
  try {
    if (!/^[\w.@:-]{1,256}$/.test(recordId))
      throw new UsageError(`"${recordId}" is not a record id; see koodrive-backup records list`);
    if (dest.trim() === '') throw new UsageError('the destination folder is empty; name the folder to restore into');
    const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64))
      throw new UsageError('--concurrency must be a whole number from 1 to 64');
    session = await openApiSession(flags, io, interrupts.signal);
    const { config, client } = session;
    const emit = (e: RestoreEvent) => sink(e);
    const containerId = typeof flags.containerId === 'string' ? flags.containerId : config.containerId;
    const result = await runRestore(
      {
        recordId,
        dest: resolve(io.cwd, dest),
        filter: { include: strings(flags.include), exclude: strings(flags.exclude) },
        overwrite: flags.overwrite === true,
        concurrency: concurrency ?? Math.min(config.concurrency, 16),
        ...(containerId ? { containerId } : {}),
        timeoutMs: config.timeout,
      },
      {
        api: client,
        emit,
        signal: interrupts.signal,
        ...downloadRetry(config, interrupts.signal, (info) => emit({ type: 'retry', ...info })),
        describeError,
      },
    );
    const signal = interrupts.received();
    const exitCode = signal
      ? signal === 'SIGTERM'
        ? EXIT.TERMINATED
        : EXIT.INTERRUPTED
      : result.totals.failed > 0
        ? EXIT.PARTIAL
        : EXIT.OK;
    const reason = result.stopped ? describeError(result.stopped) : undefined;
    emit({
      type: 'summary',
      recordId,
      dest: resolve(io.cwd, dest),
      totals: result.totals,
      exitCode,
      ...(reason ? { reason } : {}),
    });
    return exitCode;
  } catch (err) {
    const signal = interrupts.received();
    const exitCode = signal ? (signal === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED) : exitCodeOf(err);
    const why = signal ? new InterruptedError(signal).message : describeError(err);
    if (flags.json === true) sink({ type: 'summary', recordId, dest, totals: emptyTotals(), exitCode, reason: why });
    io.stderr.write(`koodrive-backup: ${why}\n`);
    if (flags.verbose === true && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return exitCode;
  } finally {
    await close();
    interrupts.dispose();
    await session?.close();
  }
}

function emptyTotals() {
  return {
    files: 0,
    restored: 0,
    unchanged: 0,
    failed: 0,
    refused: 0,
    folders: 0,
    links: 0,
    bytesTotal: 0,
    bytesDownloaded: 0,
    durationMs: 0,
  };
}
