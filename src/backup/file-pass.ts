import { isFatal } from '../koodrive/koodrive-error.js';
import { isAbortError } from '../retry/retry-policy.js';
import type { LocalFile } from '../scan/local-file.js';
import type { FileOutcome } from './events.js';
import { backupFile, type FileJobContext } from './file-job.js';
import { bytesSentBy, failureOf } from './file-job-error.js';
import { outcomeOf } from './file-outcome.js';
import { windowUnits, windowWeight } from './small-files.js';

export interface FilePassOptions {
  fileConcurrency: number;
  /** Words for a file's failure (FileOutcome.error). */
  describeError(err: unknown): string;
  /** Aborted by the pass on a fatal error (koodrive's isFatal; part of ctx.signal). */
  stop: AbortController;
}

/**
 * A bound on the weight of jobs in flight: `run` waits until the job's weight fits, then starts it
 * without waiting for it, so a producer (the scan) is paused while the window is full and memory
 * stays bounded. A job heavier than the window runs alone.
 */
export class JobWindow {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly idle: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Resolves once `job` has started (its weight fitted). */
  async run(job: () => Promise<void>, weight = 1): Promise<void> {
    const units = Math.min(Math.max(1, weight), this.size);
    while (this.active + units > this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += units;
    void job().finally(() => {
      this.active -= units;
      // One producer waits at a time (the scan), so waking every waiter costs nothing and lets it re-check.
      for (const wake of this.waiting.splice(0)) wake();
      if (this.active === 0) for (const done of this.idle.splice(0)) done();
    });
  }

  /** Resolves when no job is in flight. */
  async drain(): Promise<void> {
    if (this.active === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}

/** Backs up one file and reports its outcome; a file's failure never throws. */
export async function passOne(file: LocalFile, ctx: FileJobContext, opts: FilePassOptions): Promise<FileOutcome> {
  const runSignal = ctx.signal;
  let outcome: FileOutcome;
  if (runSignal.aborted) {
    outcome = outcomeOf(file, 'skipped', { error: 'not started: the run was stopped' });
  } else {
    try {
      outcome = await backupFile(file, ctx);
    } catch (err) {
      const cause = failureOf(err);
      if (isFatal(cause) && !opts.stop.signal.aborted) opts.stop.abort(cause);
      const stopped = runSignal.aborted && (cause === runSignal.reason || isAbortError(cause));
      const error = opts.describeError(stopped ? runSignal.reason : cause);
      outcome = outcomeOf(file, stopped ? 'skipped' : 'failed', { bytesSent: bytesSentBy(err), error });
    }
  }
  ctx.emit({ type: 'file:done', file: outcome });
  return outcome;
}

/**
 * Backs up every file of `files` (a list or a stream), `fileConcurrency` at a time, handing each
 * outcome to `onOutcome` as it ends; nothing is kept per file. A file's failure never throws.
 */
export async function streamFilePass(
  files: Iterable<LocalFile> | AsyncIterable<LocalFile>,
  ctx: FileJobContext,
  opts: FilePassOptions,
  onOutcome: (o: FileOutcome) => void,
): Promise<void> {
  const window = new JobWindow(windowUnits(opts.fileConcurrency));
  for await (const file of files)
    await window.run(async () => onOutcome(await passOne(file, ctx, opts)), windowWeight(file.size));
  await window.drain();
}

/** Backs up every file once, a bounded number at a time; outcomes in the order of `files`. */
export async function runFilePass(
  files: readonly LocalFile[],
  ctx: FileJobContext,
  opts: FilePassOptions,
): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = new Array<FileOutcome>(files.length);
  let i = 0;
  const indexed = files.map((file) => ({ file, index: i++ }));
  const window = new JobWindow(windowUnits(opts.fileConcurrency));
  for (const { file, index } of indexed)
    await window.run(async () => void (outcomes[index] = await passOne(file, ctx, opts)), windowWeight(file.size));
  await window.drain();
  return outcomes;
}
