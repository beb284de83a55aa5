import type { RequestOptions } from '../backup/create-request.js';
import { loadConfig, scanOptionsOf } from '../config/index.js';
import type { ResolvedConfig } from '../config/config-types.js';
import type { BackendName } from '../hash/backends.js';
import type { ScanOptions } from '../scan/scan-options.js';
import type { RetryPolicy } from '../transfer/retry-policy.js';
import type { CliIo } from './io.js';
import type { TargetSettings } from './target.js';
import { isInteractive, openNetwork, targetSettingsOf } from './api-session.js';
import { UsageError } from './usage-error.js';
import { VERSION } from './version.js';

/** Everything `upload` needs, resolved from config + env + flags. */
export interface UploadSettings {
  version: string;
  paths: string[];
  config: ResolvedConfig;
  target: TargetSettings;
  dryRun: boolean;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  /** --explain-filters: undefined = off; [] = every path under the roots. */
  explainFilters?: string[];
  report?: string;
  onSuccess?: string;
  onFailure?: string;
  recordId?: string;
  resume: boolean;
  checksum: boolean;
  concurrency: number;
  fileConcurrency: number;
  hashWorkers: number;
  hashBackend: BackendName;
  partSize?: number;
  bwlimit?: number;
  timeoutMs: number;
  clockSkewMs: number;
  retry: RetryPolicy;
  stateDir: string;
  deviceId?: string;
  request: RequestOptions;
  scan: ScanOptions;
  lock: { renewEveryMs: number; waitLockMs: number; lockTtlMs: number };
}

// Flags that steer this command only; everything else is a config key.
const COMMAND_FLAGS = ['dryRun', 'json', 'quiet', 'verbose', 'explainFilters', 'report', 'onSuccess', 'onFailure', 'recordId', 'emulator', 'config', 'hashBackend'] as const;

/** Loads the config with the command's flags and derives the run's settings. */
export async function loadUploadSettings(paths: string[], flags: Record<string, unknown>, io: CliIo): Promise<UploadSettings> {
  if (paths.length === 0) throw new UsageError('name at least one file or folder to back up, e.g. koodrive-backup upload ./docs');
  // `upload "$DIR"` with DIR unset must not back up the working folder.
  if (paths.some((p) => p === '')) throw new UsageError('an empty path was given (an unset variable, such as "$DIR"?); name the file or folder to back up, e.g. koodrive-backup upload ./docs');
  const configFlags = Object.fromEntries(Object.entries(flags).filter(([k]) => !(COMMAND_FLAGS as readonly string[]).includes(k)));
  const config = await loadConfig({ cwd: io.cwd, env: io.env, flags: configFlags, ...(typeof flags.config === 'string' ? { configPath: flags.config } : {}) });
  for (const warning of config.warnings) io.stderr.write(`koodrive-backup: warning: ${warning}\n`);
  await openNetwork(config, io);
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const bool = (k: string) => flags[k] === true;
  const hashBackend = (str('hashBackend') ?? 'auto') as BackendName;
  if (!['auto', 'native', 'noble'].includes(hashBackend)) throw new UsageError(`--hash-backend must be auto, native or noble, got "${hashBackend}"`);
  return {
    version: VERSION,
    paths,
    config,
    // --emulator, or nothing configured in a terminal: the embedded emulator (docs/decisions.md).
    target: targetSettingsOf(config, bool('emulator'), { env: io.env, interactive: isInteractive(io) }),
    dryRun: bool('dryRun'),
    json: bool('json'),
    quiet: bool('quiet'),
    verbose: bool('verbose'),
    ...(flags.explainFilters !== undefined ? { explainFilters: Array.isArray(flags.explainFilters) ? (flags.explainFilters as string[]) : [] } : {}),
    ...(str('report') ? { report: str('report') } : {}),
    ...(str('onSuccess') ? { onSuccess: str('onSuccess') } : {}),
    ...(str('onFailure') ? { onFailure: str('onFailure') } : {}),
    ...(str('recordId') ? { recordId: str('recordId') } : {}),
    resume: config.resume,
    checksum: config.checksum,
    concurrency: config.concurrency,
    fileConcurrency: config.fileConcurrency,
    hashWorkers: config.hashWorkers,
    hashBackend,
    ...(config.partSize !== 'auto' ? { partSize: config.partSize } : {}),
    ...(config.bwlimit ? { bwlimit: config.bwlimit } : {}),
    timeoutMs: config.timeout,
    clockSkewMs: config.clockSkew,
    retry: { maxAttempts: config.retries, baseDelayMs: 500, maxDelayMs: 30_000, maxTotalMs: 15 * 60_000 },
    stateDir: config.stateDir,
    ...(config.deviceId ? { deviceId: config.deviceId } : {}),
    request: { onConflict: config.onConflict, parentFolder: config.parentFolder, ...(config.containerId ? { containerId: config.containerId } : {}) },
    scan: scanOptionsOf(config, { reportExcluded: bool('verbose'), cwd: io.cwd }),
    lock: { renewEveryMs: config.lockRenewInterval, waitLockMs: config.waitLock, lockTtlMs: 10 * 60_000 },
  };
}
