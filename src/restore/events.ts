/** The restore's event stream: every output mode renders these (report/restore-sink.ts). */

export type RestoreOutcomeKind = 'restored' | 'unchanged' | 'failed';

export interface RestoreTotals {
  files: number;
  restored: number;
  unchanged: number;
  failed: number;
  /** Server paths the path guard refused (counted in failed too). */
  refused: number;
  folders: number;
  links: number;
  /** Bytes of every file of the plan. */
  bytesTotal: number;
  /** Bytes actually downloaded (retries included). */
  bytesDownloaded: number;
  durationMs: number;
}

export type RestoreEvent =
  | { type: 'restore:start'; recordId: string; dest: string; files: number; bytes: number; manifest: boolean }
  | { type: 'progress'; bytes: number }
  | { type: 'file:done'; path: string; outcome: RestoreOutcomeKind; size: number; error?: string }
  | { type: 'retry'; what: string; attempt: number; delayMs: number; reason: string }
  | { type: 'warn'; message: string }
  | { type: 'summary'; recordId: string; dest: string; totals: RestoreTotals; exitCode: number; reason?: string };

export type RestoreSink = (event: RestoreEvent) => void;
