import type { WirePart } from '../hash/part-rules.js';
import type { CreateFileRequest, CreateFileResponse, WirePartWithUrl } from '../koodrive/wire-types.js';
import type { FilePlan, PartPlan } from '../hash/file-plan.js';
import type { LocalFile } from '../scan/local-file.js';

/** The server calls a run makes per file (the KooDrive client implements them). */
export interface FileApi {
  createBackupFile(recordId: string, request: CreateFileRequest): Promise<CreateFileResponse>;
  getUploadUrls(fileId: string, parts: WirePart[]): Promise<WirePartWithUrl[]>;
  completeFile(fileId: string, sha256: string): Promise<void>;
}

/** Sends one part's bytes to its presigned URL; resolves once the storage accepted them. */
export type PartSender = (args: {
  url: string;
  file: LocalFile;
  plan: FilePlan;
  part: PartPlan;
  signal: AbortSignal;
  onProgress: (bytes: number) => void;
}) => Promise<void>;

/** How a part PUT failed, as far as the retry loop cares. */
export interface PartFailure {
  expired: boolean;
  transient: boolean;
  retryAfterMs?: number;
}

/** Plans a file (hashing it), possibly in a worker. */
export type FilePlanner = (file: LocalFile, signal: AbortSignal) => Promise<FilePlan>;
