/**
 * One KooDrive call over HTTP: builds the headers afresh for every attempt (X-Date, signature),
 * sends it with got (got's own retry off), reads the {code, msg} envelope, and retries what is
 * transient with our policy so that each retry is observable.
 */
import got, { type Got } from 'got';
import { encodeQuery, type SignableRequest } from '../auth/app-signature.js';
import { exchange, type ExchangeAnswer } from '../net/http-exchange.js';
import { certificateReason, CERTIFICATE_FIX, currentNetwork, isCertificateError } from '../net/network.js';
import { classifyNetworkError, parseRetryAfter, type RetryPolicy } from '../retry/retry-policy.js';
import { abortReason, withRetry, type RetryInfo } from '../retry/retry.js';
import { authorizationFor, credentialsHint, secretsOf, type Credentials } from './auth.js';
import { errorFromNetwork, errorFromResponse, isSuccessCode, KooDriveError } from './koodrive-error.js';
import { formatXDate, LOCK_HEADER, type Envelope } from './wire-types.js';

export interface TransportOptions {
  endpoint: URL;
  userId: string;
  credentials: Credentials;
  timeoutMs: number;
  retry: RetryPolicy;
  clockSkewMs: number;
  userAgent: string;
  onRetry?: (info: RetryInfo) => void;
  now: () => number;
  random: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One call as the client describes it. */
export interface CallSpec {
  /** The call in words, used in messages and retry events ("create backup file"). */
  call: string;
  method: HttpMethod;
  path: string;
  query?: ReadonlyArray<[string, string]>;
  /** JSON body; undefined sends no body. */
  body?: unknown;
  lockId?: string;
  signal?: AbortSignal;
  /** Overrides the transport's policy (e.g. a short one for releasing the lock). */
  retry?: RetryPolicy;
  /**
   * Sent once per file (create backup file, files/complete) or per page of a listing: goes through
   * node's own client (net/http-exchange.ts), whose per-request CPU is a fifth of got's; rarer
   * calls use got.
   */
  perFile?: boolean;
}

/** The id fields of KooDrive answers: strings end to end, however the server sends them. */
export const ID_FIELDS = [
  'recordId',
  'fileId',
  'lockId',
  'existFileId',
  'containerId',
  'uploadId',
  'partId',
  'deviceId',
  'userId',
] as const;

const ID_NUMBER = new RegExp(`("(?:${ID_FIELDS.join('|')})"\\s*:\\s*)(-?\\d+)(?=\\s*[,}\\]])`, 'g');

/**
 * Quotes integer literals of any length given to the id fields (ID_FIELDS), so that an id the
 * server sent as a JSON number arrives as a string with every digit (JSON.parse would round 19-digit
 * ids, and a short one would be a number where a string is expected). Other numbers stay numbers.
 */
export function quoteLongIds(json: string): string {
  return json.replace(ID_NUMBER, '$1"$2"');
}

/**
 * The {code, msg} of an answer; the API gateway answers {error_code: "APIGW.0308", error_msg}
 * instead, which is read as the same envelope so that its code decides the error's kind.
 */
function envelopeOf(parsed: unknown): Envelope | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  if ('code' in parsed) return parsed as Envelope;
  const gateway = parsed as { error_code?: unknown; error_msg?: unknown };
  if (typeof gateway.error_code === 'string')
    return { code: gateway.error_code, msg: typeof gateway.error_msg === 'string' ? gateway.error_msg : '' };
  return undefined;
}

/** "HTTP 429, code 13990040", "code 13000201", "HTTP 503" or the network reason. */
function retryReason(err: KooDriveError): string {
  const parts: string[] = [];
  if (err.httpStatus !== undefined && err.httpStatus !== 200) parts.push(`HTTP ${err.httpStatus}`);
  if (err.code !== undefined) parts.push(`code ${err.code}`);
  return parts.length ? parts.join(', ') : err.msg;
}

export class Transport {
  private readonly http: Got;

  constructor(private readonly opts: TransportOptions) {
    // Everything that would hide or repeat a request is off: we retry, we read every status.
    this.http = got.extend({
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
      timeout: { request: opts.timeoutMs },
    });
  }

  /** Sends the call, retrying transient failures; resolves with the parsed success envelope. */
  async send<T extends Envelope>(spec: CallSpec): Promise<T> {
    const { opts } = this;
    return withRetry((attempt) => this.attempt<T>(spec, attempt), {
      what: spec.call,
      policy: spec.retry ?? opts.retry,
      signal: spec.signal,
      now: opts.now,
      random: opts.random,
      sleep: opts.sleep,
      onRetry: opts.onRetry,
      classify: (err) =>
        err instanceof KooDriveError
          ? { transient: err.transient, reason: retryReason(err), retryAfterMs: err.retryAfterMs }
          : { transient: false, reason: String(err) },
    });
  }

  /** The headers of one attempt: all time-dependent values are computed here, never reused. */
  signedHeaders(spec: CallSpec, bodyText: string): Record<string, string> {
    const { opts } = this;
    const headers: Record<string, string> = {
      host: opts.endpoint.host,
      'x-date': formatXDate(new Date(opts.now() + opts.clockSkewMs)),
      'x-user-id': opts.userId,
      'content-type': 'application/json',
      'user-agent': opts.userAgent,
    };
    if (spec.lockId !== undefined) headers[LOCK_HEADER] = spec.lockId;
    const signable: SignableRequest = {
      method: spec.method,
      path: spec.path,
      query: spec.query ?? [],
      headers,
      body: bodyText,
    };
    headers.authorization = authorizationFor(opts.credentials, signable);
    return headers;
  }

  /** One HTTP exchange of the call: node's client for per-file calls, got for the rest. */
  private async request(url: URL, spec: CallSpec, bodyText: string): Promise<ExchangeAnswer> {
    const headers = this.signedHeaders(spec, bodyText);
    const body = spec.body === undefined ? undefined : bodyText;
    if (spec.perFile)
      return exchange({ url, method: spec.method, headers, body, signal: spec.signal, timeoutMs: this.opts.timeoutMs });
    const res = await this.http(url, {
      method: spec.method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(spec.signal ? { signal: spec.signal } : {}),
      // The run's shared keep-alive agent (its CA and proxy): API calls reuse their connections.
      agent: currentNetwork().gotAgent(url),
    });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  }

  private async attempt<T extends Envelope>(spec: CallSpec, _attempt: number): Promise<T> {
    const { opts } = this;
    const bodyText = spec.body === undefined ? '' : JSON.stringify(spec.body);
    const url = new URL(spec.path, opts.endpoint);
    url.search = encodeQuery(spec.query ?? []); // encoded as signed (app mode): %20, never "+"
    const sentAt = opts.now();
    let res: ExchangeAnswer;
    try {
      res = await this.request(url, spec, bodyText);
    } catch (err) {
      if (spec.signal?.aborted) throw abortReason(spec.signal);
      if (isCertificateError(err)) {
        // Not transient: the same certificate fails the same way on every retry.
        const reason = certificateReason(err);
        throw new KooDriveError(
          { code: undefined, msg: reason, httpStatus: undefined, call: spec.call, kind: 'other', transient: false },
          `${spec.call} failed: ${reason} from ${opts.endpoint.host}; ${CERTIFICATE_FIX}`,
        );
      }
      const net = classifyNetworkError(err);
      throw errorFromNetwork(spec.call, opts.endpoint.host, net.reason, net.transient, secretsOf(opts.credentials));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(quoteLongIds(res.body));
    } catch {
      parsed = undefined;
    }
    const envelope = envelopeOf(parsed);
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    if (ok && envelope && isSuccessCode(envelope.code)) return envelope as T;
    const serverDate = res.headers.date ? Date.parse(res.headers.date) : Number.NaN;
    throw errorFromResponse({
      call: spec.call,
      httpStatus: res.statusCode,
      code: envelope?.code,
      msg: envelope ? String(envelope.msg ?? '') : `unexpected answer: ${res.body.slice(0, 120) || '(empty body)'}`,
      retryAfterMs: parseRetryAfter(res.headers['retry-after'], opts.now()),
      serverOffsetMs: Number.isNaN(serverDate) ? undefined : serverDate - (sentAt + opts.clockSkewMs),
      clockSkewMs: opts.clockSkewMs,
      credentialsHint: credentialsHint(opts.credentials),
      secrets: secretsOf(opts.credentials),
    });
  }
}
