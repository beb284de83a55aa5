/**
 * The journal's file table for a run (issue 16): an index over the journal file instead of an
 * object per file, so that memory stays small whatever the tree — about 40 bytes per file (a
 * 64-bit hash of its path, where its lines start). An entry is read back from disk when asked
 * for, its lines folded exactly as loading folds them (applyJournalLine). The entries set last
 * stay objects: a file in flight is read and changed several times (plan, create, done).
 *
 * Identity is the path's 64-bit hash. Two paths that share one would share a list of lines, but
 * a fold applies only the lines of the path asked for, so each still reads back right.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { LineReader, readLineSpans } from '../util/read-lines.js';
import {
  applyJournalLine,
  type CompactContext,
  FileTable,
  JournalDecoder,
  type JournalFile,
  type JournalFiles,
  type JournalState,
  narrowBase,
} from './journal.js';

/** Entries kept as objects after they were set (the files in flight, with room to spare). */
const RECENT = 256;
const NONE = -1;
const DEAD = -2;

/** Where a line of lines starts and how many bytes it takes, as the journal wrote it. */
export interface WrittenLine {
  absPath: string | undefined;
  bytes: number;
  /** The line alone tells the whole entry (a compact line with its upload): earlier lines are moot. */
  whole: boolean;
}

/** What loading a journal file found besides the files. */
export interface LoadedJournal {
  state: JournalState;
  table: DiskFileTable;
  /** The header's base folder and seed ({} without a header). */
  header: CompactContext;
  /** Whether the file has a header and few lines beyond one per file: no need to compact it. */
  compact: boolean;
}

export class DiskFileTable implements JournalFiles {
  // Per entry (an id, in the order entries were made): its path's hash and its first line (most
  // entries have one line: a compact line tells a small file's whole entry).
  private hashA = new Uint32Array(1024);
  private hashB = new Uint32Array(1024);
  /** Offset of the entry's first line; NONE before it has one, DEAD once forgotten. */
  private first = new Float64Array(1024);
  private firstFolder = new Int32Array(1024);
  /** The entry's further lines: a list of nodes, NONE when there are none. */
  private more = new Int32Array(1024);
  private ids = 0;
  private live = 0;
  /** Lines noted since loading began (loading compares them with the entries). */
  private noted = 0;
  // Further lines, as nodes of lists; the nodes of a list that a whole line ends are reused.
  private nodeOffset = new Float64Array(256);
  private nodeFolder = new Int32Array(256);
  private nodeNext = new Int32Array(256);
  private nodes = 0;
  private free = NONE;
  /** Open addressing over entry ids (NONE = empty slot). */
  private slots = new Int32Array(2048).fill(NONE);
  private readonly folders: string[] = [];
  private readonly folderIds = new Map<string, number>();
  /** Where each record line is (a new record clears the uploads of the lines before it). */
  private readonly boundaries: Array<{ offset: number; recordId: string }> = [];
  private readonly recent = new Map<string, JournalFile>();
  private base: string | undefined;
  private readonly decoder = new JournalDecoder();
  private fd: number;
  private readonly lines: LineReader;
  /** The file's length: where the next line goes. */
  private end: number;

  /** The header's base folder and seed: the context of compact lines read out of order. */
  private header: CompactContext = {};

  private constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.end = fstatSync(this.fd).size;
    this.lines = new LineReader(this.fd);
  }

  /** Indexes the journal file at `path` (one pass, in chunks), folding its record lines into the state. */
  static load(path: string): LoadedJournal {
    const table = new DiskFileTable(path);
    const decoder = new JournalDecoder();
    const state: JournalState = { recordComplete: false, roots: [], files: table };
    let hasHeader = false;
    let lineCount = 0;
    for (const [at, raw] of readLineSpans(path)) {
      if (lineCount++ === 0 && raw.startsWith('["h"')) hasHeader = true;
      table.loadLine(at, raw, decoder, state);
    }
    const { base, seedId } = decoder.context;
    table.header = { ...(base !== undefined ? { base } : {}), ...(seedId !== undefined ? { seedId } : {}) };
    // A torn last line (a crash mid-write) must go before anything is appended after it.
    const compact = hasHeader && table.endsWithNewline() && table.noted <= table.live + Math.max(1000, table.live / 2);
    return { state, table, header: { ...table.header }, compact };
  }

  /** Notes one line of the file being loaded. */
  private loadLine(at: number, raw: string, decoder: JournalDecoder, state: JournalState): void {
    let noted: string | undefined;
    for (const line of decoder.decode(raw)) {
      switch (line.t) {
        case 'record':
          this.boundaries.push({ offset: at, recordId: line.recordId });
          state.recordId = line.recordId;
          state.roots = line.roots;
          state.recordComplete = false;
          break;
        case 'record-complete':
          if (state.recordId === line.recordId) state.recordComplete = true;
          break;
        case 'forget':
          this.kill(line.absPath);
          noted = undefined;
          break;
        default:
          if (noted === line.absPath) break; // a compact line stands for several facts: one node
          noted = line.absPath;
          if (line.t === 'plan' || this.find(line.absPath) !== NONE)
            this.note(line.absPath, at, raw.startsWith('["n"') ? decoder.context.folder : undefined, false);
      }
    }
  }

  private endsWithNewline(): boolean {
    const last = Buffer.alloc(1);
    return this.end === 0 || (readSync(this.fd, last, 0, 1, this.end - 1) === 1 && last[0] === 10);
  }

  get size(): number {
    return this.live;
  }

  knownBase(): string | undefined {
    return this.base === '' ? undefined : this.base;
  }

  get(absPath: string): JournalFile | undefined {
    const kept = this.recent.get(absPath);
    if (kept) return { ...kept, partsDone: [...kept.partsDone] };
    const id = this.find(absPath);
    const read = id === NONE ? undefined : this.fold(id).get(absPath);
    // A file is asked for several times while it is in flight: read from disk once.
    if (read) this.keep(absPath, { ...read, partsDone: [...read.partsDone] });
    return read;
  }

  set(absPath: string, f: JournalFile): void {
    if (this.find(absPath) === NONE) this.make(absPath);
    this.keep(absPath, f);
  }

  /** Keeps an entry as an object for a while (the newest RECENT ones). */
  private keep(absPath: string, f: JournalFile): void {
    this.recent.delete(absPath);
    this.recent.set(absPath, f);
    // The lines of an entry that leaves are on disk (the journal writes them right after setting).
    if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value as string);
  }

  has(absPath: string): boolean {
    return this.recent.has(absPath) || this.get(absPath) !== undefined;
  }

  delete(absPath: string): boolean {
    const had = this.recent.delete(absPath);
    return this.kill(absPath) || had;
  }

  clearUploads(recordId: string): void {
    // The record line is written next, where the file ends now.
    this.boundaries.push({ offset: this.end, recordId });
    for (const [path, f] of this.recent)
      this.recent.set(path, {
        ...f,
        recordId: undefined,
        fileId: undefined,
        serverName: undefined,
        partsDone: [],
        outcome: undefined,
      });
  }

  /** The journal wrote these lines, one after the other, where the file ended. */
  noteWritten(lines: readonly WrittenLine[]): void {
    for (const line of lines) {
      if (line.absPath !== undefined && this.recent.has(line.absPath))
        this.note(line.absPath, this.end, undefined, line.whole);
      this.end += line.bytes;
    }
  }

  *keys(): Generator<string> {
    for (const [path] of this.entries()) yield path;
  }

  *values(): Generator<JournalFile> {
    for (const [, f] of this.entries()) yield f;
  }

  /** Every entry, in the order they were made (entries set but not yet written come last). */
  *entries(): Generator<[string, JournalFile]> {
    const seen = new Set<string>(); // of the recent entries only: a few hundred at most
    for (let id = 0; id < this.ids; id++) {
      if (this.first[id] === DEAD) continue;
      for (const [path, f] of this.fold(id)) {
        const kept = this.recent.get(path);
        if (kept) seen.add(path);
        yield [path, kept ? { ...kept, partsDone: [...kept.partsDone] } : f];
      }
    }
    for (const [path, f] of this.recent) if (!seen.has(path)) yield [path, { ...f, partsDone: [...f.partsDone] }];
  }

  close(): void {
    closeSync(this.fd);
  }

  /** An entry's lines, read back and folded as loading folds them; one entry per path among them. */
  private fold(id: number): Map<string, JournalFile> {
    const scratch: JournalState = { recordComplete: false, roots: [], files: new FileTable() };
    let prev = -1;
    const apply = (at: number, folder: number): void => {
      if (this.recordBetween(prev, at)) scratch.files.clearUploads('');
      const ctx: CompactContext = { ...this.header, ...this.recordBefore(at) };
      if (folder >= 0) ctx.folder = this.folders[folder]!;
      for (const line of this.decoder.decodeIn(this.lines.lineAt(at), ctx)) applyJournalLine(scratch, line);
      prev = at;
    };
    if (this.first[id]! >= 0) apply(this.first[id]!, this.firstFolder[id]!);
    for (let n = this.more[id]!; n !== NONE; n = this.nodeNext[n]!) apply(this.nodeOffset[n]!, this.nodeFolder[n]!);
    if (this.recordBetween(prev, Number.POSITIVE_INFINITY)) scratch.files.clearUploads('');
    return new Map(scratch.files.entries());
  }

  private recordBetween(from: number, to: number): boolean {
    return this.boundaries.some((b) => b.offset > from && b.offset < to);
  }

  private recordBefore(at: number): { recordId?: string } {
    let recordId: string | undefined;
    for (const b of this.boundaries) if (b.offset < at) recordId = b.recordId;
    return recordId === undefined ? {} : { recordId };
  }

  /** Adds a line at `at` to the path's lines (a new entry if it has none); `whole` drops the earlier ones. */
  private note(absPath: string, at: number, folder: string | undefined, whole: boolean): void {
    let id = this.find(absPath);
    if (id === NONE) id = this.make(absPath);
    this.noted++;
    const folderId = folder === undefined ? -1 : this.folderId(folder);
    if (whole || this.first[id]! < 0) {
      this.first[id] = at;
      this.firstFolder[id] = folderId;
      this.release(this.more[id]!);
      this.more[id] = NONE;
      return;
    }
    const n = this.node(at, folderId);
    if (this.more[id] === NONE) this.more[id] = n;
    else {
      let last = this.more[id]!;
      while (this.nodeNext[last] !== NONE) last = this.nodeNext[last]!;
      this.nodeNext[last] = n;
    }
  }

  /** A node for a further line: a released one, or a new one. */
  private node(at: number, folder: number): number {
    let n = this.free;
    if (n !== NONE) this.free = this.nodeNext[n]!;
    else {
      n = this.nodes++;
      if (n >= this.nodeOffset.length) {
        this.nodeOffset = grown(this.nodeOffset);
        this.nodeFolder = grown(this.nodeFolder);
        this.nodeNext = grown(this.nodeNext);
      }
    }
    this.nodeOffset[n] = at;
    this.nodeFolder[n] = folder;
    this.nodeNext[n] = NONE;
    return n;
  }

  /** Gives a list of nodes back for reuse. */
  private release(n: number): void {
    while (n !== NONE) {
      const next = this.nodeNext[n]!;
      this.nodeNext[n] = this.free;
      this.free = n;
      n = next;
    }
  }

  private folderId(folder: string): number {
    let id = this.folderIds.get(folder);
    if (id === undefined) {
      id = this.folders.push(folder) - 1;
      this.folderIds.set(folder, id);
    }
    return id;
  }

  /** The live entry of a path, or NONE. */
  private find(absPath: string): number {
    const [a, b] = hash64(absPath);
    const mask = this.slots.length - 1;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot]!;
      if (id === NONE) return NONE;
      if (this.first[id] !== DEAD && this.hashA[id] === a && this.hashB[id] === b) return id;
    }
  }

  /** A new entry with no lines yet. */
  private make(absPath: string): number {
    const id = this.ids++;
    if (id >= this.hashA.length) {
      this.hashA = grown(this.hashA);
      this.hashB = grown(this.hashB);
      this.first = grown(this.first);
      this.firstFolder = grown(this.firstFolder);
      this.more = grown(this.more);
    }
    const [a, b] = hash64(absPath);
    this.hashA[id] = a;
    this.hashB[id] = b;
    this.first[id] = NONE;
    this.more[id] = NONE;
    this.live++;
    this.base = narrowBase(this.base, absPath);
    if (this.ids * 2 > this.slots.length) this.rehash();
    else this.place(id);
    return id;
  }

  private kill(absPath: string): boolean {
    const id = this.find(absPath);
    if (id === NONE) return false;
    this.first[id] = DEAD;
    this.release(this.more[id]!);
    this.more[id] = NONE;
    this.live--;
    return true;
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashA[id]! & mask;
    while (this.slots[slot] !== NONE) slot = (slot + 1) & mask;
    this.slots[slot] = id;
  }

  /** A table twice as large, without the dead entries' slots. */
  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(NONE);
    for (let id = 0; id < this.ids; id++) if (this.first[id] !== DEAD) this.place(id);
  }
}

/** A copy half as large again: at a million entries doubling would leave up to half unused. */
function grown<T extends Uint32Array | Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(Math.ceil(a.length * 1.5));
  b.set(a);
  return b;
}

/** Two 32-bit FNV-1a hashes of a path's UTF-16 code units, with different offset bases. */
function hash64(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return [a >>> 0, b >>> 0];
}
