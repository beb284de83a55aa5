import type { FilePlanner } from '../backup/backup-api.js';
import { backendByName, type BackendName } from '../hash/backends.js';
import { HashPool } from '../hash/hash-pool.js';
import { planFile } from '../hash/plan-file.js';

export interface PlannerSettings {
  partSize?: number;
  hashWorkers: number;
  hashBackend: BackendName;
}

/**
 * Hashes files in a pool of worker threads (so the next files hash while earlier ones upload), or
 * on the main thread when --hash-workers is 0.
 */
export function makePlanner(settings: PlannerSettings): { plan: (seed: string) => FilePlanner; close(): Promise<void> } {
  const backend = backendByName(settings.hashBackend); // fails early, with the fix, for an unusable backend
  const partSize = settings.partSize ? { partSize: settings.partSize } : {};
  let pool: HashPool | undefined;
  return {
    plan: (seed) => (file, signal) => {
      if (settings.hashWorkers <= 0) return planFile(file, { ...partSize, proofSeed: seed, backend, signal });
      pool ??= new HashPool({ size: settings.hashWorkers, backend: settings.hashBackend });
      return pool.planFileInPool(file, { ...partSize, proofSeed: seed, signal });
    },
    close: async () => {
      await pool?.close();
    },
  };
}
