/**
 * GET one stored file from its presigned URL into a file on disk, hashing as it streams (memory
 * stays at one chunk whatever the size). A retry continues with `Range` from the bytes already
 * written; a server that ignores Range (200) makes it start over.
 */
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { certificateReason, CERTIFICATE_FIX, currentNetwork, isCertificateError } from '../net/network.js';
import { isExpiredResponse, redactUrl } from '../transfer/presigned-url.js';
import { isTransientHttp, parseRetryAfter } from '../retry/retry-policy.js';
import { abortReason } from '../retry/retry.js';

const MAX_ERROR_BODY = 16 * 1024;

/** A GET that did not deliver the bytes. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    message: string,
    readonly opts: { status?: number; expired?: boolean; transient: boolean; reason: string; retryAfterMs?: number },
  ) {
    super(message);
  }

  static is(err: unknown): err is DownloadError {
    return err instanceof DownloadError;
  }
}

/** The bytes arrived whole but are not the file the listing describes. */
export class ContentMismatchError extends Error {
  override readonly name = 'ContentMismatchError';
}

/** Progress of one file across attempts: bytes written so far and their running hash. */
export class DownloadState {
  bytes = 0;
  hash: Hash = createHash('sha256');

  reset(): void {
    this.bytes = 0;
    this.hash = createHash('sha256');
  }
}

export interface GetOptions {
  signal?: AbortSignal;
  /** Idle time with no byte received before the attempt fails; default 60 s. */
  timeoutMs?: number;
  onProgress?: (bytesDelta: number) => void;
}

/**
 * One attempt: GETs `url` from `state.bytes` on, writing at that offset of `out` (or nowhere, when
 * only hashing). Resolves when the body ended; the caller checks size and SHA-256.
 */
export function getInto(
  url: string,
  out: FileHandle | undefined,
  state: DownloadState,
  expectedSize: number,
  opts: GetOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortReason(opts.signal));
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = state.bytes > 0 ? { range: `bytes=${state.bytes}-` } : {};
    const req = client.request(target, {
      method: 'GET',
      headers,
      agent: currentNetwork().agentFor(target),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    req.setTimeout(opts.timeoutMs ?? 60_000, () =>
      req.destroy(Object.assign(new Error('no data for too long'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (err) => {
      if (opts.signal?.aborted) return reject(abortReason(opts.signal));
      if (isCertificateError(err)) {
        const reason = certificateReason(err);
        return reject(
          new DownloadError(`GET ${redactUrl(url)} failed: ${reason}; ${CERTIFICATE_FIX}`, {
            transient: false,
            reason,
          }),
        );
      }
      reject(err);
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status === 416 && state.bytes === expectedSize) {
        res.resume();
        return resolve();
      }
      if (status !== 200 && status !== 206) return void refuse(res, status, url).then(reject, reject);
      if (status === 200 && state.bytes > 0) state.reset(); // Range ignored: the body is the whole file
      if (status === 206 && !String(res.headers['content-range'] ?? '').startsWith(`bytes ${state.bytes}-`)) {
        res.destroy();
        state.reset();
        return reject(
          new DownloadError(`the server answered a range other than the one asked for (${redactUrl(url)})`, {
            status,
            transient: true,
            reason: 'wrong range',
          }),
        );
      }
      void pump(res, out, state, expectedSize, opts).then(resolve, reject);
    });
    req.end();
  });
}

async function pump(
  res: http.IncomingMessage,
  out: FileHandle | undefined,
  state: DownloadState,
  expectedSize: number,
  opts: GetOptions,
): Promise<void> {
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (state.bytes + chunk.length > expectedSize) {
      res.destroy();
      throw new DownloadError(`the server sent more than the ${expectedSize} bytes the record lists`, {
        transient: false,
        reason: 'too many bytes',
      });
    }
    if (out) {
      for (let done = 0; done < chunk.length; )
        done += (await out.write(chunk, done, chunk.length - done, state.bytes + done)).bytesWritten;
    }
    state.hash.update(chunk);
    state.bytes += chunk.length;
    opts.onProgress?.(chunk.length);
  }
  if (!res.complete)
    throw new DownloadError('the connection closed before the body ended', {
      transient: true,
      reason: 'body cut short',
    });
}

async function refuse(res: http.IncomingMessage, status: number, url: string): Promise<never> {
  let body = '';
  for await (const chunk of res as AsyncIterable<Buffer>)
    if (body.length < MAX_ERROR_BODY) body += chunk.toString('utf8');
  const expired = isExpiredResponse(status, body);
  const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
  throw new DownloadError(`GET ${redactUrl(url)} answered HTTP ${status}${expired ? ' (URL expired)' : ''}`, {
    status,
    expired,
    transient: expired || isTransientHttp(status),
    reason: expired ? 'download URL expired' : `HTTP ${status}`,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** Checks the finished download against the listing; throws ContentMismatchError. */
export function checkDownloaded(state: DownloadState, expected: { size: number; sha256: string; path: string }): void {
  if (state.bytes !== expected.size)
    throw new ContentMismatchError(
      `${expected.path}: the server sent ${state.bytes} bytes, the record lists ${expected.size}`,
    );
  const got = state.hash.digest('hex');
  if (got !== expected.sha256)
    throw new ContentMismatchError(
      `${expected.path}: the downloaded bytes hash to ${got}, the record lists ${expected.sha256}; the ` +
        `stored copy is damaged`,
    );
}
