import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { errnoCode } from './scan-errors.js';

/** The rules of one per-folder ignore file, which apply below the folder that holds it. */
export interface IgnoreLayer {
  /** Root-relative POSIX path of the folder holding the file ('' for the root). */
  baseRel: string;
  /** Root-relative path of the file itself, for rule descriptions. */
  fileRel: string;
  rules: Ignore;
}

export type IgnoreLoad = { layer?: IgnoreLayer; error?: string };

/** Loads `<absDir>/<fileName>` if present (gitignore syntax); a read failure is returned, not thrown. */
export async function loadIgnoreLayer(absDir: string, baseRel: string, fileName: string): Promise<IgnoreLoad> {
  let text: string;
  try {
    text = await readFile(path.join(absDir, fileName), 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    return { error: `${fileName} cannot be read (${code ?? (err as Error).message}); its rules are not applied` };
  }
  // Case-sensitive like git on Linux: "Build/" must not hide "build/".
  const rules = ignore({ ignorecase: false }).add(text);
  const fileRel = baseRel === '' ? fileName : `${baseRel}/${fileName}`;
  return { layer: { baseRel, fileRel, rules } };
}

/**
 * Asks the ignore files on the path, deepest first (a deeper file overrides a shallower one, as in
 * git): returns the matching rule's description when the path is ignored, undefined when kept.
 */
export function ignoredBy(layers: readonly IgnoreLayer[], relPath: string, isDir: boolean): string | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    const local = layer.baseRel === '' ? relPath : relPath.slice(layer.baseRel.length + 1);
    if (local === '') continue;
    const result = layer.rules.test(isDir ? `${local}/` : local);
    if (result.ignored) return `${layer.fileRel} "${result.rule?.pattern ?? '?'}"`;
    if (result.unignored) return undefined;
  }
  return undefined;
}
