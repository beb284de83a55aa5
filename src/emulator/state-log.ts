/**
 * The change log that follows state.json: state-<gen>.log, one line per write, each line a JSON
 * array of entries that give the new value (or null: gone) of one lock, record, file or
 * extension's state. A change costs its own size on disk, not the state's.
 */
import { open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmulatorState, FileState, LockState, RecordState } from './state.js';
import { textLines } from './text-lines.js';

/** A record in the log carries no file list: that is rebuilt from the files (each names its record). */
export type LoggedRecord = Omit<RecordState, 'fileIds'>;

export type LogEntry =
  | ['f', string, FileState | null]
  | ['r', string, LoggedRecord | null]
  | ['l', string, LockState | null]
  | ['x', string, unknown];

const LOG_NAME = /^state-(\d{1,15})\.log$/;

export function logPath(dataDir: string, gen: number): string {
  return join(dataDir, `state-${gen}.log`);
}

/** The generations of the logs in dataDir, oldest first. */
export async function logGens(dataDir: string): Promise<number[]> {
  const gens: number[] = [];
  for (const name of await readdir(dataDir)) {
    const m = LOG_NAME.exec(name);
    if (m) gens.push(Number(m[1]));
  }
  return gens.sort((a, b) => a - b);
}

export async function removeLogs(dataDir: string, below: number): Promise<void> {
  for (const gen of await logGens(dataDir)) if (gen < below) await rm(logPath(dataDir, gen), { force: true });
}

/**
 * Applies a log to the state. Only the last line may be cut short (a crash mid-write): it is
 * dropped, and so are the changes it carried, all of them (one line is one write). A damaged line
 * before the last one means the log cannot be trusted: that throws.
 */
export async function replayLog(path: string, state: EmulatorState): Promise<{ lines: number; tornTail: boolean }> {
  let pendingError: Error | undefined;
  let count = 0;
  for await (const line of textLines(path)) {
    if (pendingError) throw pendingError;
    count++;
    let entries: LogEntry[];
    try {
      entries = JSON.parse(line) as LogEntry[];
      if (!Array.isArray(entries)) throw new SyntaxError('not an array');
    } catch {
      pendingError = new Error(
        `line ${count} of ${path} is damaged; delete the emulator's data folder or restore state.json`,
      );
      continue;
    }
    for (const entry of entries) applyEntry(state, entry);
  }
  return { lines: count, tornTail: pendingError !== undefined };
}

function applyEntry(state: EmulatorState, [kind, id, value]: LogEntry): void {
  switch (kind) {
    case 'f':
      if (value) state.files[id] = value;
      else delete state.files[id];
      return;
    case 'r':
      if (value) state.records[id] = Object.assign(state.records[id] ?? { fileIds: [] }, value);
      else delete state.records[id];
      return;
    case 'l':
      if (value) state.locks[id] = value;
      else delete state.locks[id];
      return;
    case 'x':
      if (value !== null) (state.extensions ??= {})[id] = value;
      else if (state.extensions) delete state.extensions[id];
      return;
    default:
      throw new Error(`unknown entry kind ${JSON.stringify(kind)} in the emulator's state log`);
  }
}

/** Appends whole lines to one log (created 0600). */
export class LogWriter {
  bytes = 0;
  private handle: FileHandle | undefined;

  constructor(readonly path: string) {}

  /** Creates the file if needed (0600) and keeps it open for appending. */
  async open(): Promise<void> {
    this.handle ??= await open(this.path, 'a', 0o600);
  }

  /** Appends one line; returns its size in bytes. */
  async append(entries: readonly LogEntry[]): Promise<number> {
    await this.open();
    // One line per call (writeFile goes on until all of it is written; O_APPEND puts it at the
    // end): a crash cuts at most the line being written, which replay then drops.
    const line = `${JSON.stringify(entries)}\n`;
    await this.handle!.writeFile(line);
    const bytes = Buffer.byteLength(line);
    this.bytes += bytes;
    return bytes;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
