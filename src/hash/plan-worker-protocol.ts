import type { FilePlan } from './file-plan.js';
import type { BackendName } from './backends.js';
import { FileChangedError } from './file-changed-error.js';
import { PartSizeError } from './plan-file.js';

/** Main thread → worker. */
export type PlanWorkerRequest =
  | {
      type: 'plan';
      id: number;
      file: { absPath: string; size: number };
      opts: { partSize?: number; proofSeed: string; backend: BackendName; chunkSize?: number };
    }
  | { type: 'cancel'; id: number };

/** An error reduced to what survives structured cloning, with enough to rebuild our typed ones. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  absPath?: string;
  detail?: string;
}

/** Worker → main thread. */
export type PlanWorkerReply = { id: number; plan: FilePlan } | { id: number; error: WireError };

/** Flattens an error for postMessage. */
export function toWireError(err: unknown): WireError {
  const e = err as Partial<Error & { code: string; absPath: string; detail: string }>;
  const wire: WireError = { name: e?.name ?? 'Error', message: e?.message ?? String(err) };
  if (typeof e?.code === 'string') wire.code = e.code;
  if (err instanceof FileChangedError) {
    wire.absPath = err.absPath;
    wire.detail = err.detail;
  }
  return wire;
}

/** Rebuilds the typed error a planFile call in this thread would have thrown. */
export function fromWireError(wire: WireError): Error {
  if (wire.name === 'FileChangedError' && wire.absPath !== undefined && wire.detail !== undefined) {
    return new FileChangedError(wire.absPath, wire.detail);
  }
  if (wire.name === 'PartSizeError') return new PartSizeError(wire.message);
  const err = new Error(wire.message) as Error & { code?: string };
  err.name = wire.name;
  if (wire.code !== undefined) err.code = wire.code;
  return err;
}
