import type { Stats } from 'node:fs';
import { formatBytes } from '../util/size.js';
import { hasCacheDirTag, presentMarker } from './dir-markers.js';
import { compileGlob, describeRule, type GlobRule } from './glob-rule.js';
import { ignoredBy, loadIgnoreLayer, type IgnoreLayer } from './ignore-file.js';
import { readPatternFile } from './pattern-file.js';
import { IGNORE_FILE_NAME, type ScanOptions } from './scan-options.js';

/** Whether a filter kept or dropped an entry, and the rule that decided (for notices and --explain-filters). */
export interface Verdict {
  kept: boolean;
  rule: string;
}

/** What the filters know about the folder being walked: the ignore files above, an include that matched it. */
export interface FolderFilterState {
  layers: readonly IgnoreLayer[];
  /** Description of an include rule that matched this folder or one above it: all below is included. */
  includedBy?: string;
}

const KEPT_BY_DEFAULT = 'no filter matched';

/** The filters of one scan, compiled once; the walk and --explain-filters both ask it. */
export class FilterChain {
  private constructor(
    private readonly opts: ScanOptions,
    private readonly includes: readonly GlobRule[],
    private readonly excludes: readonly GlobRule[],
  ) {}

  /** Compiles the globs and reads the --exclude-from files (throws ScanFilterError on bad input). */
  static async create(opts: ScanOptions): Promise<FilterChain> {
    const cwd = opts.cwd ?? process.cwd();
    const includes = (opts.include ?? []).map((p) => compileGlob(p, 'include'));
    const excludes = (opts.exclude ?? []).map((p) => compileGlob(p, 'exclude'));
    for (const file of opts.excludeFrom ?? []) excludes.push(...(await readPatternFile(file, cwd)));
    return new FilterChain(opts, includes, excludes);
  }

  /** The state at a backup root, before its own ignore file is read. */
  rootState(): FolderFilterState {
    return { layers: [] };
  }

  /**
   * Reads the folder's ignore file and notes an include that matches it; returns the state for its
   * entries. `names` (the folder's listing, when known) saves looking for an ignore file that is not there.
   */
  async enterFolder(
    state: FolderFilterState,
    absDir: string,
    relDir: string,
    names?: readonly string[],
  ): Promise<{ state: FolderFilterState; error?: string }> {
    const ignoreFileName = this.opts.ignoreFileName ?? IGNORE_FILE_NAME;
    const loaded =
      names && !names.includes(ignoreFileName) ? {} : await loadIgnoreLayer(absDir, relDir, ignoreFileName);
    const layers = loaded.layer ? [...state.layers, loaded.layer] : state.layers;
    let includedBy = state.includedBy;
    if (includedBy === undefined && relDir !== '') {
      const rule = this.includes.find((r) => r.matches(relDir, true));
      if (rule) includedBy = describeRule(rule);
    }
    return { state: { layers, includedBy }, error: loaded.error };
  }

  /** The rules that look at the path alone: --exclude, --exclude-from, ignore files. Undefined = not excluded. */
  private excludedByPath(state: FolderFilterState, relPath: string, isDir: boolean): Verdict | undefined {
    const rule = this.excludes.find((r) => r.matches(relPath, isDir));
    if (rule) return { kept: false, rule: describeRule(rule) };
    const ignored = ignoredBy(state.layers, relPath, isDir);
    if (ignored) return { kept: false, rule: ignored };
    return undefined;
  }

  /** Decides whether to descend into a folder (st: its stats, if known; rootDev: st_dev of its root). */
  async checkFolder(
    state: FolderFilterState,
    absDir: string,
    relDir: string,
    st: Stats | undefined,
    rootDev: number,
  ): Promise<Verdict> {
    const byPath = this.excludedByPath(state, relDir, true);
    if (byPath) return byPath;
    if (this.opts.oneFileSystem && st !== undefined && st.dev !== rootDev) {
      return { kept: false, rule: 'one-file-system (another filesystem is mounted here)' };
    }
    if (this.opts.excludeIfPresent?.length) {
      const marker = await presentMarker(absDir, this.opts.excludeIfPresent);
      if (marker !== undefined) return { kept: false, rule: `exclude-if-present "${marker}"` };
    }
    if (this.opts.excludeCaches && (await hasCacheDirTag(absDir))) {
      return { kept: false, rule: 'exclude-caches (valid CACHEDIR.TAG)' };
    }
    return { kept: true, rule: KEPT_BY_DEFAULT };
  }

  /** Decides whether a regular file (or an entry treated as one) is backed up. */
  checkFile(state: FolderFilterState, relPath: string, size: number | undefined): Verdict {
    const byPath = this.excludedByPath(state, relPath, false);
    if (byPath) return byPath;
    let keptBy = KEPT_BY_DEFAULT;
    if (this.includes.length > 0) {
      const rule = this.includes.find((r) => r.matches(relPath, false));
      const by = rule ? describeRule(rule) : state.includedBy;
      if (by === undefined) return { kept: false, rule: 'no include pattern matched' };
      keptBy = by;
    }
    const { maxSize, minSize } = this.opts;
    if (size !== undefined && maxSize !== undefined && size > maxSize) {
      return { kept: false, rule: `max-size ${formatBytes(maxSize)} (file is ${formatBytes(size)})` };
    }
    if (size !== undefined && minSize !== undefined && size < minSize) {
      return { kept: false, rule: `min-size ${formatBytes(minSize)} (file is ${formatBytes(size)})` };
    }
    return { kept: true, rule: keptBy };
  }
}
