/** The emulator's persistent state and its atomic, coalescing writer (dataDir/state.json). */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { WirePart } from './wire.js';
import type { S3State } from './s3/s3-state.js';

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
  /** The S3 face's buckets and objects; absent until the face is first enabled. */
  s3?: S3State;
}

function freshState(): EmulatorState {
  return { version: 1, urlSecret: randomBytes(32).toString('hex'), locks: {}, records: {}, files: {} };
}

/**
 * Holds the state in memory and writes it atomically (temp + rename) shortly after each change:
 * bursts share one write, and the pause grows with the state so that big states do not turn every
 * call into a full rewrite. close() (flush) writes whatever is pending.
 */
export class StateStore {
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private seq = 0;
  private lastWriteMs = 0;
  private failure: Error | undefined;

  private constructor(
    readonly state: EmulatorState,
    private readonly path: string,
  ) {}

  /** Loads dataDir/state.json, or starts empty when there is none. */
  static async open(dataDir: string): Promise<StateStore> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, 'state.json');
    let state: EmulatorState;
    try {
      state = JSON.parse(await readFile(path, 'utf8')) as EmulatorState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`cannot read emulator state ${path}: ${(err as Error).message}; fix or delete the file`);
      }
      state = freshState();
    }
    if (state.version !== 1) throw new Error(`emulator state ${path} has version ${String(state.version)}; this emulator reads version 1`);
    // A crash during files/complete leaves a file half-completed: it is uploading again.
    for (const file of Object.values(state.files)) if (file.status === 'completing') file.status = 'uploading';
    const store = new StateStore(state, path);
    store.changed();
    await store.flush();
    return store;
  }

  /** Notes a change; it reaches the disk within a short pause (100 ms, more for big states). */
  changed(): void {
    this.dirty = true;
    if (this.timer || this.writing) return;
    // Each write is the whole state; with thousands of files that is real CPU, so the pause is
    // ten times the last write (at least 100 ms, at most 2 s).
    const pause = Math.min(2000, Math.max(100, this.lastWriteMs * 10));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.writing) void this.writeOnce();
    }, pause);
    this.timer.unref();
  }

  /** Writes everything changed so far and resolves when it is on disk; throws a write failure. */
  async flush(): Promise<void> {
    while (this.dirty || this.writing) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await this.writeOnce();
    }
    if (this.failure) throw this.failure;
  }

  private writeOnce(): Promise<void> {
    this.dirty = false;
    const started = Date.now();
    this.writing = this.writeNow()
      .then(
        () => {
          this.failure = undefined;
        },
        (err: Error) => {
          this.failure = new Error(`cannot write emulator state ${this.path}: ${err.message}`);
        },
      )
      .finally(() => {
        this.lastWriteMs = Date.now() - started;
        this.writing = undefined;
        if (this.dirty && !this.timer) this.changed();
      });
    return this.writing;
  }

  private async writeNow(): Promise<void> {
    const tmp = `${this.path}.tmp-${process.pid}-${++this.seq}`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      // One JSON document as before, written a record and a file per line in 256 KiB chunks: a
      // million files never become one giant string (nor hit V8's string length limit).
      let chunk = '';
      for (const piece of stateText(this.state)) {
        chunk += piece;
        if (chunk.length >= 256 * 1024) {
          await handle.write(chunk);
          chunk = '';
        }
      }
      await handle.write(chunk);
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
  }
}

/** The state as JSON text, piece by piece (JSON.parse reads it back as one document). */
function* stateText(state: EmulatorState): Generator<string> {
  const { records, files, ...rest } = state;
  const head = JSON.stringify(rest);
  yield `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"records":{`;
  let first = true;
  for (const [id, record] of Object.entries(records)) {
    yield `${first ? '' : ','}\n${JSON.stringify(id)}:${JSON.stringify(record)}`;
    first = false;
  }
  yield '},"files":{';
  first = true;
  for (const [id, file] of Object.entries(files)) {
    yield `${first ? '' : ','}\n${JSON.stringify(id)}:${JSON.stringify(file)}`;
    first = false;
  }
  yield '}}\n';
}
