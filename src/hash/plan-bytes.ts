/**
 * The bytes a small file's plan was hashed from, kept beside the plan (never in it: plans are
 * journalled) so that its PUT sends exactly the bytes that were hashed without reading the file
 * again. Held weakly: they go when the plan does.
 */
import type { FilePlan } from './file-plan.js';

const bytesOfPlan = new WeakMap<FilePlan, Buffer>();

export function attachPlanBytes(plan: FilePlan, bytes: Buffer): void {
  bytesOfPlan.set(plan, bytes);
}

/** The whole file as hashed, if the planner kept it (small files read in one go). */
export function planBytes(plan: FilePlan): Buffer | undefined {
  return bytesOfPlan.get(plan);
}
