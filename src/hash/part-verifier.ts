import { Transform, type TransformCallback } from 'node:stream';
import type { FilePlan, PartPlan } from './file-plan.js';
import { toHex, type HashBackend, type Sha256Stream } from './sha256-stream.js';
import { bestBackend } from './backends.js';
import { FileChangedError } from './file-changed-error.js';

/** What a part's bytes must hash to: the next part's hashCtx, or (last part) the file's sha256. */
export type PartEnd = { words: number[] } | { sha256: string };

/** Default bytes held back until the part is proven unchanged: enough to span a few stream chunks. */
export const DEFAULT_HOLD_BACK = 64 * 1024;

export interface PartVerifierOptions {
  /** Names the file in the error; default "part N". */
  filePath?: string;
  /** Bytes at the end of the part released only after verification; default 64 KiB. */
  holdBack?: number;
}

/** The end state part `partNumber` of `plan` must reach. */
export function expectedPartEnd(plan: FilePlan, partNumber: number): PartEnd {
  const next = plan.parts[partNumber];
  return next ? { words: next.hashCtx } : { sha256: plan.sha256 };
}

/**
 * A pass-through stream for one part's bytes on their way to the server. It hashes them resumed
 * from the part's hashCtx and holds back the last bytes until all partSize bytes were seen and the
 * end state matches, so a file changed since planning fails the PUT before its body is complete.
 */
export function createPartVerifier(
  part: PartPlan,
  expectedEnd: PartEnd,
  backend: HashBackend = bestBackend(),
  opts: PartVerifierOptions = {},
): Transform {
  return new PartVerifier(part, expectedEnd, backend, opts);
}

class PartVerifier extends Transform {
  private readonly hash: Sha256Stream;
  private readonly releaseUpTo: number;
  private readonly tail: Buffer;
  private tailFilled = 0;
  private seen = 0;
  private readonly label: string;

  constructor(
    private readonly part: PartPlan,
    private readonly expectedEnd: PartEnd,
    backend: HashBackend,
    opts: PartVerifierOptions,
  ) {
    super();
    this.hash =
      part.hashCtx.length === 0 ? backend.create() : backend.create({ words: part.hashCtx, bytes: part.partOffset });
    const holdBack = Math.min(part.partSize, Math.max(1, opts.holdBack ?? DEFAULT_HOLD_BACK));
    this.releaseUpTo = part.partSize - holdBack;
    this.tail = Buffer.allocUnsafe(holdBack);
    this.label = opts.filePath ? `${opts.filePath} (part ${part.partNumber})` : `part ${part.partNumber}`;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.seen + chunk.byteLength > this.part.partSize) {
      callback(new FileChangedError(this.label, `the part holds more than its planned ${this.part.partSize} bytes`));
      return;
    }
    try {
      this.hash.update(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    const passing = Math.max(0, Math.min(chunk.byteLength, this.releaseUpTo - this.seen));
    if (passing > 0) this.push(chunk.subarray(0, passing));
    if (passing < chunk.byteLength) {
      chunk.copy(this.tail, this.tailFilled, passing);
      this.tailFilled += chunk.byteLength - passing;
    }
    this.seen += chunk.byteLength;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.seen !== this.part.partSize) {
      callback(new FileChangedError(this.label, `expected ${this.part.partSize} bytes, read only ${this.seen}`));
      return;
    }
    let problem: string | undefined;
    try {
      problem = this.endProblem();
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (problem) {
      callback(new FileChangedError(this.label, problem));
      return;
    }
    if (this.tailFilled > 0) this.push(this.tail.subarray(0, this.tailFilled));
    callback();
  }

  private endProblem(): string | undefined {
    if ('words' in this.expectedEnd) {
      const words = this.hash.midstate();
      return words.join() === this.expectedEnd.words.join()
        ? undefined
        : 'its SHA-256 state at the end of the part differs from the plan';
    }
    const digest = toHex(this.hash.digest());
    return digest === this.expectedEnd.sha256
      ? undefined
      : `its SHA-256 is now ${digest}, planned ${this.expectedEnd.sha256}`;
  }
}
