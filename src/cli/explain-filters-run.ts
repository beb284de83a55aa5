import { resolve } from 'node:path';
import { explainFilters } from '../scan/explain-filters.js';
import { walk } from '../scan/walk.js';
import type { CliIo } from './io.js';
import type { UploadSettings } from './upload-settings.js';

/** --explain-filters: one line per path, "keep" or "drop" and the rule that decided; or JSON lines. */
export async function runExplainFilters(settings: UploadSettings, io: CliIo): Promise<number> {
  const roots = settings.paths.map((p) => resolve(io.cwd, p));
  const asked = settings.explainFilters ?? [];
  const lines: { path: string; kept: boolean; rule: string }[] = [];
  if (asked.length > 0) {
    lines.push(...(await explainFilters(roots, settings.scan, asked)));
  } else {
    for await (const item of walk(roots, { ...settings.scan, reportExcluded: true })) {
      if (item.kind === 'file') lines.push({ path: item.file.absPath, kept: true, rule: 'no filter excluded it' });
      else lines.push({ path: item.notice.path, kept: false, rule: item.notice.rule ?? item.notice.message });
    }
  }
  for (const l of lines) {
    io.stdout.write(settings.json ? `${JSON.stringify(l)}\n` : `${l.kept ? 'keep' : 'drop'}  ${l.path}  (${l.rule})\n`);
  }
  return 0;
}
