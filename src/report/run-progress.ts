import type { FileOutcome, RunEvent } from '../backup/events.js';
import { RateMeter } from './rate-meter.js';

/** One file being transferred, as the live displays show it. */
export interface ActiveFile {
  path: string;
  size: number;
  parts: number;
  startedAt: number;
  /** Bytes sent so far: the larger of the progress deltas and the part:sent totals. */
  sent: number;
  meter: RateMeter;
}

interface Counters {
  progressBytes: number;
  partBytes: number;
}

/**
 * The live state of a run folded from its events: totals from scan:done, files done, bytes sent,
 * active files and rates. Shared by the plain and TTY sinks; time is passed in, never read.
 */
export class RunProgress {
  filesTotal: number | undefined;
  bytesTotal: number | undefined;
  filesDone = 0;
  filesFailed = 0;
  filesPlanned = 0;
  retries = 0;
  /** Sizes of finished files, whatever their outcome (rapid files count in full). */
  bytesDoneFiles = 0;
  /** Bytes PUT by finished files. */
  bytesSentDone = 0;
  startedAt: number | undefined;
  readonly active = new Map<string, ActiveFile>();
  private readonly counters = new Map<string, Counters>();
  private readonly meter = new RateMeter();

  /** Folds one event into the state. */
  apply(event: RunEvent, now: number): void {
    switch (event.type) {
      case 'run:start':
        this.startedAt = now;
        break;
      case 'scan:done':
        this.filesTotal = event.files;
        this.bytesTotal = event.bytes;
        break;
      case 'file:planned':
        this.filesPlanned++;
        break;
      case 'file:start':
        this.startedAt ??= now;
        this.active.set(event.path, {
          path: event.path,
          size: event.size,
          parts: event.parts,
          startedAt: now,
          sent: 0,
          meter: new RateMeter(5000),
        });
        this.counters.set(event.path, { progressBytes: 0, partBytes: 0 });
        break;
      case 'progress':
        this.addSent(event.path, now, (c) => (c.progressBytes += event.bytes));
        break;
      case 'part:sent':
        this.addSent(event.path, now, (c) => (c.partBytes += event.bytes));
        break;
      case 'file:done':
        this.finish(event.file, now);
        break;
      case 'retry':
        this.retries++;
        break;
      default:
        break;
    }
  }

  /** Bytes sent so far, finished and active files together. */
  get bytesSent(): number {
    let sent = this.bytesSentDone;
    for (const file of this.active.values()) sent += file.sent;
    return sent;
  }

  /** Bytes accounted for: finished files in full plus what active files have sent (capped at their size). */
  get bytesProcessed(): number {
    let done = this.bytesDoneFiles;
    for (const file of this.active.values()) done += Math.min(file.sent, file.size);
    return done;
  }

  /** Overall send rate in bytes per second. */
  rate(now: number): number {
    return this.meter.rate(now);
  }

  /** Bytes still to process, or undefined before scan:done gave the total. */
  bytesRemaining(): number | undefined {
    return this.bytesTotal === undefined ? undefined : Math.max(0, this.bytesTotal - this.bytesProcessed);
  }

  private addSent(path: string, now: number, count: (c: Counters) => void): void {
    const file = this.active.get(path);
    const counters = this.counters.get(path);
    if (!file || !counters) return; // bytes for a file we never saw start: nothing to attach them to
    count(counters);
    // The orchestrator may send fine-grained progress, only part:sent, or both; never count twice.
    const sent = Math.max(counters.progressBytes, counters.partBytes);
    const delta = sent - file.sent;
    if (delta > 0) {
      file.sent = sent;
      file.meter.add(now, delta);
      this.meter.add(now, delta);
    }
  }

  private finish(outcome: FileOutcome, now: number): void {
    const file = this.active.get(outcome.path);
    // file:done is authoritative: bytes it reports beyond what progress showed still count in the rate.
    const unseen = outcome.bytesSent - (file?.sent ?? 0);
    if (unseen > 0) this.meter.add(now, unseen);
    this.active.delete(outcome.path);
    this.counters.delete(outcome.path);
    this.filesDone++;
    if (outcome.outcome === 'failed') this.filesFailed++;
    this.bytesDoneFiles += outcome.size;
    this.bytesSentDone += outcome.bytesSent;
  }
}
