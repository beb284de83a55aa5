import type { ResolvedConfig } from '../config/config-types.js';
import { loadConfig } from '../config/index.js';
import { KooDriveClient } from '../koodrive/client.js';
import type { CliIo } from './io.js';
import { resolveTarget, type Target, type TargetSettings } from './target.js';
import { UsageError } from './usage-error.js';
import { VERSION } from './version.js';

/** A resolved configuration, the target it names and a client for it; close() stops an embedded emulator. */
export interface ApiSession {
  config: ResolvedConfig;
  target: Target;
  client: KooDriveClient;
  close(): Promise<void>;
}

/**
 * Loads the configuration with the flags the user typed (keys outside the schema are ignored by
 * loadConfig) and prints its warnings on stderr.
 */
export async function loadCommandConfig(flags: Record<string, unknown>, io: CliIo): Promise<ResolvedConfig> {
  const config = await loadConfig({ cwd: io.cwd, env: io.env, flags, ...(typeof flags.config === 'string' ? { configPath: flags.config } : {}) });
  for (const warning of config.warnings) io.stderr.write(`koodrive-backup: warning: ${warning}\n`);
  return config;
}

/** The target settings of a config, as upload derives them. */
export function targetSettingsOf(config: ResolvedConfig, emulator: boolean): TargetSettings & { endpointGiven: boolean } {
  // Credentials alone count as configured: they are meant for the default (real) endpoint.
  const endpointGiven = config.provenance.endpoint !== 'default' || config.token !== undefined || config.appSecret !== undefined;
  return {
    endpointGiven,
    ...(endpointGiven ? { endpoint: config.endpoint } : {}),
    ...(config.userId ? { userId: config.userId } : {}),
    auth: config.auth,
    ...(config.token ? { token: config.token } : {}),
    bareToken: config.bareToken,
    ...(config.appId ? { appId: config.appId } : {}),
    ...(config.appSecret ? { appSecret: config.appSecret } : {}),
    proofSeed: config.proofSeed,
    stateDir: config.stateDir,
    emulator,
  };
}

/**
 * Opens a session for a command that talks to KooDrive. Unlike upload, it never falls back to the
 * embedded emulator silently: an endpoint must be configured, or --emulator given (the emulator
 * whose data upload --emulator left in the state folder).
 */
export async function openApiSession(flags: Record<string, unknown>, io: CliIo, signal?: AbortSignal): Promise<ApiSession> {
  const config = await loadCommandConfig(flags, io);
  const settings = targetSettingsOf(config, flags.emulator === true);
  if (!settings.endpointGiven && !settings.emulator) {
    throw new UsageError('no KooDrive endpoint configured: set KOODRIVE_ENDPOINT (or endpoint in .koodriverc, or --endpoint) with credentials, or pass --emulator to use the local emulator in the state folder');
  }
  const target = await resolveTarget(settings);
  try {
    const client = new KooDriveClient({
      endpoint: target.endpoint,
      userId: target.userId,
      credentials: target.credentials,
      timeoutMs: config.timeout,
      retry: { maxAttempts: config.retries, baseDelayMs: 500, maxDelayMs: 30_000, maxTotalMs: 5 * 60_000 },
      clockSkewMs: config.clockSkew,
      userAgent: `koodrive-backup/${VERSION}`,
      ...(signal ? { signal } : {}),
    });
    return { config, target, client, close: async () => target.embedded?.close() };
  } catch (err) {
    await target.embedded?.close();
    throw err;
  }
}
