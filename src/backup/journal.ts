import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FilePlan } from '../hash/file-plan.js';
import { multiPartsProblem } from '../hash/part-rules.js';

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
  files: Map<string, JournalFile>;
}

/** The journal's file name for one target and set of roots. */
export function journalPath(stateDir: string, key: { endpoint: string; userId: string; roots: string[] }): string {
  const id = createHash('sha256').update(JSON.stringify([key.endpoint, key.userId, [...key.roots].sort()])).digest('hex').slice(0, 24);
  return join(stateDir, 'journals', `${id}.ndjson`);
}

/** A stable, non-reversible id for a proofCode seed value. */
export function seedIdOf(seed: string): string {
  return createHash('sha256').update(`koodrive-proof-seed:${seed}`).digest('hex').slice(0, 16);
}

/** Folds journal lines into state (pure). */
export function foldJournal(lines: Iterable<JournalLine>): JournalState {
  const state: JournalState = { recordComplete: false, roots: [], files: new Map() };
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
      for (const f of state.files.values()) clearUpload(f);
      break;
    case 'record-complete':
      if (state.recordId === line.recordId) state.recordComplete = true;
      break;
    case 'plan': {
      // A plan that cannot be right (a line damaged on disk) is no plan: the file is hashed again.
      if (!isWellFormedPlan(line.plan, line.size)) break;
      const previous = entry(line.absPath);
      const next: JournalFile = { absPath: line.absPath, size: line.size, mtimeMs: line.mtimeMs, ino: line.ino, plan: line.plan, seedId: line.seedId, partsDone: [] };
      const sameContent = previous && previous.size === line.size && previous.mtimeMs === line.mtimeMs && previous.ino === line.ino && previous.plan?.sha256 === line.plan.sha256;
      if (sameContent) Object.assign(next, { recordId: previous.recordId, fileId: previous.fileId, serverName: previous.serverName, partsDone: previous.partsDone, outcome: previous.outcome });
      state.files.set(line.absPath, next);
      break;
    }
    case 'created': {
      const f = entry(line.absPath);
      if (f) Object.assign(f, { recordId: line.recordId, fileId: line.fileId, serverName: line.serverName, partsDone: [], outcome: undefined });
      break;
    }
    case 'part': {
      const f = entry(line.absPath);
      if (f && f.fileId === line.fileId && !f.partsDone.includes(line.partNumber)) f.partsDone.push(line.partNumber);
      break;
    }
    case 'done': {
      const f = entry(line.absPath);
      if (f) Object.assign(f, { recordId: line.recordId, fileId: line.fileId, serverName: line.serverName, outcome: line.outcome });
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
  scanned: ReadonlyArray<{ absPath: string; size: number; mtimeMs: number; ino: number }> | ((absPath: string) => { size: number; mtimeMs: number; ino: number } | undefined),
): string[] {
  const byPath = typeof scanned === 'function' ? undefined : new Map(scanned.map((f) => [f.absPath, f]));
  const lookup = typeof scanned === 'function' ? scanned : (absPath: string) => byPath!.get(absPath);
  const abandoned: string[] = [];
  for (const f of state.files.values()) {
    if (f.recordId !== recordId || !f.fileId || f.outcome) continue;
    const local = lookup(f.absPath);
    if (!local || local.size !== f.size || local.mtimeMs !== f.mtimeMs || local.ino !== f.ino) abandoned.push(f.absPath);
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

/** Parses log text; a torn or foreign line (crash mid-write) is skipped, never fatal. */
export function parseJournal(text: string): JournalLine[] {
  const lines: JournalLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      const value = JSON.parse(raw) as JournalLine;
      if (value && typeof value === 'object' && typeof value.t === 'string') lines.push(value);
    } catch {
      // torn last line after a crash: ignore
    }
  }
  return lines;
}

/** The lines that rebuild a state (used to compact the log). */
export function snapshotLines(state: JournalState): JournalLine[] {
  const lines: JournalLine[] = [];
  if (state.recordId) {
    lines.push({ t: 'record', recordId: state.recordId, roots: state.roots });
  }
  for (const f of state.files.values()) {
    if (f.plan && f.seedId) lines.push({ t: 'plan', absPath: f.absPath, size: f.size, mtimeMs: f.mtimeMs, ino: f.ino, seedId: f.seedId, plan: f.plan });
    if (f.recordId && f.recordId === state.recordId && f.fileId && f.serverName !== undefined && !f.outcome) {
      lines.push({ t: 'created', absPath: f.absPath, recordId: f.recordId, fileId: f.fileId, serverName: f.serverName });
      for (const n of f.partsDone) lines.push({ t: 'part', absPath: f.absPath, fileId: f.fileId, partNumber: n });
    }
    if (f.outcome && f.recordId && f.recordId === state.recordId) {
      lines.push({ t: 'done', absPath: f.absPath, recordId: f.recordId, fileId: f.fileId, serverName: f.serverName, outcome: f.outcome });
    }
  }
  if (state.recordId && state.recordComplete) lines.push({ t: 'record-complete', recordId: state.recordId });
  return lines;
}

/** An open journal: appends are synchronous so a fact is on disk before the next step relies on it. */
export class Journal {
  private fd: number | undefined;

  private constructor(readonly path: string | undefined, readonly state: JournalState) {}

  /**
   * A journal that writes nothing (dry runs): it starts from what `path` holds, if given and
   * readable, so a dry run can tell the files the last run sent from the ones it would send.
   */
  static inMemory(path?: string): Journal {
    let state = foldJournal([]);
    try {
      if (path !== undefined && existsSync(path)) state = foldJournal(parseJournal(readFileSync(path, 'utf8')));
    } catch {
      // unreadable: plan every file, as without a journal
    }
    return new Journal(undefined, state);
  }

  /** Loads (and compacts) the journal at `path`; `fresh` ignores what it held (--no-resume). */
  static open(path: string, opts: { fresh?: boolean } = {}): Journal {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const state = !opts.fresh && existsSync(path) ? foldJournal(parseJournal(readFileSync(path, 'utf8'))) : foldJournal([]);
    const journal = new Journal(path, state);
    journal.compact();
    return journal;
  }

  /** Records a fact: applied to the in-memory state and appended to the log. */
  append(line: JournalLine): void {
    applyJournalLine(this.state, line);
    if (this.path === undefined) return;
    if (this.fd === undefined) this.fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(this.fd, `${JSON.stringify(line)}\n`);
    } catch (err) {
      throw withPath(err, this.path); // a write to a descriptor names no file: say which (ENOSPC, EROFS)
    }
  }

  /** Rewrites the log as a snapshot of the state, atomically. */
  compact(): void {
    this.closeFd();
    if (this.path === undefined) return;
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      const text = snapshotLines(this.state).map((l) => JSON.stringify(l)).join('\n');
      writeSync(fd, text ? `${text}\n` : '');
      fsyncSync(fd);
    } catch (err) {
      throw withPath(err, tmp);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }

  close(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A file-system error that names no path (a write to a descriptor) gets the file's path. */
function withPath(err: unknown, path: string): unknown {
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).path === undefined) {
    (err as NodeJS.ErrnoException).path = path;
  }
  return err;
}
