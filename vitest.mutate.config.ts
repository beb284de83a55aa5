import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { ADDED_TEST_FILES } from './scripts/issue15-tests.mjs';

/** Older test files first: with bail, a mutant an older test kills is credited to it (scripts/mutation-scores.mjs). */
class OlderTestsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const added = (f: TestSpecification) => ADDED_TEST_FILES.some((name) => f.moduleId.endsWith(`/${name}`));
    return [...sorted.filter((f) => !added(f)), ...sorted.filter(added)];
  }
}

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
      'test/unit/hash-stream-edges.test.ts',
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
    sequence: { sequencer: OlderTestsFirst },
  },
});
