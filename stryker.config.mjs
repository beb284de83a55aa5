// Mutation testing of the pure modules (issue 15): `npm run mutate`. Not part of `npm test`.
// Scores and the surviving mutants are written up in docs/testing.md.

/** The pure modules, in groups that fit a run each on a busy two-core machine. */
const GROUPS = {
  rules: [
    'src/hash/part-rules.ts',
    'src/hash/proof-code.ts',
    'src/hash/sha256-stream.ts',
    'src/names/file-name.ts',
    'src/auth/app-signature.ts',
  ],
  errors: ['src/retry/retry-policy.ts', 'src/koodrive/koodrive-error.ts'],
  filters: [
    'src/scan/filter-chain.ts',
    'src/scan/glob-rule.ts',
    'src/scan/ignore-file.ts',
    'src/scan/pattern-file.ts',
    'src/scan/dir-markers.ts',
    'src/config/value-parsers.ts',
    'src/config/duration-text.ts',
  ],
  journal: ['src/backup/journal.ts', 'src/backup/journal-index.ts'],
};
// MUTATE_GROUP=rules npm run mutate: one group (its own report and incremental file); default all.
const group = process.env.MUTATE_GROUP;
if (group !== undefined && !(group in GROUPS))
  throw new Error(`MUTATE_GROUP must be one of ${Object.keys(GROUPS).join(', ')}`);
const MUTATED = group ? GROUPS[group] : Object.values(GROUPS).flat();
const NAME = group ?? 'all';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // related: false: the dry run runs every listed test file once; per-test coverage then picks the tests of each mutant.
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: MUTATED,
  coverageAnalysis: 'perTest',
  // A static mutant (module-level code) reruns every test file for each mutant: minutes apiece on
  // two cores. They are left out of the score (reported as ignored) and listed in docs/testing.md.
  ignoreStatic: true,
  // Two cores, shared with other engineers' test runs.
  concurrency: 2,
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${NAME}.json`,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${NAME}.json` },
  thresholds: { high: 90, low: 85, break: null },
  timeoutMS: 20_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  ignorePatterns: ['bench', 'docs', 'reports', '.stryker-tmp', 'test/integration', 'native/build'],
};
