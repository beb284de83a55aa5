/**
 * Decodes an aws-chunked body (`<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n … 0…\r\n[trailers]\r\n`)
 * into its payload, as a stream, checking each chunk's signature chain when the body is signed.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '../../../src/emulator/reply.js';
import { chunkSignature, trailerSignature } from './sigv4.js';

/** Chunk headers and trailer lines are short; anything longer is not aws-chunked. */
const MAX_LINE = 8 * 1024;

export interface ChunkSigning {
  key: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

export interface AwsChunkedOptions {
  /** Check chunk-signature values (STREAMING-AWS4-HMAC-SHA256-PAYLOAD…); absent for unsigned bodies. */
  signing?: ChunkSigning;
  /** Trailer headers follow the last chunk (…-TRAILER modes). */
  trailer: boolean;
}

type Phase = 'header' | 'data' | 'data-end' | 'trailer' | 'done';

const malformed = (why: string): S3Error =>
  new S3Error(400, 'IncompleteBody', `the aws-chunked body is malformed: ${why}`);

/** A Transform from aws-chunked bytes to payload bytes; errors are S3Error answers. */
export function awsChunkedDecoder(opts: AwsChunkedOptions): Transform {
  let phase: Phase = 'header';
  let line = Buffer.alloc(0);
  let left = 0;
  let chunkHash: Hash | undefined;
  let chunkSig = '';
  let previous = opts.signing?.seedSignature ?? '';
  const trailerLines: string[] = [];
  let trailerSig: string | undefined;

  const verifyChunk = (sha256: string): void => {
    const s = opts.signing;
    if (!s) return;
    const expected = chunkSignature(s.key, s.amzDate, s.scope, previous, sha256);
    if (expected !== chunkSig)
      throw new S3Error(403, 'SignatureDoesNotMatch', 'a chunk signature of the aws-chunked body does not match');
    previous = chunkSig;
  };

  const onHeader = (text: string): void => {
    const [sizeText, ...ext] = text.split(';');
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText ?? ''))
      throw malformed(`chunk header "${text.slice(0, 60)}" has no hex size`);
    const sig = ext.find((e) => e.startsWith('chunk-signature='))?.slice('chunk-signature='.length);
    if (opts.signing && !sig) throw malformed('a chunk carries no chunk-signature in a signed streaming body');
    chunkSig = sig ?? '';
    left = parseInt(sizeText!, 16);
    chunkHash = opts.signing ? createHash('sha256') : undefined;
    if (left > 0) return void (phase = 'data');
    verifyChunk(chunkHash ? chunkHash.digest('hex') : '');
    phase = 'trailer';
  };

  const onTrailer = (text: string): void => {
    if (text !== '') {
      const colon = text.indexOf(':');
      if (colon <= 0) throw malformed(`trailer line "${text.slice(0, 60)}" is not name:value`);
      const name = text.slice(0, colon).trim().toLowerCase();
      const value = text.slice(colon + 1).trim();
      if (name === 'x-amz-trailer-signature') trailerSig = value;
      else trailerLines.push(`${name}:${value}\n`);
      return;
    }
    if (!opts.trailer && trailerLines.length > 0)
      throw malformed('trailer headers in a body declared without a trailer');
    const s = opts.signing;
    if (s && opts.trailer) {
      const expected = trailerSignature(s.key, s.amzDate, s.scope, previous, trailerLines.join(''));
      if (trailerSig !== expected)
        throw new S3Error(403, 'SignatureDoesNotMatch', 'the trailer signature of the aws-chunked body does not match');
    }
    phase = 'done';
  };

  /** Takes bytes up to CRLF into `line`; returns the line once complete, and how much was used. */
  const takeLine = (chunk: Buffer, at: number): { text?: string; used: number } => {
    const lf = chunk.indexOf(0x0a, at);
    const end = lf < 0 ? chunk.length : lf + 1;
    line = Buffer.concat([line, chunk.subarray(at, end)]);
    if (line.length > MAX_LINE) throw malformed('a chunk header or trailer line is too long');
    if (lf < 0) return { used: end - at };
    if (line.length < 2 || line[line.length - 2] !== 0x0d) throw malformed('lines must end in CRLF');
    const text = line.subarray(0, line.length - 2).toString('latin1');
    line = Buffer.alloc(0);
    return { text, used: end - at };
  };

  const consume = (chunk: Buffer, push: (b: Buffer) => void): void => {
    let at = 0;
    while (at < chunk.length) {
      if (phase === 'data') {
        const piece = chunk.subarray(at, at + Math.min(left, chunk.length - at));
        chunkHash?.update(piece);
        push(piece);
        left -= piece.length;
        at += piece.length;
        if (left === 0) phase = 'data-end';
        continue;
      }
      if (phase === 'done') throw malformed('bytes after the final chunk');
      const { text, used } = takeLine(chunk, at);
      at += used;
      if (text === undefined) continue;
      if (phase === 'header') onHeader(text);
      else if (phase === 'trailer') onTrailer(text);
      else {
        if (text !== '') throw malformed('chunk data is longer than its declared size');
        verifyChunk(chunkHash ? chunkHash.digest('hex') : '');
        phase = 'header';
      }
    }
  };

  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        consume(chunk, (b) => this.push(b));
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      done(phase === 'done' ? undefined : malformed('the body ended before the final chunk and its closing CRLF'));
    },
  });
}
