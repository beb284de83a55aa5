/** PUT one part's byte range from disk to its presigned URL, streamed, with exact Content-Length. */
import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { FileChangedError } from '../hash/file-changed-error.js';
import { currentNetwork } from '../net/network.js';
import { isExpiredResponse, redactUrl } from './presigned-url.js';
import { PartUploadError, type PartUploadErrorFields } from './part-upload-error.js';
import type { RateLimiter } from './rate-limiter.js';
import { classifyNetworkError, isTransientHttp, parseRetryAfter } from '../retry/retry-policy.js';
import { abortReason } from '../retry/retry.js';

export interface PutPartOptions {
  url: string;
  absPath: string;
  partOffset: number;
  partSize: number;
  signal?: AbortSignal;
  /** Called with the bytes handed to the socket since the last call. */
  onProgress?: (bytesDelta: number) => void;
  /** The part's bytes, already in memory (a small file as it was hashed); else they are read from absPath. */
  bytes?: Buffer;
  /** A fresh checking stream per attempt (e.g. the part verifier); its errors abort the PUT as they are. */
  transform?: () => Transform;
  rateLimiter?: RateLimiter;
  /** Idle time on the socket (no byte sent or received) before the PUT counts as timed out; default 60 s. */
  timeoutMs?: number;
  agent?: http.Agent;
  /** For messages only, e.g. "part 3 of photos/a.jpg". */
  label?: string;
}

export interface PutPartResult {
  /** The storage's ETag header, if it sent one (KooDrive does not ask for it). */
  etag: string | undefined;
}

const MAX_ERROR_BODY = 64 * 1024;

/** Counts bytes on their way to the socket and checks that exactly partSize bytes were read. */
function byteCounter(expected: number, absPath: string, partOffset: number, onBytes: (n: number) => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      seen += chunk.length;
      if (seen > expected)
        return done(new FileChangedError(absPath, `the part at offset ${partOffset} gave more than ${expected} bytes`));
      onBytes(chunk.length);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      if (seen !== expected)
        return done(
          new FileChangedError(
            absPath,
            `the part at offset ${partOffset} has ${seen} of its ${expected} bytes (the file shrank)`,
          ),
        );
      done();
    },
  });
}

/** Sends the part once; throws PartUploadError, the transform's/file's own error, or the abort reason. */
export function putPart(opts: PutPartOptions): Promise<PutPartResult> {
  const { partOffset, partSize, absPath } = opts;
  if (!Number.isSafeInteger(partSize) || partSize < 0 || !Number.isSafeInteger(partOffset) || partOffset < 0) {
    return Promise.reject(new Error(`part at offset ${partOffset} of size ${partSize} is not a valid byte range`));
  }
  const label = opts.label ?? `part at offset ${partOffset} of ${absPath}`;
  const target = new URL(opts.url);
  const lib = target.protocol === 'https:' ? https : http;
  if (opts.signal?.aborted) return Promise.reject(abortReason(opts.signal));

  return new Promise<PutPartResult>((resolve, reject) => {
    let bytesSent = 0;
    let settled = false;
    let localError: unknown;
    let answered = false;
    const settle = (fn: () => void): void => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    const fail = (message: string, fields: Omit<PartUploadErrorFields, 'bytesSent'>): void =>
      settle(() =>
        reject(
          new PartUploadError(`PUT ${label} to ${redactUrl(opts.url)} failed: ${message}`, { ...fields, bytesSent }),
        ),
      );

    // Only content-length and host are signed; send nothing else that could break the signature.
    const req = lib.request(target, {
      method: 'PUT',
      headers: { 'content-length': String(partSize) },
      // The run's shared keep-alive agent (its CA and proxy): PUTs reuse connections and handshakes.
      agent: opts.agent ?? currentNetwork().agentFor(target),
      signal: opts.signal,
    });
    req.setTimeout(opts.timeoutMs ?? 60_000, () => {
      req.destroy(Object.assign(new Error(`no progress for ${opts.timeoutMs ?? 60_000} ms`), { code: 'ETIMEDOUT' }));
    });

    req.on('response', (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        res.resume();
        const accepted = (): void =>
          settle(() => resolve({ etag: typeof res.headers.etag === 'string' ? res.headers.etag : undefined }));
        res.on('end', accepted);
        // A 2xx means the storage kept the part, even if the connection drops afterwards.
        res.on('error', accepted);
        res.on('close', accepted);
        return;
      }
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (c: Buffer) => {
        if (kept < MAX_ERROR_BODY) {
          chunks.push(c);
          kept += c.length;
        }
      });
      const refused = (): void => {
        const body = Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY);
        const expired = isExpiredResponse(status, body);
        const brief = body.replace(/\s+/g, ' ').slice(0, 200);
        const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
        const advice = expired ? ' (the upload URL has expired: get a fresh one)' : '';
        fail(`HTTP ${status}${brief ? `: ${brief}` : ''}${advice}`, {
          status,
          expired,
          transient: !expired && isTransientHttp(status),
          reason: expired ? 'expired URL' : `HTTP ${status}`,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
      };
      res.on('end', refused);
      res.on('error', refused);
      res.on('close', refused);
    });

    req.on('error', (err) => {
      if (answered) return; // the answer decides; a reset after it is noise
      if (opts.signal?.aborted) return settle(() => reject(abortReason(opts.signal!)));
      if (localError !== undefined) return settle(() => reject(localError));
      const net = classifyNetworkError(err);
      const detail = net.reason === err.message ? '' : ` (${err.message})`;
      fail(`${net.reason}${detail}`, { expired: false, transient: net.transient, reason: net.reason });
    });

    // Bytes already in memory, unthrottled and unchecked (they are the hashed ones): one write,
    // no stream pipeline, which costs more than a small file's whole PUT.
    if (opts.bytes && !opts.transform && !opts.rateLimiter) {
      if (opts.bytes.length !== partSize) {
        return settle(() =>
          reject(
            new FileChangedError(
              absPath,
              `the part at offset ${partOffset} has ${opts.bytes!.length} of its ${partSize} bytes`,
            ),
          ),
        );
      }
      req.end(opts.bytes, () => {
        bytesSent = partSize;
        opts.onProgress?.(partSize);
      });
      return;
    }
    const source: Readable =
      partSize === 0
        ? Readable.from([])
        : opts.bytes
          ? Readable.from([opts.bytes], { objectMode: false })
          : createReadStream(absPath, { start: partOffset, end: partOffset + partSize - 1, highWaterMark: 256 * 1024 });
    const stages: Array<Readable | Transform> = [source];
    if (opts.transform) stages.push(opts.transform());
    if (opts.rateLimiter) stages.push(opts.rateLimiter.throttle(opts.signal));
    stages.push(
      byteCounter(partSize, absPath, partOffset, (n) => {
        bytesSent += n;
        opts.onProgress?.(n);
      }),
    );
    // Remember the first error of our own stages: it is the real cause, not the request's echo of it.
    for (const s of stages) s.once('error', (err) => (localError ??= err));

    pipeline([...stages, req], (err) => {
      if (!err) return;
      if (opts.signal?.aborted) return settle(() => reject(abortReason(opts.signal!)));
      if (localError !== undefined) return settle(() => reject(localError));
      // A request-side failure: req's own 'error' handler reports it (or the answer already did).
    });
  });
}
