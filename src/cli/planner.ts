import type { FilePlanner } from '../backup/backup-api.js';
import { planFile } from '../hash/plan-file.js';
import { backendByName, type BackendName } from '../hash/backends.js';

export interface PlannerSettings {
  partSize?: number;
  hashWorkers: number;
  hashBackend: BackendName;
}

/** Hashes files on the main thread with the best backend (a worker pool can replace it). */
export function makePlanner(settings: PlannerSettings & { proofSeedValue?: () => string }): { plan: (seed: string) => FilePlanner; close(): Promise<void> } {
  const backend = backendByName(settings.hashBackend);
  return {
    plan: (seed) => (file, signal) => planFile(file, { ...(settings.partSize ? { partSize: settings.partSize } : {}), proofSeed: seed, backend, signal }),
    close: async () => undefined,
  };
}
