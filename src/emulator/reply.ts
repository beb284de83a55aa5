/** What a handler answers, and the typed error that becomes a KooDrive {code, msg} answer. */
import { AUTH_CODES, CODES } from './codes.js';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** JSON body. */
  json?: unknown;
  /** Raw body (S3-style XML for PUTs). */
  text?: string;
  contentType?: string;
}

/** A refusal of an API call: HTTP 401 for auth codes, 400 otherwise (unless given). */
export class ApiError extends Error {
  readonly httpStatus: number;

  constructor(
    readonly code: number,
    message: string,
    httpStatus?: number,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.httpStatus = httpStatus ?? (AUTH_CODES.has(code) ? 401 : 400);
  }
}

/** A refusal of a presigned-URL PUT, answered S3-style in XML. */
export class S3Error extends Error {
  /** Extra response headers (e.g. Connection: close when the body was not read). */
  headers: Record<string, string> = {};

  constructor(
    readonly httpStatus: number,
    readonly s3Code: string,
    message: string,
    /** Our KooDrive code where one applies (e.g. HASH_CTX_MISMATCH). */
    readonly koodriveCode?: number,
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

/** Success envelope: code 0 plus fields. */
export function ok(fields: Record<string, unknown> = {}, msg = 'success'): Reply {
  return { status: 200, json: { code: CODES.SUCCESS, msg, ...fields } };
}

export function apiErrorReply(err: ApiError): Reply {
  return { status: err.httpStatus, json: { code: err.code, msg: err.message, ...err.extra } };
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function s3ErrorReply(err: S3Error): Reply {
  const ours = err.koodriveCode === undefined ? '' : `<KooDriveCode>${err.koodriveCode}</KooDriveCode>`;
  const text =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${xmlEscape(err.s3Code)}</Code><Message>${xmlEscape(err.message)}</Message>${ours}</Error>`;
  const headers = {
    ...err.headers,
    ...(err.koodriveCode === undefined ? {} : { 'x-koodrive-code': String(err.koodriveCode) }),
  };
  return { status: err.httpStatus, text, contentType: 'application/xml', headers };
}
