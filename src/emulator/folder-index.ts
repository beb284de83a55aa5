/**
 * Files by folder (and by record) and name, so that name clashes cost a lookup, not a scan of every
 * file ever created; and how many files refer to each sha256, so that deleting a record knows which
 * blobs nobody needs any more; and every file in creation order, for paging.
 */
import { FileOrder } from './file-order.js';
import type { EmulatorState, FileState } from './state.js';

/** One folder's files by name, in creation order. */
export type FolderNames = Map<string, FileState[]>;

/** Where name clashes are looked up (EmulatorOptions.nameScope). */
export type NameScope = 'record' | 'folder';

interface Indexes {
  /** container + folder → names (files of every record). */
  byFolder: Map<string, FolderNames>;
  /** container + folder + record → names (files of that record only). */
  byRecord: Map<string, FolderNames>;
  /** sha256 → number of files (any status) that refer to it. */
  shaRefs: Map<string, number>;
  /** Every file, in creation order. */
  order: FileOrder;
}

// Keyed by the state object: built once from a loaded state, then kept up to date by indexFile/unindexFile.
const indexes = new WeakMap<EmulatorState, Indexes>();

const folderKey = (containerId: string, folderId: string): string => `${containerId}\u0000${folderId}`;
const recordKey = (containerId: string, folderId: string, recordId: string): string =>
  `${containerId}\u0000${folderId}\u0000${recordId}`;

function indexOf(state: EmulatorState): Indexes {
  let index = indexes.get(state);
  if (!index) {
    index = { byFolder: new Map(), byRecord: new Map(), shaRefs: new Map(), order: new FileOrder() };
    indexes.set(state, index);
    for (const id in state.files) add(index, state.files[id]!);
  }
  return index;
}

function addName(map: Map<string, FolderNames>, key: string, file: FileState): void {
  let names = map.get(key);
  if (!names) map.set(key, (names = new Map()));
  const same = names.get(file.fileName);
  if (same) same.push(file);
  else names.set(file.fileName, [file]);
}

function removeName(map: Map<string, FolderNames>, key: string, file: FileState): void {
  const names = map.get(key);
  const same = names?.get(file.fileName);
  if (!names || !same) return;
  const at = same.indexOf(file);
  if (at >= 0) same.splice(at, 1);
  if (same.length === 0) names.delete(file.fileName);
  if (names.size === 0) map.delete(key);
}

function add(index: Indexes, file: FileState): void {
  addName(index.byFolder, folderKey(file.containerId, file.parentFolder), file);
  addName(index.byRecord, recordKey(file.containerId, file.parentFolder, file.recordId), file);
  index.shaRefs.set(file.sha256, (index.shaRefs.get(file.sha256) ?? 0) + 1);
  index.order.add(file);
}

/**
 * The files in this folder of this space, by name: of the record only under 'record' scope, of
 * every record under 'folder' scope.
 */
export function namesInScope(
  state: EmulatorState,
  scope: NameScope,
  containerId: string,
  folderId: string,
  recordId: string,
): FolderNames {
  const index = indexOf(state);
  const names =
    scope === 'record'
      ? index.byRecord.get(recordKey(containerId, folderId, recordId))
      : index.byFolder.get(folderKey(containerId, folderId));
  return names ?? new Map();
}

/** Records a new file in the indexes (call right after adding it to state.files). */
export function indexFile(state: EmulatorState, file: FileState): void {
  // An index built just now, from state.files, holds the file already.
  const built = indexes.has(state);
  const index = indexOf(state);
  if (built) add(index, file);
}

/**
 * Takes a file out of the indexes (call when removing it from state.files); answers how many
 * remaining files still refer to its sha256 (0: its blob is needed by nobody).
 */
export function unindexFile(state: EmulatorState, file: FileState): number {
  const index = indexOf(state);
  removeName(index.byFolder, folderKey(file.containerId, file.parentFolder), file);
  removeName(index.byRecord, recordKey(file.containerId, file.parentFolder, file.recordId), file);
  index.order.remove(file);
  const left = (index.shaRefs.get(file.sha256) ?? 1) - 1;
  if (left > 0) index.shaRefs.set(file.sha256, left);
  else index.shaRefs.delete(file.sha256);
  return Math.max(0, left);
}

/** How many files (any status, any record) refer to this sha256. */
export function shaRefCount(state: EmulatorState, sha256: string): number {
  return indexOf(state).shaRefs.get(sha256) ?? 0;
}

/** One page of every stored file in creation order, from cursor `from` (a FileOrder sequence). */
export function filesPage(state: EmulatorState, from: number, limit: number): { files: FileState[]; next?: number } {
  return indexOf(state).order.page(from, limit);
}
