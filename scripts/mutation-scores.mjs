#!/usr/bin/env node
// Reads Stryker's JSON report (reports/mutation/mutation.json, written by `npm run mutate`) and
// prints, per mutated module, the mutation score with every test and with only the tests that
// existed before issue 15, then the surviving mutants. Used to write docs/testing.md.
import { readFileSync } from 'node:fs';
import { ADDED_TEST_FILES } from './issue15-tests.mjs';

// One report or several (MUTATE_GROUP runs): their files and tests are merged.
const reports = (process.argv.length > 2 ? process.argv.slice(2) : ['reports/mutation/all.json']).map((f) =>
  JSON.parse(readFileSync(f, 'utf8')),
);
const report = { files: Object.assign({}, ...reports.map((r) => r.files)), testFiles: {} };
for (const r of reports)
  for (const [f, v] of Object.entries(r.testFiles ?? {}))
    report.testFiles[f] = { tests: [...(report.testFiles[f]?.tests ?? []), ...v.tests] };
// "before" counts a mutant as killed only when a test file older than issue 15 killed it; those
// files run first (vitest.mutate.config.ts), so with bail the first failing test is an older one
// whenever an older one fails.
const ADDED = new Set(ADDED_TEST_FILES);

const fileOfTest = new Map();
for (const [file, { tests }] of Object.entries(report.testFiles ?? {}))
  for (const t of tests) fileOfTest.set(t.id, file);
const isOld = (id) => !ADDED.has((fileOfTest.get(id) ?? '').split('/').pop());

const pct = (d, n) => (n === 0 ? 'n/a' : `${((100 * d) / n).toFixed(1)} %`);
const rows = [];
const survivors = [];
const all = { n: 0, now: 0, before: 0, ignored: 0 };
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
    if (!detected)
      survivors.push({
        file,
        line: m.location.start.line,
        col: m.location.start.column,
        mutator: m.mutatorName,
        replacement: (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80),
        status: m.status,
      });
  }
  rows.push(`| ${file} | ${c.n} | ${pct(c.before, c.n)} | ${pct(c.now, c.n)} | ${c.n - c.now} | ${c.ignored} |`);
  for (const k of Object.keys(all)) all[k] += c[k];
}
console.log('| module | mutants | score before | score now | surviving | static (ignored) |');
console.log('|---|---|---|---|---|---|');
for (const r of rows.sort()) console.log(r);
console.log(
  `| **all** | ${all.n} | ${pct(all.before, all.n)} | ${pct(all.now, all.n)} | ${all.n - all.now} | ${all.ignored} |`,
);
console.log('\nSurviving mutants:\n');
console.log('| module:line | mutator | replacement | status |');
console.log('|---|---|---|---|');
for (const s of survivors) {
  const replacement = s.replacement.replace(/\|/g, '\\|').replace(/`/g, "'");
  console.log(`| ${s.file}:${s.line} | ${s.mutator} | \`${replacement}\` | ${s.status} |`);
}
