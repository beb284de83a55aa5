/** Files by folder and name, so that name clashes cost a lookup, not a scan of every file ever created. */
import type { EmulatorState, FileState } from './state.js';

/** One folder's files by name, in creation order. */
export type FolderNames = Map<string, FileState[]>;

// Keyed by the state object: built once from a loaded state, then kept up to date by addToFolder.
const indexes = new WeakMap<EmulatorState, Map<string, FolderNames>>();

const folderKey = (containerId: string, folderId: string): string => `${containerId}\u0000${folderId}`;

function indexOf(state: EmulatorState): Map<string, FolderNames> {
  let index = indexes.get(state);
  if (!index) {
    index = new Map();
    indexes.set(state, index);
    for (const f of Object.values(state.files)) add(index, f);
  }
  return index;
}

function add(index: Map<string, FolderNames>, file: FileState): void {
  const key = folderKey(file.containerId, file.parentFolder);
  let names = index.get(key);
  if (!names) index.set(key, (names = new Map()));
  const same = names.get(file.fileName);
  if (same) same.push(file);
  else names.set(file.fileName, [file]);
}

/** The files (of any record) in this folder of this space, by name. */
export function folderNames(state: EmulatorState, containerId: string, folderId: string): FolderNames {
  return indexOf(state).get(folderKey(containerId, folderId)) ?? new Map();
}

/** Records a new file in its folder's index (call right after adding it to state.files). */
export function addToFolder(state: EmulatorState, file: FileState): void {
  add(indexOf(state), file);
}
