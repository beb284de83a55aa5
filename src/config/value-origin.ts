/** Where one raw configuration value came from. */
export type ValueOrigin =
  | { type: 'default' }
  | { type: 'file'; path: string }
  | { type: 'env'; name: string }
  | { type: 'flag'; name: string };

/** How an origin is named in error messages: the file path, the env var, or the --flag. */
export function originLabel(origin: ValueOrigin): string {
  switch (origin.type) {
    case 'default':
      return 'the default';
    case 'file':
      return origin.path;
    case 'env':
      return origin.name;
    case 'flag':
      return origin.name;
  }
}

/** Converts camelCase to SCREAMING_SNAKE: userId → USER_ID. */
export function screamingSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Converts camelCase to kebab-case: oneFileSystem → one-file-system. */
export function kebab(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The environment variable for a key: KOODRIVE_USER_ID. */
export function envName(key: string): string {
  return `KOODRIVE_${screamingSnake(key)}`;
}

/** The long flag for a key: --user-id. */
export function flagName(key: string): string {
  return `--${kebab(key)}`;
}
