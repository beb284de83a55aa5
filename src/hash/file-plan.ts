import type { PartLayout } from './part-rules.js';

/** One part of a planned file: where it lies and the SHA-256 state before it. */
export interface PartPlan extends PartLayout {
  /** H0..H7 after all bytes before partOffset; [] for part 1. */
  hashCtx: number[];
}

/** Everything the create-backup-file call needs about a file's content. */
export interface FilePlan {
  sha256: string;
  length: number;
  /** Undefined for empty files (the reference: omit it). */
  proofCode?: string;
  partSize: number;
  parts: PartPlan[];
}
