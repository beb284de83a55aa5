import { relative, resolve, sep } from 'node:path';
import { sanitizeText } from '../report/terminal-text.js';
import { explainFilters, type FilterExplanation } from '../scan/explain-filters.js';
import type { LocalFile } from '../scan/local-file.js';
import { walk } from '../scan/walk.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import type { UploadSettings } from './upload-settings.js';

/**
 * --explain-filters: one line per path, "keep" or "drop" and the rule that decided (JSON lines with
 * --json). Paths named after the flag are judged one by one (they need not exist); without any, every
 * entry the walk meets under the roots is listed, in walk order, with the rule that kept or dropped it.
 * Paths are shown as typed: the root as given on the command line joined with the relative path.
 */
export async function runExplainFilters(settings: UploadSettings, io: CliIo): Promise<number> {
  const asked = settings.explainFilters ?? [];
  const answers =
    asked.length > 0 ? await explainFilters(settings.paths, settings.scan, asked) : await explainWalk(settings);
  for (const a of answers) {
    io.stdout.write(
      settings.json
        ? `${JSON.stringify(a)}\n`
        : `${a.kept ? 'keep' : 'drop'}  ${sanitizeText(a.path)}  (${sanitizeText(a.rule)})\n`,
    );
  }
  return EXIT.OK;
}

/** Every file and every entry passed over under the roots, as the walk decides them. */
async function explainWalk(settings: UploadSettings): Promise<FilterExplanation[]> {
  const out: FilterExplanation[] = [];
  for await (const item of walk(settings.paths, { ...settings.scan, reportExcluded: true })) {
    if (item.type === 'file') {
      out.push({ path: shownPath(item.file, settings.scan.cwd), kept: true, rule: item.keptBy ?? 'no filter matched' });
    } else if (item.type === 'notice') {
      const { notice } = item;
      out.push({
        path: notice.path,
        kept: false,
        rule: notice.kind === 'excluded' ? (notice.rule ?? notice.message) : `${notice.kind}: ${notice.message}`,
      });
    }
  }
  return out;
}

/** The root as typed, then the relative path (a root that is itself a file is shown as typed). */
function shownPath(file: LocalFile, cwd: string | undefined): string {
  if (resolve(cwd ?? process.cwd(), file.root) === file.absPath) return file.root;
  // relPath carries the root's prefix when there are several roots; the path below the root does not.
  const below = relative(resolve(cwd ?? process.cwd(), file.root), file.absPath)
    .split(sep)
    .join('/');
  return file.root.endsWith('/') ? file.root + below : `${file.root}/${below}`;
}
