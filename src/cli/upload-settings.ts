import type { RequestOptions } from '../backup/create-request.js';
import { loadConfig, scanOptionsOf } from '../config/index.js';
import type { ResolvedConfig } from '../config/config-types.js';
import type { BackendName } from '../hash/backends.js';
import type { ScanOptions } from '../scan/scan-options.js';
import type { RetryPolicy } from '../retry/retry-policy.js';
import type { CliIo } from './io.js';
import type { TargetSettings } from './target.js';
import { isInteractive, openNetwork, targetSettingsOf } from './api-session.js';
import { UsageError } from './usage-error.js';
import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
  /** `lockId`: --lock-id / KOODRIVE_LOCK_ID, a lock a script holds, used and left held. */
  lock: { renewEveryMs: number; waitLockMs: number; lockTtlMs: number; lockId?: string };
}

// Flags that steer this command only; everything else is a config key.
const COMMAND_FLAGS = [
  'dryRun',
  'json',
  'quiet',
  'verbose',
  'explainFilters',
  'report',
  'onSuccess',
  'onFailure',
  'recordId',
  'emulator',
  'config',
  'hashBackend',
  'lockId',
] as const;

/** Loads the config with the command's flags and derives the run's settings. */
export async function loadUploadSettings(
  paths: string[],
  flags: Record<string, unknown>,
  io: CliIo,
): Promise<UploadSettings> {
  if (paths.length === 0)
    throw new UsageError('name at least one file or folder to back up, e.g. koodrive-backup upload ./docs');
  // `upload "$DIR"` with DIR unset must not back up the working folder.
  if (paths.some((p) => p === ''))
    throw new UsageError(
      'an empty path was given (an unset variable, such as "$DIR"?); name the file or folder to back up, ' +
        'e.g. koodrive-backup upload ./docs',
    );
  const configFlags = Object.fromEntries(
    Object.entries(flags).filter(([k]) => !(COMMAND_FLAGS as readonly string[]).includes(k)),
  );
  const config = await loadConfig({
    cwd: io.cwd,
    env: io.env,
    flags: configFlags,
    ...(typeof flags.config === 'string' ? { configPath: flags.config } : {}),
  });
  for (const warning of config.warnings) io.stderr.write(`koodrive-backup: warning: ${warning}\n`);
  await openNetwork(config, io);
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const bool = (k: string) => flags[k] === true;
  const report = str('report');
  if (report !== undefined) await checkReportPath(report, io.cwd);
  const hashBackend = (str('hashBackend') ?? 'auto') as BackendName;
  if (!['auto', 'native', 'noble'].includes(hashBackend))
    throw new UsageError(`--hash-backend must be auto, native or noble, got "${hashBackend}"`);
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
    ...(flags.explainFilters !== undefined
      ? { explainFilters: Array.isArray(flags.explainFilters) ? (flags.explainFilters as string[]) : [] }
      : {}),
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
    request: {
      onConflict: config.onConflict,
      parentFolder: config.parentFolder,
      ...(config.containerId ? { containerId: config.containerId } : {}),
    },
    scan: scanOptionsOf(config, { reportExcluded: bool('verbose'), cwd: io.cwd }),
    lock: {
      renewEveryMs: config.lockRenewInterval,
      waitLockMs: config.waitLock,
      lockTtlMs: 10 * 60_000,
      ...lockIdOption(flags, io),
    },
  };
}

/** A --report FILE that cannot be written: said before the run, not after it (exit 2). */
export class ReportPathError extends UsageError {}

/** Refuses a --report path whose folder is missing, not a folder, or not writable, or that is a folder. */
export async function checkReportPath(report: string, cwd: string): Promise<void> {
  if (report.trim() === '')
    throw new ReportPathError(
      '--report was given an empty path (an unset variable?); name the file to write, e.g. --report ' +
        '/var/log/koodrive/last.json',
    );
  const abs = resolve(cwd, report);
  const dir = dirname(abs);
  const folder = await stat(dir).catch(() => undefined);
  if (!folder)
    throw new ReportPathError(
      `cannot write the --report file ` +
        `${abs}: the folder ${dir} does not exist; create it (mkdir -p ${dir}) or name a file in an existing folder`,
    );
  if (!folder.isDirectory())
    throw new ReportPathError(
      `cannot write the --report file ${abs}: ${dir} is not a folder; name a file in an existing folder`,
    );
  if ((await stat(abs).catch(() => undefined))?.isDirectory())
    throw new ReportPathError(
      `cannot write the --report file ${abs}: it is a folder; name a file, e.g. ${abs}/report.json`,
    );
  await access(dir, constants.W_OK).catch(() => {
    throw new ReportPathError(
      `cannot write the --report file ${abs}: this user may not write in ${dir}; name a file in a folder you can write`,
    );
  });
}

/** --lock-id, else KOODRIVE_LOCK_ID (as `records complete` and `lock renew` read it). */
function lockIdOption(flags: Record<string, unknown>, io: CliIo): { lockId?: string } {
  const fromFlag = typeof flags.lockId === 'string' ? flags.lockId.trim() : '';
  if (flags.lockId !== undefined && fromFlag === '')
    throw new UsageError(
      '--lock-id was given an empty id (an unset variable?); give the id `koodrive-backup lock create` ' +
        'printed, or leave --lock-id out',
    );
  const lockId = fromFlag || io.env.KOODRIVE_LOCK_ID?.trim() || undefined;
  return lockId ? { lockId } : {};
}
