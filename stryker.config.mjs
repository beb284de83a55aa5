// Mutation testing of the pure modules (issue 15): `npm run mutate`. Not part of `npm test`.
// Scores and the surviving mutants are written up in docs/testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/hash/part-rules.ts',
    'src/hash/proof-code.ts',
    'src/hash/sha256-stream.ts',
    'src/names/file-name.ts',
    'src/auth/app-signature.ts',
    'src/transfer/retry-policy.ts',
    'src/backup/journal.ts',
    'src/koodrive/koodrive-error.ts',
    'src/scan/filter-chain.ts',
    'src/scan/glob-rule.ts',
    'src/scan/ignore-file.ts',
    'src/scan/pattern-file.ts',
    'src/scan/dir-markers.ts',
    'src/config/value-parsers.ts',
    'src/config/duration-text.ts',
  ],
  coverageAnalysis: 'perTest',
  // A static mutant (module-level code) reruns every test file for each mutant: minutes apiece on
  // two cores. They are left out of the score (reported as ignored) and listed in docs/testing.md.
  ignoreStatic: true,
  // Two cores, shared with other engineers' test runs.
  concurrency: 2,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  timeoutMS: 20_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  ignorePatterns: ['bench', 'docs', 'reports', '.stryker-tmp', 'test/integration', 'native/build'],
};
