/** Wire shapes of the KooDrive calls we use (reference §3, §4). Shared by the client and the emulator. */
import type { WirePart } from '../hash/part-rules.js';

export const API_PREFIX = '/koodrive/ose/v1';
export const PATHS = {
  lock: `${API_PREFIX}/backup/lock`,
  record: `${API_PREFIX}/backup/record`,
  recordById: (recordId: string) => `${API_PREFIX}/backup/record/${encodeURIComponent(recordId)}`,
  recordFile: (recordId: string) => `${API_PREFIX}/backup/record/${encodeURIComponent(recordId)}/file`,
  recordFiles: (recordId: string) => `${API_PREFIX}/backup/record/${encodeURIComponent(recordId)}/files`,
  uploadUrl: `${API_PREFIX}/files/multipart/uploadUrl`,
  completeFile: `${API_PREFIX}/files/complete`,
  download: `${API_PREFIX}/files/download`,
} as const;

export const LOCK_HEADER = 'x-backup-lock-id';
export const MODULE_FOLDER_BACKUP = '100';

/** autoRename policies: 2 rename on clash, 3 refuse on clash, 4 same name+sha256 → exist, else rename. */
export type AutoRename = 2 | 3 | 4;

/** Every response carries these; code may be a number or a string, 0 = success. */
export interface Envelope {
  code: number | string;
  msg: string;
}

export interface CreateLockResponse extends Envelope {
  data: { lockId: string };
}

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

export interface CreateRecordRequest {
  moduleCode: string;
  deviceId: string;
  properties?: string;
}

export interface RecordResponse extends Envelope {
  data: BackupRecord;
}

export interface ListRecordsResponse extends Envelope {
  data: BackupRecord[];
  nextCursor?: string;
}

export interface CreateFileRequest {
  fileName: string;
  sha256: string;
  length: number;
  proofCode?: string;
  uploadMode: 'multipart';
  uploadType: 1;
  autoRename: AutoRename;
  multiParts: WirePart[];
  parentFolder?: string[];
  containerId?: string;
  description?: string;
  mimeType?: string;
  fileType?: string;
}

export interface WirePartWithUrl extends WirePart {
  uploadUrl?: string;
  partId?: string;
}

export interface CreateFileResponse extends Envelope {
  fileId: string;
  fileName: string;
  rapidUpload?: boolean;
  exist?: boolean;
  existFileId?: string;
  uploadId?: string;
  containerId?: string;
  parentFolder?: string[];
  matchedPreHash?: boolean;
  multiParts?: WirePartWithUrl[];
}

export interface UploadUrlRequest {
  fileId: string;
  multiParts: WirePart[];
}

export interface UploadUrlResponse extends Envelope {
  multiParts: WirePartWithUrl[];
}

export interface CompleteFileRequest {
  fileId: string;
  sha256?: string;
}

export interface BackupFileEntry {
  fileId: string;
  fileName: string;
  sha256: string;
  size: number;
  description?: string;
  createTime?: string;
}

export interface ListFilesResponse extends Envelope {
  data: BackupFileEntry[];
  nextCursor?: string;
}

/** POST files/download (reference §4.6): download links for up to 100 files of one space. */
export interface DownloadRequest {
  containerId: string;
  fileIds: string[];
}

/** One file's answer: a presigned GET `url` when `code` is 0, else no url and the reason. */
export interface DownloadEntry {
  fileId: string;
  fileName?: string;
  url?: string;
  code: number | string;
  msg?: string;
}

/** batchCode: 0 some failed, 1 all succeeded, 2 all failed. */
export interface DownloadResponse extends Envelope {
  batchCode: number;
  downloads: DownloadEntry[];
}

/** Most fileIds one files/download call takes (reference §9). */
export const DOWNLOAD_BATCH = 100;

/** X-Date in `yyyyMMdd'T'HHmmss'Z'`, UTC. */
export function formatXDate(at: Date): string {
  // Every request carries one, and many requests fall in the same second: format each second once.
  const second = Math.floor(at.getTime() / 1000);
  if (second !== lastXDate.second || Number.isNaN(second)) {
    lastXDate.second = second;
    lastXDate.text = at
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  }
  return lastXDate.text;
}
const lastXDate = { second: Number.NaN, text: '' };

/** Parses an X-Date value; undefined when it is not in the documented format. */
export function parseXDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const at = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!));
  return Number.isNaN(at.getTime()) ? undefined : at;
}
