import type { Stats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { MAX_FILE_SIZE } from '../hash/part-rules.js';
import { localNameProblem } from '../names/file-name.js';
import { FilterChain, type FolderFilterState } from './filter-chain.js';
import type { ScanOptions } from './scan-options.js';
import { resolveRoot, specialKindName, type ScanRoot } from './scan-root.js';

/** The answer of --explain-filters for one path. */
export interface FilterExplanation {
  /** The path as asked. */
  path: string;
  kept: boolean;
  /** The rule that decided, e.g. `exclude "*.tmp"`, `sub/.koodriveignore "build/"`, `no filter matched`. */
  rule: string;
}

/**
 * Says, for each path (absolute or relative to opts.cwd), whether a walk of these roots would back
 * it up and which rule decided: the folder rules of every folder above it first, then its own.
 * A path that does not exist is judged by its name as a file.
 */
export async function explainFilters(
  roots: readonly string[],
  opts: ScanOptions,
  paths: readonly string[],
): Promise<FilterExplanation[]> {
  const cwd = opts.cwd ?? process.cwd();
  const chain = await FilterChain.create(opts);
  const resolved: ScanRoot[] = [];
  for (const given of roots) resolved.push(await resolveRoot(given, cwd));
  const out: FilterExplanation[] = [];
  for (const asked of paths) {
    const abs = path.resolve(cwd, asked);
    const root = resolved.find(
      (r) => abs === r.absPath || (r.kind === 'folder' && abs.startsWith(r.absPath + path.sep)),
    );
    const verdict = root
      ? await explainOne(chain, opts, root, abs)
      : { kept: false, rule: 'outside every backup root' };
    out.push({ path: asked, ...verdict });
  }
  return out;
}

async function explainOne(
  chain: FilterChain,
  opts: ScanOptions,
  root: ScanRoot,
  abs: string,
): Promise<{ kept: boolean; rule: string }> {
  if (root.kind === 'file') return judgeFile(chain, chain.rootState(), path.basename(abs), root.stat);
  const rel = path.relative(root.absPath, abs).split(path.sep).join('/');
  if (rel === '') return { kept: true, rule: 'backup root' };
  let state: FolderFilterState = (await chain.enterFolder(chain.rootState(), root.absPath, '')).state;
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dirRel = parts.slice(0, i).join('/');
    const dirAbs = path.join(root.absPath, ...parts.slice(0, i));
    const st = await statAsWalked(dirAbs, opts);
    if (st === 'symlink')
      return { kept: false, rule: `folder ${dirRel} is a symbolic link, not followed (--follow-symlinks)` };
    const verdict = await chain.checkFolder(state, dirAbs, dirRel, st, root.stat.dev);
    if (!verdict.kept) return { kept: false, rule: `${verdict.rule}, on folder ${dirRel}` };
    state = (await chain.enterFolder(state, dirAbs, dirRel)).state;
  }
  const st = await statAsWalked(abs, opts);
  if (st === undefined) {
    const verdict = chain.checkFile(state, rel, undefined);
    return { kept: verdict.kept, rule: `${verdict.rule} (path not found; judged by its name as a file)` };
  }
  if (st === 'symlink') {
    const verdict = chain.checkFile(state, rel, undefined);
    return verdict.kept ? { kept: false, rule: 'symbolic link, not followed (--follow-symlinks)' } : verdict;
  }
  if (st.isDirectory()) return chain.checkFolder(state, abs, rel, st, root.stat.dev);
  return judgeFile(chain, state, rel, st);
}

function judgeFile(
  chain: FilterChain,
  state: FolderFilterState,
  rel: string,
  st: Stats,
): { kept: boolean; rule: string } {
  const verdict = chain.checkFile(state, rel, st.isFile() ? st.size : undefined);
  if (!verdict.kept) return verdict;
  if (!st.isFile())
    return { kept: false, rule: `${specialKindName(st)}; only regular files and folders are backed up` };
  if (st.size > MAX_FILE_SIZE) return { kept: false, rule: 'too-large: above the 200 GB KooDrive limit per file' };
  const nameProblem = localNameProblem(rel);
  if (nameProblem !== undefined) return { kept: false, rule: `bad-name: ${nameProblem}` };
  return verdict;
}

/** Stats as the walk sees them: 'symlink' for a link it would not follow, undefined when missing. */
async function statAsWalked(abs: string, opts: ScanOptions): Promise<Stats | 'symlink' | undefined> {
  try {
    const st = await lstat(abs);
    if (!st.isSymbolicLink()) return st;
    if (!opts.followSymlinks) return 'symlink';
    return await stat(abs);
  } catch {
    return undefined;
  }
}
