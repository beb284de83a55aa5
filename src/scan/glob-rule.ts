import picomatch from 'picomatch';
import { ScanFilterError } from './scan-errors.js';

/** One include/exclude glob, compiled with rclone/restic semantics. */
export interface GlobRule {
  /** The pattern as the user wrote it. */
  pattern: string;
  /** Where it came from: "exclude", "include", "exclude-from ./list.txt:3". */
  origin: string;
  /** Written with a trailing "/": matches folders only. */
  dirOnly: boolean;
  /** Does the rule match this root-relative POSIX path? */
  matches(relPath: string, isDir: boolean): boolean;
}

/**
 * Compiles a glob: a leading "/" anchors it to the backup root; otherwise it matches the trailing
 * whole path elements at any depth (so a name without "/" matches the base name anywhere); "*"
 * stays within one path element and "**" crosses folders; a trailing "/" limits it to folders.
 */
export function compileGlob(pattern: string, origin: string): GlobRule {
  let body = pattern;
  const dirOnly = body.endsWith('/');
  body = body.replace(/\/+$/, '');
  const anchored = body.startsWith('/');
  body = body.replace(/^\/+/, '');
  if (body === '') {
    throw new ScanFilterError(
      `${origin} pattern "${pattern}" matches nothing; write a name or glob such as "*.tmp" or "/cache/"`,
    );
  }
  let test: (path: string) => boolean;
  try {
    // dot: rclone and restic let "*" match names that start with a dot.
    test = picomatch(anchored ? body : `**/${body}`, { dot: true });
  } catch (err) {
    throw new ScanFilterError(
      `${origin} pattern "${pattern}" is not a valid glob (${(err as Error).message}); fix or quote it`,
    );
  }
  return {
    pattern,
    origin,
    dirOnly,
    matches: (relPath, isDir) => (isDir || !dirOnly) && test(relPath),
  };
}

/** The human description of a rule, as shown by --explain-filters and 'excluded' notices. */
export function describeRule(rule: GlobRule): string {
  return `${rule.origin} "${rule.pattern}"`;
}
