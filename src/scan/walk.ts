import { accessSync, constants, lstatSync, statSync, type Stats } from 'node:fs';
import { readlink } from 'node:fs/promises';
import path from 'node:path';
import { MAX_FILE_SIZE } from '../hash/part-rules.js';
import { localNameProblem } from '../names/file-name.js';
import { formatBytes } from '../util/size.js';
import { FilterChain, type FolderFilterState, type Verdict } from './filter-chain.js';
import { readSortedNames } from './folder-entries.js';
import type { ScanNotice } from './local-file.js';
import { errnoCode, ScanRootError } from './scan-errors.js';
import type { ScanItem, ScanOptions } from './scan-options.js';
import { resolveRoot, specialKindName, type ScanRoot } from './scan-root.js';
import { distinctRoots, prefixed, rootPrefixes } from './root-prefixes.js';

/** One walk of one root: what every step needs to know. */
interface RootWalk {
  root: ScanRoot;
  chain: FilterChain;
  opts: ScanOptions;
  /** dev:ino of the folders on the current path, to stop symlink loops. */
  ancestors: Set<string>;
  /** Where this root's files stand in the record (root-prefixes.ts). */
  prefix: string;
}

interface Folder {
  absPath: string;
  relPath: string;
  state: FolderFilterState;
}

/**
 * Walks the roots in order, depth-first, each folder's entries in UTF-8 byte order of their names,
 * yielding the regular files to back up and a notice for each entry passed over. All roots are
 * checked before the first item (ScanRootError); a bad filter option throws ScanFilterError.
 */
export async function* walk(roots: readonly string[], opts: ScanOptions = {}): AsyncGenerator<ScanItem> {
  if (roots.length === 0) throw new ScanRootError('', 'no path given; name at least one file or folder to back up');
  const cwd = opts.cwd ?? process.cwd();
  const chain = await FilterChain.create(opts);
  const resolved: ScanRoot[] = [];
  for (const given of roots) resolved.push(await resolveRoot(given, cwd));
  const distinct = distinctRoots(resolved.map((r) => r.absPath));
  const unique = distinct.map((abs) => resolved.find((r) => r.absPath === abs)!);
  const prefixes = rootPrefixes(distinct);
  for (const [i, root] of unique.entries()) {
    const run: RootWalk = { root, chain, opts, ancestors: new Set(), prefix: prefixes[i]! };
    if (root.kind === 'file') {
      yield* visitFile(run, chain.rootState(), root.absPath, path.basename(root.absPath), root.stat);
      continue;
    }
    run.ancestors.add(inodeKey(root.stat));
    if (opts.reportTree && run.prefix !== '') yield folderItem(run, '', root.stat);
    yield* walkFolder(run, chain.rootState(), root.absPath, '');
  }
}

/**
 * The checks walk() makes before its first item (every root exists and none is inside another, the
 * filters parse), without walking: a run makes them before it takes the lock and scans.
 */
export async function checkRoots(roots: readonly string[], opts: ScanOptions = {}): Promise<void> {
  if (roots.length === 0) throw new ScanRootError('', 'no path given; name at least one file or folder to back up');
  const cwd = opts.cwd ?? process.cwd();
  await FilterChain.create(opts);
  const resolved: ScanRoot[] = [];
  for (const given of roots) resolved.push(await resolveRoot(given, cwd));
  rootPrefixes(distinctRoots(resolved.map((r) => r.absPath)));
}

/** Lists a folder, reads its ignore file, and visits its entries in order. */
async function* walkFolder(
  run: RootWalk,
  parentState: FolderFilterState,
  absPath: string,
  relPath: string,
): AsyncGenerator<ScanItem> {
  let names: string[];
  try {
    names = await readSortedNames(absPath);
  } catch (err) {
    yield notice(run, relPath, 'unreadable', `folder cannot be listed (${errnoText(err)}); skipped with all below it`);
    return;
  }
  const entered = await run.chain.enterFolder(parentState, absPath, relPath, names);
  if (entered.error) yield notice(run, relPath, 'unreadable', entered.error);
  const folder: Folder = { absPath, relPath, state: entered.state };
  for (const name of names) yield* visitEntry(run, folder, name);
}

async function* visitEntry(run: RootWalk, folder: Folder, name: string): AsyncGenerator<ScanItem> {
  const absPath = path.join(folder.absPath, name);
  const relPath = folder.relPath === '' ? name : `${folder.relPath}/${name}`;
  let st: Stats;
  try {
    // Blocking stats: microseconds each from the inode cache, where a promise costs ~45 µs of CPU (docs/benchmarks.md).
    st = lstatSync(absPath);
  } catch (err) {
    // A name that is not valid UTF-8 comes back from readdir mangled and cannot be found again.
    if (name.includes('\uFFFD') && errnoCode(err) === 'ENOENT') {
      yield notice(run, relPath, 'bad-name', 'name is not valid UTF-8 and cannot be stored; rename it');
    } else {
      yield notice(run, relPath, 'unreadable', `cannot be read (${errnoText(err)}); skipped`);
    }
    return;
  }
  if (st.isSymbolicLink()) {
    const verdict = run.chain.checkFile(folder.state, relPath, undefined);
    if (!run.opts.followSymlinks) {
      if (!verdict.kept) yield* excluded(run, relPath, verdict);
      else yield* keptLink(run, absPath, relPath);
      return;
    }
    try {
      st = statSync(absPath);
    } catch (err) {
      const code = errnoCode(err);
      const why =
        code === 'ELOOP'
          ? 'symbolic link loop'
          : code === 'ENOENT'
            ? 'symbolic link points to nothing'
            : `symbolic link target cannot be read (${errnoText(err)})`;
      if (verdict.kept)
        yield notice(run, relPath, code === 'ELOOP' || code === 'ENOENT' ? 'symlink' : 'unreadable', `${why}; skipped`);
      return;
    }
  }
  if (st.isDirectory()) yield* visitFolder(run, folder, absPath, relPath, st);
  else if (st.isFile()) yield* visitFile(run, folder.state, absPath, relPath, st);
  else {
    const verdict = run.chain.checkFile(folder.state, relPath, undefined);
    if (!verdict.kept) yield* excluded(run, relPath, verdict);
    else
      yield notice(
        run,
        relPath,
        'special',
        `${specialKindName(st)}, skipped: only regular files and folders are backed up`,
      );
  }
}

async function* visitFolder(
  run: RootWalk,
  parent: Folder,
  absPath: string,
  relPath: string,
  st: Stats,
): AsyncGenerator<ScanItem> {
  const verdict = await run.chain.checkFolder(parent.state, absPath, relPath, st, run.root.stat.dev);
  if (!verdict.kept) {
    yield* excluded(run, relPath, verdict);
    return;
  }
  const key = inodeKey(st);
  if (run.ancestors.has(key)) {
    yield notice(run, relPath, 'symlink', 'symbolic link loop: it leads back to a folder above it; not followed again');
    return;
  }
  run.ancestors.add(key);
  if (run.opts.reportTree) yield folderItem(run, relPath, st);
  try {
    yield* walkFolder(run, parent.state, absPath, relPath);
  } finally {
    run.ancestors.delete(key);
  }
}

async function* visitFile(
  run: RootWalk,
  state: FolderFilterState,
  absPath: string,
  relPath: string,
  st: Stats,
): AsyncGenerator<ScanItem> {
  const verdict = run.chain.checkFile(state, relPath, st.size);
  if (!verdict.kept) {
    yield* excluded(run, relPath, verdict);
    return;
  }
  if (st.size > MAX_FILE_SIZE) {
    yield notice(
      run,
      relPath,
      'too-large',
      `file is ${formatBytes(st.size)}, above the 200 GB KooDrive limit per file; exclude it or split it`,
    );
    return;
  }
  // A root that is a file stands under its own name, or under its prefix when there are several roots.
  const recordPath = run.root.kind === 'file' ? run.prefix || relPath : prefixed(run.prefix, relPath);
  const nameProblem = localNameProblem(recordPath);
  if (nameProblem !== undefined) {
    yield notice(run, relPath, 'bad-name', `${nameProblem}; rename it or exclude it`);
    return;
  }
  try {
    accessSync(absPath, constants.R_OK);
  } catch (err) {
    yield notice(run, relPath, 'unreadable', `cannot be read (${errnoText(err)}); skipped`);
    return;
  }
  yield {
    type: 'file',
    file: {
      absPath,
      relPath: recordPath,
      root: run.root.given,
      size: st.size,
      mtimeMs: st.mtimeMs,
      mode: st.mode & 0o7777,
      dev: st.dev,
      ino: st.ino,
    },
    ...(run.opts.reportExcluded ? { keptBy: verdict.rule } : {}),
  };
}

/** A symbolic link that is not followed: noted, and (for the manifest) described as a link. */
async function* keptLink(run: RootWalk, absPath: string, relPath: string): AsyncGenerator<ScanItem> {
  if (!run.opts.reportTree) {
    yield notice(
      run,
      relPath,
      'symlink',
      'symbolic link not followed; pass --follow-symlinks to back up what it points to',
    );
    return;
  }
  let target: string;
  try {
    target = await readlink(absPath);
  } catch (err) {
    yield notice(run, relPath, 'unreadable', `symbolic link cannot be read (${errnoText(err)}); skipped`);
    return;
  }
  yield notice(
    run,
    relPath,
    'symlink',
    "symbolic link not followed: kept as a link in the record's manifest (restore recreates it); pass " +
      '--follow-symlinks to back up what it points to',
  );
  yield { type: 'link', link: { relPath: prefixed(run.prefix, relPath), target } };
}

function folderItem(run: RootWalk, relPath: string, st: Stats): ScanItem {
  return {
    type: 'folder',
    folder: { relPath: prefixed(run.prefix, relPath), mode: st.mode & 0o7777, mtimeMs: st.mtimeMs },
  };
}

async function* excluded(run: RootWalk, relPath: string, verdict: Verdict): AsyncGenerator<ScanItem> {
  if (run.opts.reportExcluded)
    yield {
      type: 'notice',
      notice: { ...notice(run, relPath, 'excluded', `excluded by ${verdict.rule}`).notice, rule: verdict.rule },
    };
}

function notice(
  run: RootWalk,
  relPath: string,
  kind: ScanNotice['kind'],
  message: string,
): ScanItem & { type: 'notice' } {
  return { type: 'notice', notice: { path: displayPath(run.root, relPath), relPath, kind, message } };
}

/** The root as the user typed it, then the relative path: what a notice should show. */
function displayPath(root: ScanRoot, relPath: string): string {
  if (root.kind === 'file' || relPath === '') return root.given;
  return root.given.endsWith('/') ? root.given + relPath : `${root.given}/${relPath}`;
}

function inodeKey(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

function errnoText(err: unknown): string {
  const code = errnoCode(err);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'it disappeared during the scan';
  return code ?? (err as Error).message;
}
