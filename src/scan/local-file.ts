/** A regular file found by the scanner, ready to be planned. */
export interface LocalFile {
  absPath: string;
  /** Path relative to the backed-up root, POSIX separators (what goes into `description`). */
  relPath: string;
  /** The root (as given on the command line) this file was found under. */
  root: string;
  size: number;
  mtimeMs: number;
  /** Permission bits (st_mode & 0o7777), restored by `restore`. */
  mode?: number;
  /** Device and inode, to notice a file replaced under the same name. */
  dev: number;
  ino: number;
}

/** Something the scanner passed over, and why (rendered as a notice, never fatal). */
export interface ScanNotice {
  /** The root as given joined with the relative path: the path in the words the user typed. */
  path: string;
  kind: 'special' | 'symlink' | 'unreadable' | 'excluded' | 'too-large' | 'bad-name';
  message: string;
  /** Path relative to the root, POSIX separators ('' for the root itself). */
  relPath?: string;
  /** For kind 'excluded': the filter rule that dropped the entry. */
  rule?: string;
}

/** A folder of the tree (path as in the record, POSIX), for the manifest. */
export interface LocalFolder {
  relPath: string;
  mode: number;
  mtimeMs: number;
}

/** A symbolic link that is not followed, kept as a link in the manifest. */
export interface LocalLink {
  relPath: string;
  target: string;
}

/** What tells one version of a file from the next: size, mtime and inode (restic's fileChanged). */
export type FileVersion = Pick<LocalFile, 'size' | 'mtimeMs' | 'ino'>;

/** True when two looks at a file saw the same version of it. */
export function sameVersion(a: FileVersion, b: FileVersion): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}
