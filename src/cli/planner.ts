import type { FilePlanner } from '../backup/backup-api.js';
import { backendByName, type BackendName } from '../hash/backends.js';
import { HashPool } from '../hash/hash-pool.js';
import { planFile } from '../hash/plan-file.js';

/** Files up to this size hash on the main thread: a worker round trip costs more than the hash. */
export const MAIN_THREAD_MAX_BYTES = 1024 * 1024;

export interface PlannerSettings {
  partSize?: number;
  hashWorkers: number;
  hashBackend: BackendName;
}

/**
 * Hashes large files in a pool of worker threads (so the next files hash while earlier ones
 * upload); small files, and every file when --hash-workers is 0, on the main thread.
 */
export function makePlanner(settings: PlannerSettings): {
  plan: (seed: string) => FilePlanner;
  close(): Promise<void>;
} {
  const backend = backendByName(settings.hashBackend); // fails early, with the fix, for an unusable backend
  const partSize = settings.partSize ? { partSize: settings.partSize } : {};
  let pool: HashPool | undefined;
  return {
    plan: (seed) => (file, signal) => {
      // A small file's bytes stay with its plan, so that its PUT does not read it again (plan-bytes.ts).
      if (file.size <= MAIN_THREAD_MAX_BYTES)
        return planFile(file, { ...partSize, proofSeed: seed, backend, signal, keepBytes: true });
      if (settings.hashWorkers <= 0) return planFile(file, { ...partSize, proofSeed: seed, backend, signal });
      pool ??= new HashPool({ size: settings.hashWorkers, backend: settings.hashBackend });
      return pool.planFileInPool(file, { ...partSize, proofSeed: seed, signal });
    },
    close: async () => {
      await pool?.close();
    },
  };
}
