#!/usr/bin/env node
// Reads Stryker's JSON report (reports/mutation/mutation.json, written by `npm run mutate`) and
// prints, per mutated module, the mutation score with every test and with only the tests that
// existed before issue 15 (Stryker runs without bail, so each mutant lists every test that kills
// it), then the surviving mutants. Used to write docs/testing.md.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2] ?? 'reports/mutation/mutation.json', 'utf8'));
// Test files added by issue 15; "before" counts a mutant killed only if a test elsewhere kills it.
const ADDED = new Set(['known-answers-client.test.ts', 'koodrive-error-kinds.test.ts', 'journal-facts.test.ts', 'config-value-parsers.test.ts', 'scan-filter-rules.test.ts', 'names-rules.test.ts', 'auth-signature-edges.test.ts', 'hash-stream-edges.test.ts']);

const fileOfTest = new Map();
for (const [file, { tests }] of Object.entries(report.testFiles ?? {})) for (const t of tests) fileOfTest.set(t.id, file);
const isOld = (id) => !ADDED.has((fileOfTest.get(id) ?? '').split('/').pop());

const pct = (d, n) => (n === 0 ? 'n/a' : `${((100 * d) / n).toFixed(1)} %`);
const rows = [];
const survivors = [];
let all = { n: 0, now: 0, before: 0, ignored: 0 };
for (const [file, { mutants }] of Object.entries(report.files)) {
  const c = { n: 0, now: 0, before: 0, ignored: 0 };
  for (const m of mutants) {
    if (m.status === 'Ignored' || m.status === 'CompileError' || m.status === 'RuntimeError') {
      c.ignored++;
      continue;
    }
    c.n++;
    const detected = m.status === 'Killed' || m.status === 'Timeout';
    if (detected) c.now++;
    if (m.status === 'Timeout' || (m.status === 'Killed' && (m.killedBy ?? []).some(isOld))) c.before++;
    if (!detected) survivors.push({ file, line: m.location.start.line, col: m.location.start.column, mutator: m.mutatorName, replacement: (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80), status: m.status });
  }
  rows.push(`| ${file} | ${c.n} | ${pct(c.before, c.n)} | ${pct(c.now, c.n)} | ${c.n - c.now} | ${c.ignored} |`);
  for (const k of Object.keys(all)) all[k] += c[k];
}
console.log('| module | mutants | score before | score now | surviving | static (ignored) |');
console.log('|---|---|---|---|---|---|');
for (const r of rows.sort()) console.log(r);
console.log(`| **all** | ${all.n} | ${pct(all.before, all.n)} | ${pct(all.now, all.n)} | ${all.n - all.now} | ${all.ignored} |`);
console.log('\nSurviving mutants:\n');
console.log('| module:line | mutator | replacement | status |');
console.log('|---|---|---|---|');
for (const s of survivors) console.log(`| ${s.file}:${s.line} | ${s.mutator} | \`${s.replacement.replace(/\|/g, '\\|').replace(/`/g, "'")}\` | ${s.status} |`);
