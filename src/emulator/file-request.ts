/** Strict reading of a createBackupFile body (reference §3.9). */
import { CODES } from './codes.js';
import { charCount, DESCRIPTION_LIMIT, NAME_LIMIT, nameRuleBroken, nameTooLong } from './rules/file-name.js';
import { FILE_SIZE_LIMIT, PART_COUNT_LIMIT, partListProblem } from './rules/part-rules.js';
import type { AutoRename, WirePart } from './wire.js';
import { optionalString, wirePartsOf, type JsonObject } from './fields.js';
import { ApiError } from './reply.js';

export interface FileRequest {
  fileName: string;
  sha256: string;
  length: number;
  proofCode?: string;
  autoRename: AutoRename;
  parts: WirePart[];
  parentFolder: string;
  containerId?: string;
  description?: string;
  mimeType?: string;
  fileType?: string | number;
}

const HEX64 = /^[0-9a-f]{64}$/;

function invalid(message: string): ApiError {
  return new ApiError(CODES.PARAMETER_INVALID, message);
}

function fileNameOf(body: JsonObject, forbidSpace: boolean): string {
  const name = body.fileName;
  if (typeof name !== 'string') throw invalid('fileName is required and must be a string');
  if (nameTooLong(name)) throw new ApiError(CODES.NAME_TOO_LONG, `fileName is longer than ${NAME_LIMIT} characters`);
  const problem = nameRuleBroken(name, forbidSpace);
  if (problem) throw invalid(problem);
  return name;
}

function lengthOf(body: JsonObject): number {
  const length = body.length;
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)
    throw invalid('length is required and must be a whole number of bytes ≥ 0');
  if (length > FILE_SIZE_LIMIT)
    throw invalid(`length ${length} exceeds the 200 GB (${FILE_SIZE_LIMIT} bytes) limit of multipart uploads`);
  return length;
}

function autoRenameOf(body: JsonObject): AutoRename {
  const value = body.autoRename ?? 2;
  if (value !== 2 && value !== 3 && value !== 4)
    throw invalid(
      'autoRename must be 2 (rename on clash), 3 (refuse on clash) or 4 (same name and sha256 → exist, else rename)',
    );
  return value;
}

function proofCodeOf(body: JsonObject, length: number): string | undefined {
  const proofCode = body.proofCode;
  if (length === 0) {
    if (proofCode === undefined || proofCode === null || proofCode === '') return undefined;
    throw invalid('proofCode must be omitted for an empty file');
  }
  if (proofCode === undefined || proofCode === null || proofCode === '')
    throw invalid('proofCode is required for a non-empty file (reference §6.1)');
  if (typeof proofCode !== 'string' || !HEX64.test(proofCode))
    throw invalid('proofCode must be 64 lowercase hex digits');
  return proofCode;
}

function parentFolderOf(body: JsonObject): string {
  const value = body.parentFolder;
  if (value === undefined || value === null) return 'root';
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v === '')) {
    throw invalid('parentFolder must be a non-empty array of folder ids, e.g. ["root"]');
  }
  return value[0] as string;
}

/** Checks every field; throws the first problem as PARAMETER_INVALID (NAME_TOO_LONG for long names). */
export function readFileRequest(body: JsonObject, forbidSpace: boolean): FileRequest {
  const fileName = fileNameOf(body, forbidSpace);
  const sha256 = body.sha256;
  if (typeof sha256 !== 'string' || !HEX64.test(sha256))
    throw invalid('sha256 is required and must be 64 lowercase hex digits');
  const length = lengthOf(body);
  if (body.uploadMode !== undefined && body.uploadMode !== 'multipart')
    throw invalid('uploadMode must be "multipart" (the only mode KooDrive documents)');
  if (body.uploadType !== undefined && body.uploadType !== 1)
    throw invalid('uploadType must be 1 (multipart); 0 and 2 are not supported');
  const autoRename = autoRenameOf(body);
  const parts = wirePartsOf(body, PART_COUNT_LIMIT);
  const partsProblem = partListProblem(parts, length);
  if (partsProblem) throw invalid(`multiParts: ${partsProblem}`);
  const proofCode = proofCodeOf(body, length);
  const description = optionalString(body, 'description');
  if (description !== undefined && charCount(description) > DESCRIPTION_LIMIT)
    throw invalid(`description is longer than ${DESCRIPTION_LIMIT} characters`);
  const containerId = optionalString(body, 'containerId');
  const mimeType = optionalString(body, 'mimeType');
  const fileType = body.fileType;
  if (fileType !== undefined && typeof fileType !== 'string' && typeof fileType !== 'number')
    throw invalid('fileType must be a string or a number');
  if (body.hidden !== undefined && body.hidden !== null && typeof body.hidden !== 'boolean')
    throw invalid('hidden must be true or false');
  optionalString(body, 'scene');
  const request: FileRequest = { fileName, sha256, length, autoRename, parts, parentFolder: parentFolderOf(body) };
  if (proofCode !== undefined) request.proofCode = proofCode;
  if (description !== undefined) request.description = description;
  if (containerId !== undefined && containerId !== '') request.containerId = containerId;
  if (mimeType !== undefined) request.mimeType = mimeType;
  if (fileType !== undefined) request.fileType = fileType;
  return request;
}
