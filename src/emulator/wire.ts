/** The emulator's own view of the wire (reference §2–§4): paths, headers and the shapes it answers. */

export const API_PREFIX = '/koodrive/ose/v1';
export const PATHS = {
  lock: `${API_PREFIX}/backup/lock`,
  record: `${API_PREFIX}/backup/record`,
  uploadUrl: `${API_PREFIX}/files/multipart/uploadUrl`,
  completeFile: `${API_PREFIX}/files/complete`,
  download: `${API_PREFIX}/files/download`,
} as const;

export const LOCK_HEADER = 'x-backup-lock-id';

/** Most fileIds one files/download call takes (reference §4.6, §9). */
export const DOWNLOAD_BATCH = 100;

/** autoRename (§3.9): 2 rename on clash, 3 refuse on clash, 4 same name and sha256 → exist, else rename. */
export type AutoRename = 2 | 3 | 4;

/** One MultiPartInfo as the request sends it (§3.9). */
export interface WirePart {
  partNumber: number;
  partOffset: number;
  partSize: number;
  hashCtx: number[];
}

/** A MultiPartInfo as answered, with its presigned URL when one was issued. */
export interface WirePartWithUrl extends WirePart {
  uploadUrl?: string;
  partId?: string;
}

/** BackupRecord (§3.4). */
export interface BackupRecord {
  recordId: string;
  moduleCode: string;
  status: number; // 0 new, 1 completed, 2 to be deleted
  properties?: string;
  version?: number;
  createTime?: string;
  endTime?: string;
  deviceInfo?: { deviceId: string; machineCode?: string; deviceName?: string; deviceOS?: string; createTime?: string };
}

/** BackupFile of listBackupFile (§3.10). */
export interface BackupFileEntry {
  fileId: string;
  fileName: string;
  sha256: string;
  size: number;
  description?: string;
  createTime?: string;
}

/** One entry of files/download's `downloads` (§4.6). */
export interface DownloadEntry {
  fileId: string;
  fileName?: string;
  url?: string;
  code: number | string;
  msg?: string;
}

const X_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** X-Date `yyyyMMdd'T'HHmmss'Z'` (UTC, §2.2) → Date; undefined unless it names a real instant (no 20251332). */
export function parseXDate(value: string): Date | undefined {
  const m = X_DATE.exec(value);
  if (!m) return undefined;
  const at = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return formatXDate(at) === value ? at : undefined;
}

/** A Date as X-Date (UTC). */
export function formatXDate(at: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${p(at.getUTCFullYear(), 4)}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}T${p(at.getUTCHours())}` +
    `${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}Z`
  );
}
