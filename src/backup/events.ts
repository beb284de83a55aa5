import type { ScanNotice } from '../scan/local-file.js';

/** How one file ended. */
export type FileOutcomeKind =
  | 'uploaded'
  | 'rapid'
  | 'exist'
  | 'unchanged'
  | 'planned'
  | 'skipped'
  | 'conflict'
  | 'failed';

export interface FileOutcome {
  path: string; // local path relative to its root
  absPath: string;
  size: number;
  outcome: FileOutcomeKind;
  serverName?: string;
  fileId?: string;
  /** The space the server put the file in (create's answer), when it said. */
  containerId?: string;
  sha256?: string;
  bytesSent: number;
  error?: string;
}

export interface RunTotals {
  files: number;
  uploaded: number;
  rapid: number;
  exist: number;
  unchanged: number;
  skipped: number;
  conflict: number;
  failed: number;
  bytesTotal: number; // bytes of every file of the run, whatever its outcome
  bytesBackedUp: number; // bytes of the files that are stored: uploaded, rapid, exist, unchanged
  bytesSent: number; // part bytes actually PUT
  durationMs: number;
  /** Files a dry run would send (counted in `skipped` too). */
  plannedFiles?: number;
  /** Bytes of the `rapid` files (backed up without being sent). */
  bytesRapid?: number;
  /** Bytes of the `exist` files (the record held them already). */
  bytesExist?: number;
}

/** The one event stream every output mode renders. */
export type RunEvent =
  | { type: 'run:start'; recordId: string; roots: string[]; dryRun: boolean }
  | { type: 'scan:done'; files: number; bytes: number }
  | { type: 'notice'; notice: ScanNotice }
  | { type: 'file:planned'; path: string; size: number; parts: number; request?: unknown }
  | { type: 'file:start'; path: string; size: number; parts: number }
  | { type: 'part:sent'; path: string; partNumber: number; bytes: number }
  | { type: 'progress'; path: string; bytes: number } // delta of bytes sent for a file
  | { type: 'file:done'; file: FileOutcome }
  | { type: 'retry'; what: string; attempt: number; delayMs: number; reason: string }
  | { type: 'warn'; message: string }
  /** A fact the run acted on by itself; report/ phrases it (report/run-warnings.ts). */
  | { type: 'warning'; warning: RunWarning }
  /** `files`: only the files that need attention (failed, conflict); every file has had its `file:done`. */
  | { type: 'summary'; recordId: string; totals: RunTotals; files: FileOutcome[]; exitCode: number; reason?: string };

/** What the run noticed and did about it, as facts: the words are report/'s. */
export type RunWarning =
  /** The journal's plan did not match the file's bytes: hashed again, sent as it is now. */
  | { type: 'plan:stale'; path: string }
  /** The server forgot the file's upload, half-sent by an earlier run or while it was sent: sent again. */
  | { type: 'upload:forgotten'; path: string; during: 'resume' | 'send' }
  /** files/complete named parts the server lacks: those are sent again. */
  | { type: 'parts:lost'; path: string; parts: number[] }
  /** Files half-sent to the last record changed or went away: a new record is started. */
  | { type: 'record:abandoned'; recordId: string; files: number; example: string }
  /** The record holds an upload no run can finish: the files go to a new record, nothing sent again. */
  | { type: 'record:redone'; recordId: string }
  /** The lock a killed run of this machine left behind was taken over. */
  | { type: 'lock:taken-over' }
  /** The OS cannot lock the state folder: nothing stops a second upload from using it at once. */
  | { type: 'state-folder:unlocked'; stateDir: string }
  /** Releasing the lock failed (`reason` is described); it expires by itself. */
  | { type: 'lock:not-released'; reason: string };

export type EventSink = (event: RunEvent) => void;
