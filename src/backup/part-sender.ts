/** The run's PartSender: a part PUT from disk (checked against its plan as it streams) or from the hashed bytes. */
import { createPartVerifier, expectedPartEnd } from '../hash/part-verifier.js';
import { planBytes } from '../hash/plan-bytes.js';
import { putPart } from '../transfer/put-part.js';
import type { RateLimiter } from '../transfer/rate-limiter.js';
import type { PartSender } from './backup-api.js';

export interface PartSenderOptions {
  /** Idle time on the socket before a PUT counts as timed out. */
  timeoutMs: number;
  /** Shared by every PUT of the run (--bwlimit). */
  rateLimiter?: RateLimiter;
}

export function partSender(opts: PartSenderOptions): PartSender {
  return async ({ url, file, plan, part, signal, onProgress }) => {
    // A small file's bytes as they were hashed need no second check; bytes read again from disk do.
    const bytes = plan.parts.length === 1 ? planBytes(plan) : undefined;
    const verifier = () =>
      createPartVerifier(part, expectedPartEnd(plan, part.partNumber), undefined, { filePath: file.relPath });
    await putPart({
      url,
      absPath: file.absPath,
      partOffset: part.partOffset,
      partSize: part.partSize,
      signal,
      onProgress,
      timeoutMs: opts.timeoutMs,
      ...(bytes ? { bytes } : { transform: verifier }),
      ...(opts.rateLimiter ? { rateLimiter: opts.rateLimiter } : {}),
    });
  };
}
