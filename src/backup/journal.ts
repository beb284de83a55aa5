import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FilePlan } from '../hash/file-plan.js';
import { multiPartsProblem } from '../hash/part-rules.js';
import { sameVersion } from '../scan/local-file.js';
import { readLines } from '../util/read-lines.js';
import { DiskFileTable, type WrittenLine } from './journal-index.js';

/**
 * The run journal: an append-only log of small JSON lines (one per fact), so that a crash or
 * SIGKILL at any moment leaves at worst one torn last line, which loading ignores. Each run starts
 * by folding the log into a snapshot and rewriting it atomically (temp file + rename).
 */

/** What the journal knows about one local file. */
export interface JournalFile {
  absPath: string;
  size: number;
  mtimeMs: number;
  ino: number;
  /** Plan cache: reused when size, mtime and inode match (no re-hash). */
  plan?: FilePlan;
  /** Which proofCode seed the plan was made with (a digest, never the seed itself). */
  seedId?: string;
  /** Upload progress within `recordId`. */
  recordId?: string;
  fileId?: string;
  serverName?: string;
  partsDone: number[];
  outcome?: string;
}

export type JournalLine =
  | { t: 'record'; recordId: string; roots: string[] }
  | { t: 'record-complete'; recordId: string }
  | { t: 'plan'; absPath: string; size: number; mtimeMs: number; ino: number; seedId: string; plan: FilePlan }
  | { t: 'created'; absPath: string; recordId: string; fileId: string; serverName: string }
  | { t: 'part'; absPath: string; fileId: string; partNumber: number }
  | { t: 'done'; absPath: string; recordId: string; fileId?: string; serverName?: string; outcome: string }
  | { t: 'forget'; absPath: string };

export interface JournalState {
  /** The record of the last run, and whether it was completed. */
  recordId?: string;
  recordComplete: boolean;
  roots: string[];
  files: JournalFiles;
}

/**
 * What the journal knows, by absolute path: in memory (FileTable: dry runs, folding in tests) or
 * as an index over the journal file (DiskFileTable, journal-index.ts: a run, whatever the tree).
 * An entry read out is a copy: change it through set().
 */
export interface JournalFiles {
  readonly size: number;
  get(absPath: string): JournalFile | undefined;
  set(absPath: string, f: JournalFile): void;
  has(absPath: string): boolean;
  delete(absPath: string): boolean;
  keys(): Iterable<string>;
  values(): Iterable<JournalFile>;
  entries(): Iterable<[string, JournalFile]>;
  /** A new record starts: no entry keeps an upload of an earlier one. */
  clearUploads(recordId: string): void;
  /** The longest folder prefix shared by every path, when the table keeps it (saves a pass). */
  knownBase?(): string | undefined;
}

/**
 * What the journal knows, by absolute path, in little memory: a one-part file's entry (most files
 * of a big tree) is kept as one short JSON string, about 250 bytes instead of about 2 KB of objects
 * (issue 16); other entries as objects. An entry read out is a copy: change it through set().
 */
export class FileTable implements JournalFiles {
  private readonly map = new Map<string, JournalFile | string>();
  /**
   * The entries set last stay objects until RECENT others were set: a file in flight is read and
   * changed several times (plan, create, done), and packing and unpacking it each time cost more
   * CPU than the rest of its journalling (issue 11).
   */
  private readonly recent = new Set<string>();
  private static readonly RECENT = 256;

  get size(): number {
    return this.map.size;
  }

  get(absPath: string): JournalFile | undefined {
    const v = this.map.get(absPath);
    if (v === undefined) return undefined;
    return typeof v === 'string' ? unpackFile(absPath, v) : this.recent.has(absPath) ? copyOf(v) : v;
  }

  set(absPath: string, f: JournalFile): this {
    this.map.set(absPath, f);
    this.recent.delete(absPath);
    this.recent.add(absPath);
    if (this.recent.size > FileTable.RECENT) this.pack(this.recent.values().next().value as string);
    return this;
  }

  /** Packs an entry that left the recent window, if it is a one-part file's. */
  private pack(absPath: string): void {
    this.recent.delete(absPath);
    const v = this.map.get(absPath);
    if (v !== undefined && typeof v !== 'string') this.map.set(absPath, packFile(v) ?? v);
  }

  has(absPath: string): boolean {
    return this.map.has(absPath);
  }

  delete(absPath: string): boolean {
    this.recent.delete(absPath);
    return this.map.delete(absPath);
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  *values(): Generator<JournalFile> {
    for (const [k, v] of this.map) yield typeof v === 'string' ? unpackFile(k, v) : v;
  }

  *entries(): Generator<[string, JournalFile]> {
    for (const [k, v] of this.map) yield [k, typeof v === 'string' ? unpackFile(k, v) : v];
  }

  [Symbol.iterator](): Generator<[string, JournalFile]> {
    return this.entries();
  }

  clearUploads(_recordId: string): void {
    for (const f of this.values()) {
      if (f.recordId === undefined && f.fileId === undefined && f.outcome === undefined && f.partsDone.length === 0)
        continue;
      clearUpload(f);
      this.set(f.absPath, f);
    }
  }
}

/** A copy that changing does not change the table. */
function copyOf(f: JournalFile): JournalFile {
  return { ...f, partsDone: [...f.partsDone] };
}

/** A one-part file's entry as a short string, or undefined when it is not one. */
function packFile(f: JournalFile): string | undefined {
  if (!f.plan || !isOnePartPlan(f.plan, f.size) || f.partsDone.some((n) => n !== 1)) return undefined;
  return JSON.stringify([
    f.size,
    f.mtimeMs,
    f.ino,
    f.seedId ?? null,
    hexToB64(f.plan.sha256),
    f.plan.proofCode === undefined ? null : hexToB64(f.plan.proofCode),
    f.plan.partSize,
    f.recordId ?? null,
    f.fileId ?? null,
    f.serverName ?? null,
    f.outcome ?? null,
    f.partsDone.includes(1) ? 1 : 0,
  ]);
}

function unpackFile(absPath: string, text: string): JournalFile {
  const [size, mtimeMs, ino, seedId, sha, proof, partSize, recordId, fileId, serverName, outcome, part1] = JSON.parse(
    text,
  ) as [
    number,
    number,
    number,
    string | null,
    string,
    string | null,
    number,
    string | null,
    string | null,
    string | null,
    string | null,
    number,
  ];
  const plan: FilePlan = {
    sha256: b64ToHex(sha),
    length: size,
    partSize,
    parts: [{ partNumber: 1, partOffset: 0, partSize: size, hashCtx: [] }],
  };
  if (proof !== null) plan.proofCode = b64ToHex(proof);
  const f: JournalFile = { absPath, size, mtimeMs, ino, plan, partsDone: part1 === 1 ? [1] : [] };
  if (seedId !== null) f.seedId = seedId;
  if (recordId !== null) f.recordId = recordId;
  if (fileId !== null) f.fileId = fileId;
  if (serverName !== null) f.serverName = serverName;
  if (outcome !== null) f.outcome = outcome;
  return f;
}

/** The journal's file name for one target and set of roots. */
export function journalPath(stateDir: string, key: { endpoint: string; userId: string; roots: string[] }): string {
  const id = createHash('sha256')
    .update(JSON.stringify([key.endpoint, key.userId, [...key.roots].sort()]))
    .digest('hex')
    .slice(0, 24);
  return join(stateDir, 'journals', `${id}.ndjson`);
}

/** A stable, non-reversible id for a proofCode seed value. */
export function seedIdOf(seed: string): string {
  return createHash('sha256').update(`koodrive-proof-seed:${seed}`).digest('hex').slice(0, 16);
}

/** Folds journal lines into state (pure). */
export function foldJournal(lines: Iterable<JournalLine>): JournalState {
  const state: JournalState = { recordComplete: false, roots: [], files: new FileTable() };
  for (const line of lines) applyJournalLine(state, line);
  return state;
}

/** Applies one fact to a state. */
export function applyJournalLine(state: JournalState, line: JournalLine): void {
  const entry = (absPath: string): JournalFile | undefined => state.files.get(absPath);
  switch (line.t) {
    case 'record':
      state.recordId = line.recordId;
      state.roots = line.roots;
      state.recordComplete = false;
      state.files.clearUploads(line.recordId);
      break;
    case 'record-complete':
      if (state.recordId === line.recordId) state.recordComplete = true;
      break;
    case 'plan': {
      // A plan that cannot be right (a line damaged on disk) is no plan: the file is hashed again.
      if (!isWellFormedPlan(line.plan, line.size)) break;
      const previous = entry(line.absPath);
      const next: JournalFile = {
        absPath: line.absPath,
        size: line.size,
        mtimeMs: line.mtimeMs,
        ino: line.ino,
        plan: line.plan,
        seedId: line.seedId,
        partsDone: [],
      };
      const sameContent = previous && sameVersion(previous, line) && previous.plan?.sha256 === line.plan.sha256;
      if (sameContent)
        Object.assign(next, {
          recordId: previous.recordId,
          fileId: previous.fileId,
          serverName: previous.serverName,
          partsDone: previous.partsDone,
          outcome: previous.outcome,
        });
      state.files.set(line.absPath, next);
      break;
    }
    case 'part': {
      const f = entry(line.absPath);
      if (f && f.fileId === line.fileId && !f.partsDone.includes(line.partNumber)) {
        f.partsDone.push(line.partNumber);
        state.files.set(line.absPath, f);
      }
      break;
    }
    case 'created':
    case 'done': {
      const f = entry(line.absPath);
      if (!f) break;
      const upload = { recordId: line.recordId, fileId: line.fileId, serverName: line.serverName };
      // A create starts the upload afresh; a done ends it with its outcome.
      const change = line.t === 'created' ? { partsDone: [], outcome: undefined } : { outcome: line.outcome };
      state.files.set(line.absPath, Object.assign(f, upload, change));
      break;
    }
    case 'forget':
      state.files.delete(line.absPath);
      break;
  }
}

/**
 * The files whose unfinished upload in `recordId` this run cannot finish: the file is gone from the
 * scan or its size, mtime or inode changed, so it will be planned and created anew. The server
 * keeps such an upload open, and a record with an open upload cannot be completed: a run that
 * finds any starts a new record instead of resuming this one.
 */
export function abandonedUploads(
  state: JournalState,
  recordId: string,
  scanned:
    | ReadonlyArray<{ absPath: string; size: number; mtimeMs: number; ino: number }>
    | ((absPath: string) => { size: number; mtimeMs: number; ino: number } | undefined),
): string[] {
  const byPath = typeof scanned === 'function' ? undefined : new Map(scanned.map((f) => [f.absPath, f]));
  const lookup = typeof scanned === 'function' ? scanned : (absPath: string) => byPath!.get(absPath);
  const abandoned: string[] = [];
  for (const f of state.files.values()) {
    if (f.recordId !== recordId || !f.fileId || f.outcome) continue;
    const local = lookup(f.absPath);
    if (!local || !sameVersion(local, f)) abandoned.push(f.absPath);
  }
  return abandoned;
}

/**
 * The checks a plan read back from disk must pass before it is trusted: the shape the create call
 * needs. A plan that passes but is wrong (a flipped digit) is caught when the part verifier finds
 * the file's bytes do not match it; the file is then planned again (file-job.ts).
 */
export function isWellFormedPlan(plan: unknown, size: number): plan is FilePlan {
  const p = plan as FilePlan | undefined;
  if (!p || typeof p !== 'object' || typeof p.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256)) return false;
  if (p.length !== size || !Array.isArray(p.parts)) return false;
  if (p.proofCode !== undefined && (typeof p.proofCode !== 'string' || !/^[0-9a-f]+$/.test(p.proofCode))) return false;
  try {
    return multiPartsProblem(p.parts, size) === undefined;
  } catch {
    return false;
  }
}

function clearUpload(f: JournalFile): void {
  f.recordId = undefined;
  f.fileId = undefined;
  f.serverName = undefined;
  f.partsDone = [];
  f.outcome = undefined;
}

/**
 * The compact form of the facts about a one-part file (most files of a big tree are small):
 * one JSON array per file instead of a plan line, a created line, a part line and a done line —
 * about 190 bytes instead of 800. Positions:
 *
 *   0 "f" (1 is relative to the journal's base folder), "F" (1 is absolute) or "n" (1 is a name
 *     in the folder of the last `["d", folder]` line, itself relative to the base: a compacted
 *     journal names each folder once, not once per file)
 *   1 path   2 size   3 mtimeMs   4 ino   5 seedId ("" = the header's)
 *   6 sha256 (base64url)   7 proofCode ("" = none; base64url of its hex, or "~" + the hex)   8 partSize (0 = 5 MiB)
 *   then, for an upload in the journal's current record (the last `record` line before it):
 *   9 fileId   10 serverName ("" = the path's last name)   11 outcome ("" = created, not done;
 *   "u" uploaded, "r" rapid, "e" exist, else the word)   12 1 when part 1 was sent (only while not done)
 *
 * The header `["h", base, seedId]` starts a compacted journal. A compact line stands for the
 * object lines it replaces (JournalDecoder expands it), so folding is the same for both forms, and
 * a torn or damaged compact line is skipped like any other; after a line that does not parse, "n"
 * lines are skipped until the next "d" line, so a damaged folder line misplaces no file.
 */
type CompactLine = [string, string, number, number, number, string, string, string, number, ...unknown[]];

/** The part size of almost every small file's plan (5 MiB), written as 0. */
const DEFAULT_PART_SIZE = 5 * 1024 * 1024;

const OUTCOME_CODES: Record<string, string> = { uploaded: 'u', rapid: 'r', exist: 'e' };
const OUTCOME_WORDS: Record<string, string> = { u: 'uploaded', r: 'rapid', e: 'exist' };

function hexToB64(hex: string): string {
  return /^(?:[0-9a-f]{2})+$/.test(hex) ? Buffer.from(hex, 'hex').toString('base64url') : `~${hex}`;
}

function b64ToHex(text: string): string {
  return text.startsWith('~') ? text.slice(1) : Buffer.from(text, 'base64url').toString('hex');
}

function lastName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** A plan of one part that starts at 0 and covers the file: what the compact line can carry. */
function isOnePartPlan(plan: FilePlan, size: number): boolean {
  const p = plan.parts[0];
  return (
    plan.parts.length === 1 &&
    plan.length === size &&
    !!p &&
    p.partNumber === 1 &&
    p.partOffset === 0 &&
    p.partSize === size &&
    p.hashCtx.length === 0 &&
    /^[0-9a-f]{64}$/.test(plan.sha256)
  );
}

/** Context for compact lines: the base folder, the default seed, the current record. */
export interface CompactContext {
  base?: string;
  seedId?: string;
  recordId?: string;
  /** The folder (relative to base) that "n" lines are in; undefined until a "d" line names one. */
  folder?: string;
}

/**
 * "a/b" of "a/b/c.txt", "" of "c.txt". Only "/" separates: a name may hold a backslash on POSIX,
 * and a Windows path (backslashes only) is then one name in the folder "", which reads back exactly.
 */
function folderOf(relPath: string): string {
  return relPath.slice(0, Math.max(relPath.lastIndexOf('/'), 0));
}

/**
 * The compact line for a file, or undefined when it does not fit (several parts, an upload in
 * another record than `ctx.recordId`, an odd outcome). `upload` says whether to carry its upload.
 */
function compactLineOf(f: JournalFile, ctx: CompactContext, upload: boolean, inFolder?: string): string | undefined {
  if (!f.plan || !f.seedId || !isOnePartPlan(f.plan, f.size)) return undefined;
  const relative =
    ctx.base !== undefined && ctx.base !== '' && f.absPath.startsWith(ctx.base) && f.absPath.length > ctx.base.length;
  const rel = relative ? f.absPath.slice(ctx.base!.length) : undefined;
  const named = inFolder !== undefined && rel !== undefined && folderOf(rel) === inFolder;
  const line: unknown[] = [
    named ? 'n' : relative ? 'f' : 'F',
    named ? (inFolder === '' ? rel : rel!.slice(inFolder!.length + 1)) : (rel ?? f.absPath),
    f.size,
    f.mtimeMs,
    f.ino,
    f.seedId === ctx.seedId ? '' : f.seedId,
    hexToB64(f.plan.sha256),
    f.plan.proofCode === undefined ? '' : hexToB64(f.plan.proofCode),
    f.plan.partSize === DEFAULT_PART_SIZE ? 0 : f.plan.partSize,
  ];
  // An outcome without a file id (an `exist` answer may name none) has no place in a compact line.
  if (upload && !f.fileId && f.outcome !== undefined && f.recordId !== undefined && f.recordId === ctx.recordId)
    return undefined;
  if (upload && f.fileId && f.recordId !== undefined) {
    if (f.recordId !== ctx.recordId || f.serverName === undefined) return undefined;
    const code = f.outcome === undefined ? '' : (OUTCOME_CODES[f.outcome] ?? f.outcome);
    if (code.length === 1 && !OUTCOME_WORDS[code]) return undefined;
    if (f.partsDone.some((n) => n !== 1)) return undefined;
    line.push(f.fileId, f.serverName === lastName(f.absPath) ? '' : f.serverName, code);
    // Whether part 1 was sent matters only while the upload is open.
    if (code === '') line.push(f.partsDone.includes(1) ? 1 : 0);
  }
  return JSON.stringify(line);
}

/** Turns journal text lines (object or compact) into facts, in order; keeps the context compact lines need. */
export class JournalDecoder {
  private ctx: CompactContext = {};

  /** The context the lines read so far set up (header, current record and folder). */
  get context(): Readonly<CompactContext> {
    return this.ctx;
  }

  /** The facts of one raw line read out of order, in the context it had where it stands in the file. */
  decodeIn(raw: string, ctx: CompactContext): JournalLine[] {
    this.ctx = { ...ctx };
    return this.decode(raw);
  }

  /** The facts of one raw line: none for a torn, damaged or foreign line (never fatal). */
  decode(raw: string): JournalLine[] {
    if (!raw.trim()) return [];
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      this.ctx.folder = undefined; // maybe a damaged folder line: place no "n" line until the next one
      return []; // torn last line after a crash: ignore
    }
    if (Array.isArray(value)) return this.expand(value);
    if (!value || typeof value !== 'object' || typeof (value as { t?: unknown }).t !== 'string') return [];
    const line = value as JournalLine;
    if (line.t === 'record') this.ctx.recordId = line.recordId;
    return [line];
  }

  private expand(a: unknown[]): JournalLine[] {
    if (a[0] === 'h') {
      if (typeof a[1] === 'string') this.ctx.base = a[1];
      if (typeof a[2] === 'string') this.ctx.seedId = a[2];
      return [];
    }
    if (a[0] === 'd') {
      this.ctx.folder = typeof a[1] === 'string' ? a[1] : undefined;
      return [];
    }
    if ((a[0] !== 'f' && a[0] !== 'F' && a[0] !== 'n') || a.length < 9) return [];
    const [kind, path, size, mtimeMs, ino, seed, sha, proof, partSize] = a as CompactLine;
    if (
      typeof path !== 'string' ||
      typeof size !== 'number' ||
      typeof mtimeMs !== 'number' ||
      typeof ino !== 'number' ||
      typeof sha !== 'string' ||
      typeof proof !== 'string' ||
      typeof partSize !== 'number'
    )
      return [];
    if (kind !== 'F' && !this.ctx.base) return [];
    if (kind === 'n' && this.ctx.folder === undefined) return [];
    const inFolder = this.ctx.folder === '' ? path : `${this.ctx.folder}/${path}`;
    const absPath = kind === 'f' ? `${this.ctx.base}${path}` : kind === 'n' ? `${this.ctx.base}${inFolder}` : path;
    const seedId = seed === '' ? this.ctx.seedId : String(seed);
    if (!seedId) return [];
    const plan: FilePlan = {
      sha256: b64ToHex(sha),
      length: size,
      partSize: partSize === 0 ? DEFAULT_PART_SIZE : partSize,
      parts: [{ partNumber: 1, partOffset: 0, partSize: size, hashCtx: [] }],
    };
    if (proof !== '') plan.proofCode = b64ToHex(proof);
    const lines: JournalLine[] = [{ t: 'plan', absPath, size, mtimeMs, ino, seedId, plan }];
    const [fileId, serverName, outcome, partDone] = a.slice(9);
    const recordId = this.ctx.recordId;
    if (typeof fileId === 'string' && fileId !== '' && recordId !== undefined) {
      const name = typeof serverName === 'string' && serverName !== '' ? serverName : lastName(absPath);
      const word = typeof outcome === 'string' ? (OUTCOME_WORDS[outcome] ?? outcome) : '';
      lines.push({ t: 'created', absPath, recordId, fileId, serverName: name });
      if (partDone === 1) lines.push({ t: 'part', absPath, fileId, partNumber: 1 });
      if (word !== '') lines.push({ t: 'done', absPath, recordId, fileId, serverName: name, outcome: word });
    }
    return lines;
  }
}

/** Parses log text; a torn or foreign line (crash mid-write) is skipped, never fatal. */
export function parseJournal(text: string): JournalLine[] {
  const decoder = new JournalDecoder();
  const lines: JournalLine[] = [];
  for (const raw of text.split('\n')) lines.push(...decoder.decode(raw));
  return lines;
}

/** The facts of the journal file at `path`, read in chunks (never the whole file as one string). */
export function* readJournalFile(path: string): Generator<JournalLine> {
  const decoder = new JournalDecoder();
  for (const raw of readLines(path)) yield* decoder.decode(raw);
}

/** `base` narrowed so that `absPath` stands under it ('' when nothing is shared); the path's folder first. */
export function narrowBase(base: string | undefined, absPath: string): string {
  if (base === undefined) return absPath.slice(0, Math.max(absPath.lastIndexOf('/'), absPath.lastIndexOf('\\')) + 1);
  if (absPath.startsWith(base)) return base;
  let n = 0;
  while (n < base.length && base[n] === absPath[n]) n++;
  if (n === 0) return ''; // lastIndexOf(sep, -1) would still find a separator at 0: '/' shared with 'C:\\'
  return base.slice(0, Math.max(base.lastIndexOf('/', n - 1), base.lastIndexOf('\\', n - 1)) + 1);
}

/** The folder (ending in a separator) that every file under these roots is in, or undefined. */
export function journalBase(roots: readonly string[]): string | undefined {
  let base: string | undefined;
  for (const root of roots) {
    const sep = root.includes('/') || !root.includes('\\') ? '/' : '\\';
    base = narrowBase(base, root.endsWith(sep) ? `${root}x` : `${root}${sep}x`);
  }
  return base === '' ? undefined : base;
}

/** The longest folder prefix (ending in a separator) shared by the state's files, or undefined. */
function commonBase(state: JournalState): string | undefined {
  if (state.files.knownBase) return state.files.knownBase();
  let base: string | undefined;
  for (const f of state.files.values()) {
    base = narrowBase(base, f.absPath);
    if (base === '') return undefined;
  }
  return base;
}

/** The seed of the journal's plans (the first one found): the one its header names. */
function usualSeed(state: JournalState): string | undefined {
  for (const f of state.files.values()) if (f.seedId) return f.seedId;
  return undefined;
}

/** The lines that rebuild a state (used to compact the log). */
export function snapshotLines(state: JournalState): JournalLine[] {
  const lines: JournalLine[] = [];
  if (state.recordId) {
    lines.push({ t: 'record', recordId: state.recordId, roots: state.roots });
  }
  for (const f of state.files.values()) lines.push(...snapshotLinesOf(f, state));
  if (state.recordId && state.recordComplete) lines.push({ t: 'record-complete', recordId: state.recordId });
  return lines;
}

/** The object lines that rebuild one file's entry. */
function snapshotLinesOf(f: JournalFile, state: JournalState): JournalLine[] {
  const lines: JournalLine[] = [];
  if (f.plan && f.seedId)
    lines.push({
      t: 'plan',
      absPath: f.absPath,
      size: f.size,
      mtimeMs: f.mtimeMs,
      ino: f.ino,
      seedId: f.seedId,
      plan: f.plan,
    });
  if (f.recordId && f.recordId === state.recordId && f.fileId && f.serverName !== undefined && !f.outcome) {
    lines.push({ t: 'created', absPath: f.absPath, recordId: f.recordId, fileId: f.fileId, serverName: f.serverName });
    for (const n of f.partsDone) lines.push({ t: 'part', absPath: f.absPath, fileId: f.fileId, partNumber: n });
  }
  if (f.outcome && f.recordId && f.recordId === state.recordId) {
    lines.push({
      t: 'done',
      absPath: f.absPath,
      recordId: f.recordId,
      fileId: f.fileId,
      serverName: f.serverName,
      outcome: f.outcome,
    });
  }
  return lines;
}

/** The snapshot as text lines: a header, then each file in its compact line where it fits (else object lines). */
export function* snapshotText(
  state: JournalState,
  ctx: CompactContext = { base: commonBase(state), seedId: usualSeed(state) },
): Generator<string> {
  yield JSON.stringify(['h', ctx.base ?? '', ctx.seedId ?? '']);
  if (state.recordId) yield JSON.stringify({ t: 'record', recordId: state.recordId, roots: state.roots });
  const compact: CompactContext = { ...ctx, ...(state.recordId !== undefined ? { recordId: state.recordId } : {}) };
  // Files come in scan order, so neighbours share a folder: name it once, then give names only.
  let folder: string | undefined;
  for (const f of state.files.values()) {
    const rel = ctx.base && f.absPath.startsWith(ctx.base) ? f.absPath.slice(ctx.base.length) : undefined;
    const here = rel === undefined ? undefined : folderOf(rel);
    const upload = f.recordId !== undefined && f.recordId === state.recordId;
    let line: string | undefined;
    if (here !== undefined && here !== folder) {
      line = compactLineOf(f, compact, upload, here);
      if (line !== undefined) {
        yield JSON.stringify(['d', here]);
        folder = here;
      }
    } else {
      line = compactLineOf(f, compact, upload, folder);
    }
    if (line !== undefined) yield line;
    else for (const l of snapshotLinesOf(f, state)) yield JSON.stringify(l);
  }
  if (state.recordId && state.recordComplete) yield JSON.stringify({ t: 'record-complete', recordId: state.recordId });
}

/** An open journal: appends are synchronous so a fact is on disk before the next step relies on it. */
export class Journal {
  private fd: number | undefined;
  /** The base folder and seed the log's header names (set by compact()): appended compact lines use them. */
  private compactCtx: CompactContext = {};

  private constructor(
    readonly path: string | undefined,
    private current: JournalState,
  ) {}

  /** What the journal knows (for a journal on disk, an index over its file: journal-index.ts). */
  get state(): JournalState {
    return this.current;
  }

  /**
   * A journal that writes nothing (dry runs): it starts from what `path` holds, if given and
   * readable, so a dry run can tell the files the last run sent from the ones it would send. It
   * reads the file through the same index as a run (a dry run journals no fact of its own).
   */
  static readOnly(path?: string): Journal {
    let state = foldJournal([]);
    try {
      if (path !== undefined && existsSync(path)) state = DiskFileTable.load(path).state;
    } catch {
      // unreadable: plan every file, as without a journal
    }
    return new Journal(undefined, state);
  }

  /**
   * Loads the journal at `path` as an index over the file, and compacts it unless it is compact
   * already (the last run that ended well left it so); `fresh` ignores what it held (--no-resume).
   */
  static open(path: string, opts: { fresh?: boolean; expect?: CompactContext } = {}): Journal {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const loaded = !opts.fresh && existsSync(path) ? DiskFileTable.load(path) : undefined;
    const journal = new Journal(path, loaded?.state ?? foldJournal([]));
    if (loaded?.compact) journal.compactCtx = loaded.header;
    else journal.compact({ reload: true, expect: opts.expect });
    return journal;
  }

  /** Records a fact: applied to the in-memory state and appended to the log. */
  append(line: JournalLine): void {
    this.appendAll([line]);
  }

  /**
   * Records facts about one file together, with one write: when the file has one part and an
   * upload, its whole entry becomes one compact line (a plan with the create's answer, a done).
   */
  appendAll(lines: readonly JournalLine[]): void {
    for (const line of lines) applyJournalLine(this.state, line);
    if (this.path === undefined || lines.length === 0) return;
    let written: Array<WrittenLine & { text: string }> | undefined;
    const path = 'absPath' in lines[0]! ? lines[0].absPath : undefined;
    if (
      path !== undefined &&
      lines.every(
        (l) => (l.t === 'plan' || l.t === 'created' || l.t === 'part' || l.t === 'done') && l.absPath === path,
      )
    ) {
      // A one-part file's entry with its upload fits one compact line, which tells all of it: the
      // index then keeps one line per file (journal-index.ts).
      const f = this.state.files.get(path);
      const ctx: CompactContext = {
        ...this.compactCtx,
        ...(this.state.recordId !== undefined ? { recordId: this.state.recordId } : {}),
      };
      const line = f?.fileId !== undefined ? compactLineOf(f, ctx, true) : undefined;
      if (line !== undefined) written = [writtenLine(path, `${line}\n`, true)];
    }
    written ??= lines.map((l) => writtenLine('absPath' in l ? l.absPath : undefined, `${JSON.stringify(l)}\n`, false));
    if (this.fd === undefined) this.fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(this.fd, written.length === 1 ? written[0]!.text : written.map((w) => w.text).join(''));
    } catch (err) {
      throw withPath(err, this.path); // a write to a descriptor names no file: say which (ENOSPC, EROFS)
    }
    if (this.state.files instanceof DiskFileTable) this.state.files.noteWritten(written);
  }

  /**
   * Rewrites the log as a snapshot of the state, atomically (temp file, fsync, rename), streamed
   * in chunks: the text of the whole history is never built in memory. `reload`: index the new
   * file (a run goes on with it).
   */
  compact(opts: { reload?: boolean; expect?: CompactContext } = {}): void {
    this.closeFd();
    if (this.path === undefined) return;
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    // A journal with no files yet takes the header the run expects (its roots' folder, its seed),
    // so that the lines it appends are relative and name no seed: ~150 bytes each, not ~250.
    const ctx: CompactContext = {
      base: commonBase(this.state) ?? (this.state.files.size === 0 ? opts.expect?.base : undefined),
      seedId: usualSeed(this.state) ?? opts.expect?.seedId,
    };
    try {
      let chunk = '';
      for (const line of snapshotText(this.state, ctx)) {
        chunk += `${line}\n`;
        if (chunk.length >= 256 * 1024) {
          writeSync(fd, chunk);
          chunk = '';
        }
      }
      if (chunk) writeSync(fd, chunk);
      fsyncSync(fd);
    } catch (err) {
      throw withPath(err, tmp);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.closeTable();
    this.compactCtx = ctx;
    if (opts.reload) this.current = DiskFileTable.load(this.path).state;
  }

  /** Flushes the log; `compact`: rewrite it as a snapshot first (the run held the lock to the end). */
  close(opts: { compact?: boolean } = {}): void {
    if (opts.compact && this.path !== undefined) {
      this.compact();
      return;
    }
    if (this.fd !== undefined) fsyncSync(this.fd);
    this.closeFd();
    this.closeTable();
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private closeTable(): void {
    if (this.current.files instanceof DiskFileTable) this.current.files.close();
  }
}

function writtenLine(absPath: string | undefined, text: string, whole: boolean): WrittenLine & { text: string } {
  return { absPath, text, bytes: Buffer.byteLength(text), whole };
}

/** A file-system error that names no path (a write to a descriptor) gets the file's path. */
function withPath(err: unknown, path: string): unknown {
  if (
    err instanceof Error &&
    typeof (err as NodeJS.ErrnoException).code === 'string' &&
    (err as NodeJS.ErrnoException).path === undefined
  ) {
    (err as NodeJS.ErrnoException).path = path;
  }
  return err;
}
