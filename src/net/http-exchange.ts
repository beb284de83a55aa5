/**
 * One small HTTP request and its whole answer as text, on the run's shared keep-alive agent (its CA
 * and proxy). This is what the per-file API calls (create backup file, files/complete) go through:
 * node's own client costs about a fifth of got's CPU per request (docs/api-client.md), and at three
 * requests per small file that decides how fast many small files go.
 */
import http from 'node:http';
import https from 'node:https';
import { currentNetwork } from './network.js';

export interface ExchangeRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  /** Sent with its exact Content-Length; undefined sends no body. */
  body?: string;
  signal?: AbortSignal;
  /** Whole request, from sending to the last byte of the answer. */
  timeoutMs: number;
  /** Answers longer than this fail (an untrusted server cannot make us hold unbounded text). */
  maxAnswerBytes?: number;
}

export interface ExchangeAnswer {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const DEFAULT_MAX_ANSWER = 64 * 1024 * 1024;

/**
 * Sends the request once. Rejects with node's own network error (its `code` kept, so retry
 * classification and certificate messages work as for any socket error), an ETIMEDOUT error after
 * `timeoutMs`, or the signal's reason.
 */
export function exchange(req: ExchangeRequest): Promise<ExchangeAnswer> {
  const lib = req.url.protocol === 'https:' ? https : http;
  const limit = req.maxAnswerBytes ?? DEFAULT_MAX_ANSWER;
  if (req.signal?.aborted) return Promise.reject(req.signal.reason);
  return new Promise<ExchangeAnswer>((resolve, reject) => {
    const headers = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const request = lib.request(req.url, { method: req.method, headers, agent: currentNetwork().agentFor(req.url) });
    let settled = false;
    /** Ends the exchange once: the first outcome wins, later events of a torn-down socket are noise. */
    const settle = (outcome: ExchangeAnswer | Error | unknown, ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (ok) resolve(outcome as ExchangeAnswer);
      else reject(req.signal?.aborted ? req.signal.reason : outcome);
    };
    const fail = (err: unknown): void => {
      settle(err, false);
      request.destroy();
    };
    const timer = setTimeout(
      () => fail(Object.assign(new Error(`no complete answer within ${req.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      req.timeoutMs,
    );
    const onAbort = (): void => fail(req.signal?.reason);
    req.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (err) => settle(err, false));
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit)
          return fail(Object.assign(new Error(`the answer is longer than ${limit} bytes`), { code: 'EANSWERTOOLONG' }));
        chunks.push(chunk);
      });
      res.on('end', () =>
        settle(
          { statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size).toString('utf8') },
          true,
        ),
      );
      res.on('error', (err) => settle(err, false));
      // A connection cut mid-answer: no 'end', maybe no 'error' either.
      res.on('close', () => {
        if (!res.complete)
          settle(
            Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }),
            false,
          );
      });
    });
    request.end(req.body);
  });
}
