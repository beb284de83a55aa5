import type { LocalFile, LocalFolder, LocalLink, ScanNotice } from './local-file.js';

/** What the scanner yields, in walk order: a file to back up, or a notice about one it passed over. */
export type ScanItem =
  /** keptBy: the rule that kept the file (only with reportExcluded), e.g. `include "*.jpg"`. */
  | { type: 'file'; file: LocalFile; keptBy?: string }
  | { type: 'notice'; notice: ScanNotice }
  /** Only with reportTree: each folder walked (for empty folders, modes, mtimes) and each link not followed. */
  | { type: 'folder'; folder: LocalFolder }
  | { type: 'link'; link: LocalLink };

/** Filters and policies of one scan; every field is optional and off by default. */
export interface ScanOptions {
  /** Globs a file must match (any of them) when at least one is given. */
  include?: readonly string[];
  /** Globs whose matches (files, or folders with all below them) are left out. */
  exclude?: readonly string[];
  /** Files holding exclude globs, one a line, `#` comments. Relative paths resolve against `cwd`. */
  excludeFrom?: readonly string[];
  /** Leave out a folder that holds a file or folder with one of these names. */
  excludeIfPresent?: readonly string[];
  /** Leave out folders marked with a valid CACHEDIR.TAG. */
  excludeCaches?: boolean;
  /** Leave out files larger than this many bytes. */
  maxSize?: number;
  /** Leave out files smaller than this many bytes. */
  minSize?: number;
  /** Do not descend into folders on another filesystem than their root. */
  oneFileSystem?: boolean;
  /** Follow symbolic links (with loop detection) instead of reporting them. */
  followSymlinks?: boolean;
  /** Yield an 'excluded' notice, naming the rule, for every entry a filter leaves out. */
  reportExcluded?: boolean;
  /** Also yield folders and unfollowed symbolic links (what the record's manifest describes). */
  reportTree?: boolean;
  /** Name of the per-folder ignore file (gitignore syntax); default `.koodriveignore`. */
  ignoreFileName?: string;
  /** Folder against which relative paths in `excludeFrom` resolve; default process.cwd(). */
  cwd?: string;
}

export const IGNORE_FILE_NAME = '.koodriveignore';
