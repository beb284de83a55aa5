/** Who may call: X-Date window, token or app signature, X-User-Id, and the proofCode seed. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CODES } from './codes.js';
import { expectedSignature, readAppAuthorization } from './rules/app-signature.js';
import { parseXDate } from './wire.js';
import { headerValue } from './http-io.js';
import { ApiError } from './reply.js';

export interface AuthSettings {
  auth: 'token' | 'app';
  token?: string;
  appId?: string;
  appSecret?: string;
  userId: string;
  proofSeed: 'userId' | 'authorization' | 'authorizationBareToken';
  xDateWindowSeconds: number;
  allowedFutureSkewSeconds: number;
}

/** What the auth check needs of the request. */
export interface AuthInput {
  req: IncomingMessage;
  /** The path as received, still %-escaped. */
  path: string;
  query: ReadonlyArray<[string, string]>;
  body: Buffer;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** X-Date must be present, well-formed, not in the future (beyond the skew) and not too old. */
export function checkXDate(req: IncomingMessage, settings: AuthSettings, now: Date): void {
  const raw = headerValue(req, 'x-date');
  if (raw === undefined)
    throw new ApiError(CODES.X_DATE_INVALID, 'X-Date header is missing; send the current UTC time as yyyyMMddTHHmmssZ');
  const at = parseXDate(raw);
  if (!at)
    throw new ApiError(
      CODES.X_DATE_INVALID,
      `X-Date "${raw}" is not in the format yyyyMMddTHHmmssZ (UTC), e.g. 20251103T070140Z`,
    );
  const ageSeconds = (now.getTime() - at.getTime()) / 1000;
  if (ageSeconds > settings.xDateWindowSeconds) {
    throw new ApiError(
      CODES.X_DATE_INVALID,
      `X-Date ${raw} is ${Math.round(ageSeconds)} s old; at most ${settings.xDateWindowSeconds} s are allowed ` +
        `(check the clock, send a fresh X-Date on every retry)`,
    );
  }
  if (-ageSeconds > settings.allowedFutureSkewSeconds) {
    throw new ApiError(
      CODES.X_DATE_INVALID,
      `X-Date ${raw} is ${Math.round(-ageSeconds)} s in the future; check this machine's clock`,
    );
  }
}

/** The bare token of a token-mode Authorization value ("Bearer <t>", "Bearer+<t>", "bearer <t>" or "<t>"). */
export function bareToken(authorization: string): string {
  const m = /^bearer(?:\s+|\+)(.*)$/i.exec(authorization.trim());
  return (m ? m[1]! : authorization).trim();
}

/** Checks Authorization (token or app signature); never echoes what was sent. */
export function checkAuthorization(input: AuthInput, settings: AuthSettings): void {
  const authorization = headerValue(input.req, 'authorization');
  if (authorization === undefined || authorization.trim() === '') {
    throw new ApiError(CODES.AUTH_FAILED, 'Authorization header is missing');
  }
  if (settings.auth === 'token') {
    if (!settings.token || !sameText(bareToken(authorization), settings.token)) {
      throw new ApiError(CODES.AUTH_FAILED, 'Authorization does not carry the accepted token (send "Bearer <token>")');
    }
    return;
  }
  checkAppSignature(input, settings, authorization);
}

function checkAppSignature(input: AuthInput, settings: AuthSettings, authorization: string): void {
  const parsed = readAppAuthorization(authorization);
  if (!parsed)
    throw new ApiError(
      CODES.AUTH_FAILED,
      'Authorization is not an app signature "HMAC-SHA256 AppId=…,SignedHeaders=…,Signature=…"',
    );
  if (!settings.appId || !settings.appSecret || !sameText(parsed.appId, settings.appId)) {
    throw new ApiError(CODES.AUTH_FAILED, 'AppId in Authorization is not the accepted one');
  }
  for (const needed of ['x-date', 'x-user-id']) {
    if (!parsed.signedHeaders.includes(needed))
      throw new ApiError(CODES.AUTH_FAILED, `SignedHeaders must include ${needed}`);
  }
  const headers: Record<string, string> = {};
  for (const name of parsed.signedHeaders) {
    const value = headerValue(input.req, name);
    if (value === undefined)
      throw new ApiError(CODES.AUTH_FAILED, `header ${name} is listed in SignedHeaders but not sent`);
    headers[name] = value;
  }
  const expected = expectedSignature(
    settings.appSecret,
    { method: input.req.method ?? 'GET', rawPath: input.path, query: input.query, headers, body: input.body },
    parsed.signedHeaders,
  );
  if (expected === undefined || !sameText(parsed.signature.toLowerCase(), expected)) {
    throw new ApiError(
      CODES.AUTH_FAILED,
      'app signature does not match (wrong AppSecret, or a signed header, the path, query or body changed ' +
        'after signing)',
    );
  }
}

/** X-User-Id must be the emulator's user. */
export function checkUserId(req: IncomingMessage, settings: AuthSettings): void {
  const userId = headerValue(req, 'x-user-id');
  if (userId === undefined || userId === '') throw new ApiError(CODES.USER_ID_MISMATCH, 'X-User-Id header is missing');
  if (userId !== settings.userId)
    throw new ApiError(CODES.USER_ID_MISMATCH, `X-User-Id "${userId}" is not the user this token or app acts for`);
}

/** X-Traceid is optional; when sent it is exactly 58 letters, digits or underscores (reference §2.2). */
export function checkTraceId(req: IncomingMessage): void {
  const traceId = headerValue(req, 'x-traceid');
  if (traceId !== undefined && !/^[A-Za-z0-9_]{58}$/.test(traceId)) {
    throw new ApiError(
      CODES.PARAMETER_INVALID,
      'X-Traceid must be exactly 58 letters, digits or underscores (or left out)',
    );
  }
}

/**
 * The originValue proofCode is seeded with for this request (reference §6.1). App mode always
 * uses X-User-Id: the Authorization value there signs the body that carries the proofCode.
 */
export function proofOrigin(req: IncomingMessage, settings: AuthSettings): string {
  if (settings.proofSeed === 'userId' || settings.auth === 'app') return headerValue(req, 'x-user-id') ?? '';
  const authorization = headerValue(req, 'authorization') ?? '';
  return settings.proofSeed === 'authorizationBareToken' ? bareToken(authorization) : authorization;
}
