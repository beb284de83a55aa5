import type { Command } from 'commander';
import { collect } from '../flags.js';

/** The scan filters, shared by upload and verify so both see the same tree. */
export function addFilterOptions(cmd: Command, verb: 'back up' | 'compare'): Command {
  return cmd
    .option('--include <glob>', `${verb} only matching files (repeatable; leading / anchors to the root)`, collect)
    .option('--exclude <glob>', 'leave out matching files or folders (repeatable)', collect)
    .option('--exclude-from <file>', 'read exclude globs from a file (repeatable)', collect)
    .option('--exclude-if-present <name>', 'leave out folders holding a file with this name (repeatable)', collect)
    .option('--exclude-caches', 'leave out folders with a CACHEDIR.TAG')
    .option('--max-size <size>', 'leave out files larger than this')
    .option('--min-size <size>', 'leave out files smaller than this')
    .option('--one-file-system', 'do not cross into other filesystems')
    .option('--follow-symlinks', 'follow symbolic links (default: skip them with a notice)')
    .option('--hash-workers <n>', 'threads hashing files');
}
