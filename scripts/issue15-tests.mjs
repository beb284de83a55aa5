// The unit test files added by issue 15. `npm run mutate` runs them after the older ones (so with
// bail a mutant that an older test kills is credited to it), and scripts/mutation-scores.mjs
// computes the score the older tests alone reached from that.
export const ADDED_TEST_FILES = [
  'known-answers-client.test.ts',
  'koodrive-error-kinds.test.ts',
  'journal-facts.test.ts',
  'config-value-parsers.test.ts',
  'scan-filter-rules.test.ts',
  'names-rules.test.ts',
  'auth-signature-edges.test.ts',
  'hash-stream-edges.test.ts',
  'koodrive-error-predicates.test.ts',
  'retry-policy-edges.test.ts',
  'journal-disk.test.ts',
  'journal-forms.test.ts',
  'journal-contracts.test.ts',
];
