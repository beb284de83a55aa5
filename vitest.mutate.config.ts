import { defineConfig } from 'vitest/config';

// Stryker's test run (npm run mutate): only the unit tests that cover the mutated pure modules,
// so one mutant costs a fraction of a second instead of a full suite with CLIs and emulators.
export default defineConfig({
  test: {
    include: [
      'test/unit/app-signature.test.ts',
      'test/unit/auth-*.test.ts',
      'test/unit/client-errors.test.ts',
      'test/unit/koodrive-error*.test.ts',
      'test/unit/hash-vectors.test.ts',
      'test/unit/known-answers-client.test.ts',
      'test/unit/hash-*-vectors.test.ts',
      'test/unit/plan-rules.test.ts',
      'test/unit/proof-code*.test.ts',
      'test/unit/names-*.test.ts',
      'test/unit/restore-pure.test.ts',
      'test/unit/journal*.test.ts',
      'test/unit/retry-policy*.test.ts',
      'test/unit/net-errors.test.ts',
      'test/unit/scan-filters.test.ts',
      'test/unit/scan-glob.test.ts',
      'test/unit/scan-*-rules.test.ts',
      'test/unit/config-validation.test.ts',
      'test/unit/config-load.test.ts',
      'test/unit/config-value-parsers.test.ts',
    ],
    testTimeout: 30_000,
    maxWorkers: 1,
  },
});
