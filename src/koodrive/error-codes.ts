/**
 * KooDrive result codes. The 130xxxxx codes are documented (reference §2.4). Codes for cases the
 * documentation does not cover are our own and live in the 1399xxxx range; the emulator answers
 * them and the client understands them (docs/emulator.md lists them).
 */
export const CODES = {
  SUCCESS: 0,
  BAD_REQUEST: 13000101,
  PARAMETER_INVALID: 13000102,
  INNER_INVOKE_FAILURE: 13000201,
  CONTAINER_NOT_EXIST_OR_STATE_ERROR: 13000301, // the space (containerId) does not exist or is abnormal
  TARGET_FOLDER_ABNORMAL: 13000304, // the target directory (parentFolder) is abnormal / unknown
  RESOURCE_NOT_FOUND: 13000309,
  INSUFFICIENT_SPACE: 13000311,
  NOT_EXIST_UPLOAD_TASK: 13000401,
  FILE_COMPLETE_CHECK_FAILURE: 13000402,
  CHANGE_FILE_STATE_FAILURE: 13000403,
  DUPLICATE_FILE_NAME: 13000405, // autoRename 3 and the name is taken; the body carries existFileId
  DOWNLOAD_ADDRESS_MISSING: 13000407, // no download address (the file is not complete)
  NAME_TOO_LONG: 13000417,
  // Our own range (not published by Huawei):
  AUTH_FAILED: 13990001, // missing/invalid token or signature
  USER_ID_MISMATCH: 13990002, // X-User-Id missing or not the token's user
  X_DATE_INVALID: 13990003, // X-Date missing, malformed, in the future or older than the window
  LOCK_REQUIRED: 13990010, // x-backup-lock-id missing
  LOCK_NOT_FOUND: 13990011, // unknown or foreign lock id
  LOCK_EXPIRED: 13990012,
  LOCK_BUSY: 13990013, // another lock is held for this user and module
  RECORD_NOT_FOUND: 13990020,
  RECORD_COMPLETED: 13990021, // the record is already completed
  RECORD_FILES_INCOMPLETE: 13990022, // completeBackup while a file is still uploading
  PROOF_CODE_INVALID: 13990030,
  HASH_CTX_MISMATCH: 13990031, // a PUT part does not continue from its hashCtx to the next one
  FILE_EXISTS: 13990032, // autoRename 3 and the name is taken (older emulators; now DUPLICATE_FILE_NAME)
  RATE_LIMITED: 13990040, // injected throttling
  INJECTED_FAULT: 13990041, // injected server error
} as const;

/** Codes worth retrying: the server may answer differently next time. */
export const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  CODES.INNER_INVOKE_FAILURE,
  CODES.RATE_LIMITED,
  CODES.INJECTED_FAULT,
]);

/** Codes that mean our credentials or clock are wrong: no retry helps. */
export const AUTH_CODES: ReadonlySet<number> = new Set([
  CODES.AUTH_FAILED,
  CODES.USER_ID_MISMATCH,
  CODES.X_DATE_INVALID,
]);
