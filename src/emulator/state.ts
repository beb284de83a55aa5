/** The emulator's persistent state: what it holds, and the store that keeps it on disk. */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LogWriter, logGens, logPath, removeLogs, replayLog, type LogEntry } from './state-log.js';
import { readSnapshot, writeSnapshot } from './state-snapshot.js';
import type { WirePart } from './wire.js';

export interface LockState {
  lockId: string;
  moduleCode: string;
  createdAt: number;
  expiresAt: number;
}

export interface RecordState {
  recordId: string;
  moduleCode: string;
  deviceId: string;
  properties?: string;
  status: 0 | 1 | 2;
  version: number;
  createTime: string;
  endTime?: string;
  fileIds: string[];
}

/** What a PUT left behind for one part once its bytes verified. */
export interface ReceivedPart {
  size: number;
  /** Midstate at the part's end (every part but the last). */
  endWords?: number[];
  /** Whole-file digest (the last part). */
  digest?: string;
  etag: string;
  receivedAt: string;
}

export type FileStatus = 'uploading' | 'completing' | 'complete';

export interface FileState {
  fileId: string;
  recordId: string;
  containerId: string;
  parentFolder: string;
  fileName: string;
  description?: string;
  mimeType?: string;
  fileType?: string | number;
  sha256: string;
  length: number;
  status: FileStatus;
  rapid: boolean;
  uploadId: string;
  /** The plan given at create; emptied once complete (partCount keeps its length). */
  parts: WirePart[];
  partCount?: number;
  received: Record<string, ReceivedPart>;
  proofSlice?: { start: number; end: number };
  proofCode?: string;
  createTime: string;
  completeTime?: string;
}

export interface EmulatorState {
  version: 1;
  /** Signs presigned URLs; kept so that URLs stay valid across a restart. */
  urlSecret: string;
  locks: Record<string, LockState>;
  records: Record<string, RecordState>;
  files: Record<string, FileState>;
  /** Each extension's own state by its name (extension.ts), as it last saved it. */
  extensions?: Record<string, unknown>;
}

function freshState(): EmulatorState {
  return { version: 1, urlSecret: randomBytes(32).toString('hex'), locks: {}, records: {}, files: {} };
}

/** A log write is due this long after the first change it carries: bursts share one line. */
const LOG_PAUSE_MS = 50;
/** state.json is rewritten once the log outgrows it (and this floor): replay stays shorter than a load. */
const MIN_COMPACT_BYTES = 16 * 1024 * 1024;

/**
 * Holds the state in memory and keeps it on disk as state.json (a snapshot) plus a change log
 * (state-<gen>.log, state-log.ts). Handlers change the state in place and say what they changed
 * (fileChanged, recordChanged, lockChanged, extensionChanged); shortly after, those values are appended
 * to the log, a line per write, so a change costs its own size. When the log outgrows the
 * snapshot, and at close, the snapshot is rewritten and the log starts afresh: that rewrite is
 * O(state) but happens after O(state) bytes of changes, so the total stays linear.
 */
export class StateStore {
  private readonly dirty = new Map<string, DirtyKey>();
  private snapshotWanted = false;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSnapshotMs = 0;
  private snapshotBytes = 0;
  private failure: Error | undefined;
  private log: LogWriter;
  /** Bytes written so far (log lines and snapshots): what a change costs on disk. */
  readonly written = { log: 0, snapshot: 0 };

  private constructor(
    readonly state: EmulatorState,
    private readonly dataDir: string,
    private gen: number,
  ) {
    this.log = new LogWriter(logPath(dataDir, gen));
  }

  private get path(): string {
    return join(this.dataDir, 'state.json');
  }

  /** Loads dataDir/state.json and the logs after it, or starts empty when there is none. */
  static async open(dataDir: string): Promise<StateStore> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, 'state.json');
    for (const name of await readdir(dataDir))
      if (name.startsWith('state.json.tmp-')) await rm(join(dataDir, name), { force: true });
    let snapshot;
    try {
      snapshot = await readSnapshot(path);
    } catch (err) {
      throw new Error(`cannot read emulator state ${path}: ${(err as Error).message}; fix or delete the file`);
    }
    const state = snapshot?.state ?? freshState();
    if (state.version !== 1)
      throw new Error(`emulator state ${path} has version ${String(state.version)}; this emulator reads version 1`);
    // Logs older than the snapshot: a crash came before their removal. Logs without any
    // state.json: it was deleted to start afresh (a state.json is written before any log).
    const from = snapshot ? snapshot.logGen : Infinity;
    await removeLogs(dataDir, from);
    const gens = (await logGens(dataDir)).filter((gen) => gen >= from);
    for (const gen of gens) await replayLog(logPath(dataDir, gen), state);
    settleLoaded(state);
    const store = new StateStore(state, dataDir, Math.max(snapshot?.logGen ?? 0, ...gens));
    // Start from one clean snapshot (a new one, or after replaying a log: a cut last line must
    // not stay in the middle of the log we append to).
    if (!snapshot || gens.length > 0) store.snapshotWanted = true;
    await store.flush();
    store.snapshotBytes = (await stat(path)).size;
    await store.log.open(); // a folder we cannot write to fails now, not at the first change
    return store;
  }

  /** A file was added, changed or removed (state.files decides which). */
  fileChanged(file: FileState): void {
    this.mark(`f${file.fileId}`, ['f', file.fileId]);
  }

  /** A record was added, changed (not its files: fileChanged) or removed; removing it removes its files. */
  recordChanged(record: RecordState): void {
    this.mark(`r${record.recordId}`, ['r', record.recordId]);
  }

  /** The lock of a module was taken, renewed or released. */
  lockChanged(moduleCode: string): void {
    this.mark(`l${moduleCode}`, ['l', moduleCode]);
  }

  /** An extension's state changed (logged whole: extensions are test equipment of modest size). */
  extensionChanged(name: string): void {
    this.mark(`x${name}`, ['x', name]);
  }

  /** Something changed that the calls above do not name: the whole state is written again. */
  changed(): void {
    this.snapshotWanted = true;
    this.schedule(Math.min(2000, Math.max(LOG_PAUSE_MS, this.lastSnapshotMs * 10)));
  }

  /** Writes everything changed so far and resolves when it is on disk; throws a write failure. */
  async flush(): Promise<void> {
    while (this.dirty.size > 0 || this.snapshotWanted || this.writing) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await this.writeOnce();
      if (this.failure) break;
    }
    if (this.failure) throw this.failure;
  }

  /** Flushes, and leaves one snapshot and no log behind (what a clean stop leaves). */
  async close(): Promise<void> {
    await this.flush();
    if (this.log.bytes > 0) {
      this.snapshotWanted = true;
      await this.flush();
    }
    await this.log.close();
    if (this.log.bytes === 0) await rm(this.log.path, { force: true }); // opened at start, never used
  }

  private mark(key: string, what: DirtyKey): void {
    this.dirty.set(key, what);
    this.schedule(LOG_PAUSE_MS);
  }

  private schedule(pause: number): void {
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.writing) void this.writeOnce();
    }, pause);
    this.timer.unref();
  }

  private writeOnce(): Promise<void> {
    const compact = this.snapshotWanted || this.log.bytes > Math.max(MIN_COMPACT_BYTES, this.snapshotBytes);
    this.writing = (compact ? this.writeSnapshot() : this.appendDirty())
      .then(
        () => {
          this.failure = undefined;
        },
        (err: Error) => {
          // What was lost in a failed write is written whole next time, into a fresh log.
          this.snapshotWanted = true;
          this.failure = new Error(`cannot write emulator state ${this.path}: ${err.message}`);
        },
      )
      .finally(() => {
        this.writing = undefined;
        if ((this.dirty.size > 0 || this.snapshotWanted) && !this.failure) this.schedule(LOG_PAUSE_MS);
      });
    return this.writing;
  }

  /** Appends the current value of everything marked since the last write, as one log line. */
  private async appendDirty(): Promise<void> {
    if (this.dirty.size === 0) return;
    const entries = [...this.dirty.values()].map((key) => entryOf(this.state, key));
    this.dirty.clear();
    this.written.log += await this.log.append(entries);
  }

  /**
   * A new log generation starts first; the snapshot names it. What changes while the snapshot is
   * written goes to the new log, and is flushed before the rename, so snapshot + log hold every
   * change whichever of the two files a crash finds.
   */
  private async writeSnapshot(): Promise<void> {
    this.snapshotWanted = false;
    const started = Date.now();
    const old = this.log;
    await old.close();
    this.gen++;
    this.log = new LogWriter(logPath(this.dataDir, this.gen));
    this.snapshotBytes = await writeSnapshot(this.path, this.state, this.gen, () => this.appendDirty());
    this.written.snapshot += this.snapshotBytes;
    await removeLogs(this.dataDir, this.gen);
    this.lastSnapshotMs = Date.now() - started;
  }
}

type DirtyKey = ['f' | 'r' | 'l' | 'x', string];

function entryOf(state: EmulatorState, [kind, id]: DirtyKey): LogEntry {
  switch (kind) {
    case 'f':
      return ['f', id, state.files[id] ?? null];
    case 'r': {
      const record = state.records[id];
      if (!record) return ['r', id, null];
      const { fileIds: _derived, ...logged } = record;
      return ['r', id, logged];
    }
    case 'l':
      return ['l', id, state.locks[id] ?? null];
    case 'x':
      return ['x', id, state.extensions?.[id] ?? null];
  }
}

/**
 * After loading: each record's file list is rebuilt from the files in creation order (the log
 * does not carry it), files whose record is gone are dropped (deleting a record logs only the
 * record), and a file caught half-completed by a crash is uploading again.
 */
function settleLoaded(state: EmulatorState): void {
  for (const record of Object.values(state.records)) record.fileIds = [];
  for (const id in state.files) {
    const file = state.files[id]!;
    const record = state.records[file.recordId];
    if (!record) {
      delete state.files[id];
      continue;
    }
    record.fileIds.push(id);
    if (file.status === 'completing') file.status = 'uploading';
  }
}
