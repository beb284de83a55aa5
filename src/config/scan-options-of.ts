import type { ScanOptions } from '../scan/scan-options.js';
import type { ResolvedConfig } from './config-types.js';

/** The scanner's options from the configuration (the keys share their names), plus what only the CLI knows. */
export function scanOptionsOf(
  config: ResolvedConfig,
  extra: Pick<ScanOptions, 'reportExcluded' | 'cwd'> = {},
): ScanOptions {
  return {
    include: config.include,
    exclude: config.exclude,
    excludeFrom: config.excludeFrom,
    excludeIfPresent: config.excludeIfPresent,
    excludeCaches: config.excludeCaches,
    maxSize: config.maxSize,
    minSize: config.minSize,
    oneFileSystem: config.oneFileSystem,
    followSymlinks: config.followSymlinks,
    ...extra,
  };
}
