/** Small node:http helpers: bounded body reading, query parsing, writing a Reply. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CODES } from './codes.js';
import { ApiError, type Reply } from './reply.js';

/** API bodies are JSON part plans: 10000 parts fit in well under this. */
export const MAX_API_BODY = 16 * 1024 * 1024;

/** Reads a whole (small) API body; refuses bodies over `limit` bytes. */
export function readApiBody(req: IncomingMessage, limit = MAX_API_BODY): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit)
    return Promise.reject(
      new ApiError(CODES.PARAMETER_INVALID, `request body of ${declared} bytes exceeds the ${limit}-byte limit`, 413),
    );
  const chunks: Buffer[] = [];
  let total = 0;
  return readBody(req, (chunk) => {
    total += chunk.length;
    if (total > limit) {
      req.destroy(); // as before: a body this big is not read to its end
      throw new ApiError(CODES.PARAMETER_INVALID, `request body exceeds the ${limit}-byte limit`, 413);
    }
    chunks.push(chunk);
  }).then(() => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)));
}

/**
 * Reads a body to its end, each chunk to `onChunk` (which may stop the read by throwing), with
 * plain 'data'/'end' listeners: an async iterator costs several promises per call and a stream
 * pipeline an abort controller (and the DOMException that ends it), more than a small body's
 * whole handling. Rejects when the connection is cut first.
 */
export function readBody(req: IncomingMessage, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      try {
        onChunk(chunk);
      } catch (err) {
        done();
        reject(err);
      }
    };
    const onEnd = (): void => {
      done();
      resolve();
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const onClose = (): void => {
      if (req.complete) return;
      done();
      reject(new Error('the connection closed before the request body was complete'));
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** Reads and discards a body, returning how many bytes came. */
export async function drainBody(req: IncomingMessage): Promise<number> {
  let total = 0;
  await readBody(req, (chunk) => {
    total += chunk.length;
  });
  return total;
}

/** Splits a raw query string into decoded pairs, keeping order ('+' is not a space here). */
export function parseQueryPairs(rawQuery: string): Array<[string, string]> {
  if (rawQuery === '') return [];
  return rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [safeDecode(key), safeDecode(value)];
    });
}

function safeDecode(text: string): string {
  if (!text.includes('%')) return text; // most keys and values need no decoding
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ApiError(CODES.BAD_REQUEST, 'the query string holds a malformed %-escape');
  }
}

/** Writes a Reply unless the connection is already gone. */
export function writeReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const body = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
  const contentType =
    reply.contentType ?? (reply.text === undefined ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8');
  res.writeHead(reply.status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    ...reply.headers,
  });
  res.end(body);
}

/** The first value of a header, or undefined. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
