/** KooDriveError: what failed, whether retrying can help, and what the user should do. */
import { redact, type Secret } from '../util/secret.js';
import { isTransientHttp } from '../retry/retry-policy.js';
import { CODES, TRANSIENT_CODES } from './error-codes.js';

export type KooDriveErrorKind =
  | 'auth'
  | 'clock'
  | 'lock-busy'
  | 'lock-lost'
  | 'conflict'
  | 'validation'
  | 'not-found'
  | 'transient'
  | 'other';

export interface KooDriveErrorFields {
  /** The server's code (number or string) — undefined when there was no usable answer. */
  code: number | string | undefined;
  /** The server's msg, or a description of the network failure. */
  msg: string;
  /** HTTP status, undefined when no response arrived. */
  httpStatus: number | undefined;
  /** The call in words, e.g. "create backup file". */
  call: string;
  kind: KooDriveErrorKind;
  transient: boolean;
  /** A wait the server asked for (Retry-After). */
  retryAfterMs?: number;
}

/** A failed KooDrive API call. The message is one line, names the call and says what to do. */
export class KooDriveError extends Error implements KooDriveErrorFields {
  override readonly name = 'KooDriveError';
  readonly code: number | string | undefined;
  readonly msg: string;
  readonly httpStatus: number | undefined;
  readonly call: string;
  readonly kind: KooDriveErrorKind;
  readonly transient: boolean;
  readonly retryAfterMs?: number;

  constructor(fields: KooDriveErrorFields, message: string) {
    super(message);
    this.code = fields.code;
    this.msg = fields.msg;
    this.httpStatus = fields.httpStatus;
    this.call = fields.call;
    this.kind = fields.kind;
    this.transient = fields.transient;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
  }
}

/*
 * What a failed call means for the caller, beside the class (rclone's fserrors, restic's
 * IsAlreadyLocked): each is false for anything that is not a KooDriveError.
 */

/** The backup lock is held by another run. */
export function isLockBusy(err: unknown): boolean {
  return err instanceof KooDriveError && err.kind === 'lock-busy';
}

/** The lock this run used is unknown, released or expired. */
export function isLockLost(err: unknown): boolean {
  return err instanceof KooDriveError && err.kind === 'lock-lost';
}

/** No further call of this run can succeed (refused credentials, a clock the server rejects, a lost lock). */
export function isFatal(err: unknown): boolean {
  return err instanceof KooDriveError && (err.kind === 'auth' || err.kind === 'clock' || err.kind === 'lock-lost');
}

/** The server no longer knows the upload (13000401 from uploadUrl or complete): purged, or finished already. */
export function isUploadTaskGone(err: unknown): boolean {
  return err instanceof KooDriveError && numericCode(err.code) === CODES.NOT_EXIST_UPLOAD_TASK;
}

/** The create call refused the name because it is taken (autoRename 3). */
export function isNameTaken(err: unknown): boolean {
  const code = err instanceof KooDriveError ? numericCode(err.code) : undefined;
  return code === CODES.FILE_EXISTS || code === CODES.DUPLICATE_FILE_NAME;
}

/** completeBackup refused because one of the record's uploads is unfinished. */
export function isRecordIncomplete(err: unknown): boolean {
  return err instanceof KooDriveError && numericCode(err.code) === CODES.RECORD_FILES_INCOMPLETE;
}

/**
 * files/complete answered 13000402 because parts are missing: their numbers when the message lists
 * them all ("part(s) 2, 5 not uploaded"), else 'all' (a shortened list, or no list at all).
 * Undefined for any other error.
 */
export function partsNotUploaded(err: unknown): number[] | 'all' | undefined {
  if (!(err instanceof KooDriveError) || numericCode(err.code) !== CODES.FILE_COMPLETE_CHECK_FAILURE) return undefined;
  const listed = /part\(s\) ([\d, ]+?)( not uploaded|, …)/.exec(err.message);
  if (!listed || listed[2] !== ' not uploaded') return 'all';
  return listed[1]!
    .split(',')
    .map((n) => Number(n.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

const KIND_BY_CODE = new Map<number, KooDriveErrorKind>([
  [CODES.AUTH_FAILED, 'auth'],
  [CODES.USER_ID_MISMATCH, 'auth'],
  [CODES.X_DATE_INVALID, 'clock'],
  [CODES.LOCK_BUSY, 'lock-busy'],
  [CODES.LOCK_REQUIRED, 'lock-lost'],
  [CODES.LOCK_NOT_FOUND, 'lock-lost'],
  [CODES.LOCK_EXPIRED, 'lock-lost'],
  [CODES.DUPLICATE_FILE_NAME, 'conflict'],
  [CODES.FILE_EXISTS, 'conflict'],
  [CODES.RECORD_COMPLETED, 'conflict'],
  [CODES.RECORD_FILES_INCOMPLETE, 'conflict'],
  [CODES.BAD_REQUEST, 'validation'],
  [CODES.PARAMETER_INVALID, 'validation'],
  [CODES.NAME_TOO_LONG, 'validation'],
  [CODES.PROOF_CODE_INVALID, 'validation'],
  [CODES.HASH_CTX_MISMATCH, 'validation'],
  [CODES.FILE_COMPLETE_CHECK_FAILURE, 'validation'],
  [CODES.RESOURCE_NOT_FOUND, 'not-found'],
  [CODES.RECORD_NOT_FOUND, 'not-found'],
  [CODES.NOT_EXIST_UPLOAD_TASK, 'not-found'],
]);

// Advice for codes whose generic kind advice would mislead.
const ADVICE_BY_CODE = new Map<number, string>([
  [
    CODES.FILE_COMPLETE_CHECK_FAILURE,
    'the uploaded parts do not add up to the planned SHA-256: the file changed during the upload or a part ' +
      'was damaged; back it up again',
  ],
  [CODES.PROOF_CODE_INVALID, 'the proofCode was refused: check the proofSeed setting (X-User-Id or Authorization)'],
  [
    CODES.HASH_CTX_MISMATCH,
    'a part does not continue the SHA-256 state of the one before: the file changed during the upload; ' +
      'back it up again',
  ],
  [CODES.INSUFFICIENT_SPACE, 'the KooDrive space is full: free space or enlarge the quota'],
  [
    CODES.RECORD_FILES_INCOMPLETE,
    'some files of the record are still uploading: run the same upload again to finish them, then complete the record',
  ],
  [CODES.RECORD_COMPLETED, 'the backup record is already completed: start a new record (omit --record-id)'],
  [CODES.NOT_EXIST_UPLOAD_TASK, 'the upload task is gone (it may have expired): upload the file again'],
]);

// Refusals a user can fix, recognised by the server's message (docs/decisions.md, "Spaces in names").
const ADVICE_BY_MESSAGE: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /fileName "[^"]*" contains a space/,
    'this KooDrive refuses spaces in file names (the rule of the English API page; the Chinese original ' +
      "allows them): rename the file without spaces, or leave such files out with --exclude '* *'",
  ],
];

const KIND_ADVICE: Record<KooDriveErrorKind, string> = {
  auth: '', // filled from the credentials in use
  clock: '', // filled from the measured offset
  // Command-neutral: upload adds its --wait-lock (describeUploadError); lock create has no such flag.
  'lock-busy':
    'another backup holds the lock of this account; wait for it to finish and run again (a lock expires 10 ' +
    'min after its last renewal)',
  'lock-lost':
    'the backup lock is missing or expired (the run stalled or another client took over); run the backup again',
  conflict:
    'a file or record with this name or state already exists; choose another name policy (autoRename) or record',
  validation: 'the server refused the request as invalid; this is probably a bug in koodrive-backup — please report it',
  'not-found':
    'the record, file or upload task does not exist (any more); check the record id (koodrive-backup ' +
    'records list shows them), or run the backup again',
  transient: 'KooDrive is busy or unreachable; it was retried — try again later',
  other: 'see the server message',
};

/** The numeric value of a code sent as number or numeric string; undefined otherwise. */
export function numericCode(code: number | string | undefined): number | undefined {
  if (typeof code === 'number') return code;
  if (typeof code === 'string' && /^-?\d+$/.test(code.trim())) return Number(code.trim());
  return undefined;
}

/** True when `code` means success (0 or "0"). */
export function isSuccessCode(code: number | string | undefined): boolean {
  return numericCode(code) === 0;
}

/**
 * The kind of an API gateway code ("APIGW.0308"), whatever the HTTP status it came with: refused
 * credentials (0301–0307) are 'auth'; a missing API or backend (01xx) and a request too large or
 * malformed for the gateway (0201–0204) are 'other'; everything else — throttling (0308), backend
 * unavailable or timed out (0205, 0206), gateway faults — is 'transient'. Undefined for other codes.
 */
export function gatewayKindOf(code: number | string | undefined): KooDriveErrorKind | undefined {
  if (typeof code !== 'string') return undefined;
  const m = /^APIGW\.?(\d*)/i.exec(code.trim());
  if (!m) return undefined;
  const n = m[1] ? Number(m[1]) : undefined;
  if (n !== undefined && n >= 301 && n <= 307) return 'auth';
  if (n !== undefined && ((n >= 100 && n < 200) || (n >= 201 && n <= 204))) return 'other';
  return 'transient';
}

/** Sorts a server answer into a kind: by code first, by HTTP status when the code says nothing. */
export function kindOf(code: number | string | undefined, httpStatus: number | undefined): KooDriveErrorKind {
  const gateway = gatewayKindOf(code);
  if (gateway) return gateway;
  const n = numericCode(code);
  if (n !== undefined && TRANSIENT_CODES.has(n)) return 'transient';
  const byCode = n !== undefined ? KIND_BY_CODE.get(n) : undefined;
  if (byCode) return byCode;
  if (httpStatus !== undefined && isTransientHttp(httpStatus)) return 'transient';
  if (httpStatus === 401 || httpStatus === 403) return 'auth';
  if (httpStatus === 404) return 'not-found';
  if (httpStatus === 409) return 'conflict';
  if (httpStatus === 400 && n === undefined) return 'validation';
  return 'other';
}

export interface ResponseErrorInput {
  call: string;
  httpStatus: number;
  code: number | string | undefined;
  msg: string;
  retryAfterMs?: number;
  /** Server clock minus the clock X-Date was made from (ours plus clockSkewMs), from the Date header. */
  serverOffsetMs?: number;
  /** The --clock-skew in use, so the clock advice can name the value that fixes it (0 when left out). */
  clockSkewMs?: number;
  credentialsHint: string;
  secrets: ReadonlyArray<Secret>;
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** A skew for --clock-skew, in whole seconds rounded to 10 (the Date header has 1 s resolution). */
function skewText(ms: number): string {
  return `${Math.round(ms / 10_000) * 10}s`;
}

function minutesOff(offsetMs: number): string {
  return `${Math.round(Math.abs(offsetMs) / 60_000)} min ${offsetMs > 0 ? 'behind' : 'ahead of'}`;
}

/**
 * What to do about a refused X-Date. `offsetMs` is measured against the X-Date sent, which already
 * includes `skewMs`; so this machine's own clock is off by offsetMs + skewMs, and that sum is the
 * --clock-skew that fixes it (0: the clock is right and the skew given is what broke it).
 */
function clockAdvice(offsetMs: number | undefined, skewMs = 0): string {
  const skewNote = skewMs === 0 ? '' : ` (with --clock-skew=${skewText(skewMs)} applied)`;
  if (offsetMs === undefined || Math.abs(offsetMs) < 60_000) {
    return (
      `X-Date was refused: this machine's ` +
      `clock${skewNote} must be within 15 min of UTC; fix the clock or set --clock-skew`
    );
  }
  if (skewMs === 0) {
    return (
      `the clock of this machine is ` +
      `${minutesOff(offsetMs)} the server's; fix the clock or set --clock-skew=${skewText(offsetMs)}`
    );
  }
  const machineOffset = offsetMs + skewMs;
  const head = `X-Date${skewNote} was ${minutesOff(offsetMs)} the server's clock`;
  if (Math.abs(machineOffset) < 60_000)
    return `${head}; this machine's clock is right: leave out --clock-skew (or set --clock-skew=0s)`;
  return (
    `${head}; the clock of this machine is ${minutesOff(machineOffset)} the server's: fix the clock or set ` +
    `--clock-skew=${skewText(machineOffset)}`
  );
}

/** The error for an answer with a non-zero code or an unusable body. */
export function errorFromResponse(input: ResponseErrorInput): KooDriveError {
  if (input.code === undefined && HTML_ANSWER.test(input.msg)) return htmlAnswerError(input);
  const kind = kindOf(input.code, input.httpStatus);
  const n = numericCode(input.code);
  const advice =
    ADVICE_BY_MESSAGE.find(([pattern]) => pattern.test(input.msg))?.[1] ??
    (n !== undefined ? ADVICE_BY_CODE.get(n) : undefined) ??
    (kind === 'auth'
      ? `KooDrive refused the credentials; ${input.credentialsHint}`
      : kind === 'clock'
        ? clockAdvice(input.serverOffsetMs, input.clockSkewMs)
        : KIND_ADVICE[kind]);
  const msg = redact(oneLine(input.msg), input.secrets);
  const codeText = input.code === undefined ? '' : `code ${input.code}, `;
  const message = `${input.call} failed: ${msg || 'no message'} (${codeText}HTTP ${input.httpStatus}). ${advice}`;
  return new KooDriveError(
    {
      code: input.code,
      msg,
      httpStatus: input.httpStatus,
      call: input.call,
      kind,
      transient: kind === 'transient',
      retryAfterMs: input.retryAfterMs,
    },
    message,
  );
}

/** The start of a body that is a web page, not a KooDrive JSON envelope (transport: "unexpected answer: …"). */
const HTML_ANSWER = /^unexpected answer:\s*(<!doctype html|<html|<head|<body|<\?xml|<title)/i;

/**
 * A web page where the API should answer: the endpoint is a website, a login portal or a proxy.
 * A gateway's error page (502–504) is still retried as a busy server; anything else is final.
 */
function htmlAnswerError(input: ResponseErrorInput): KooDriveError {
  const transient = isTransientHttp(input.httpStatus);
  const advice = transient
    ? 'a proxy or gateway answered with an error page; it was retried — if this persists, check --endpoint ' +
      '(KOODRIVE_ENDPOINT) and any proxy in between'
    : 'this is not the KooDrive API; check --endpoint (KOODRIVE_ENDPOINT): it must be the API base URL, e.g. ' +
      'https://intl.myhuaweicloud-koodrive.com, or a local emulator';
  return new KooDriveError(
    {
      code: undefined,
      msg: 'an HTML page',
      httpStatus: input.httpStatus,
      call: input.call,
      kind: transient ? 'transient' : 'other',
      transient,
      ...(input.retryAfterMs !== undefined ? { retryAfterMs: input.retryAfterMs } : {}),
    },
    `${input.call} failed: the endpoint answered with an HTML page, not KooDrive JSON (HTTP ` +
      `${input.httpStatus}); ${advice}`,
  );
}

// Reasons that point at the endpoint itself rather than at a passing network problem.
const NETWORK_ADVICE: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^via the proxy |^the proxy .* refused the tunnel/,
    'check the proxy in HTTPS_PROXY / HTTP_PROXY (and NO_PROXY for hosts reached directly)',
  ],
  [
    /ECONNREFUSED/,
    'nothing is listening there: check the endpoint URL and port (--endpoint or KOODRIVE_ENDPOINT) and ' +
      'that the server is running',
  ],
  [
    /ENOTFOUND|EAI_AGAIN/,
    'the host name does not resolve: check the endpoint URL (--endpoint or KOODRIVE_ENDPOINT) and DNS',
  ],
  [
    /CERT|SSL|TLS|self[- ]signed/i,
    'the TLS connection failed: check that the endpoint URL is the KooDrive API and that its certificate ' +
      'is trusted (--ca-file or NODE_EXTRA_CA_CERTS for a private CA)',
  ],
];

/** The error for a request that got no answer (refused, reset, timed out). */
export function errorFromNetwork(
  call: string,
  host: string,
  reason: string,
  transient: boolean,
  secrets: ReadonlyArray<Secret>,
): KooDriveError {
  const safeReason = redact(oneLine(reason), secrets);
  const specific = NETWORK_ADVICE.find(([pattern]) => pattern.test(safeReason))?.[1];
  const general = transient ? 'check the network and the endpoint URL' : 'check the endpoint URL and the network';
  const advice = `${specific ?? general}${transient ? '; it was retried — run again later' : ''}`;
  return new KooDriveError(
    {
      code: undefined,
      msg: safeReason,
      httpStatus: undefined,
      call,
      kind: transient ? 'transient' : 'other',
      transient,
    },
    `${call} failed: no answer from ${host} (${safeReason}). ${advice}`,
  );
}
