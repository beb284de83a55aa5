import type { ResolvedConfig } from '../config/config-types.js';
import { loadConfig } from '../config/index.js';
import { envName } from '../config/value-origin.js';
import { KooDriveClient } from '../koodrive/client.js';
import { Network, useNetwork } from '../net/network.js';
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
  const config = await loadConfig({
    cwd: io.cwd,
    env: io.env,
    flags,
    ...(typeof flags.config === 'string' ? { configPath: flags.config } : {}),
  });
  for (const warning of config.warnings) io.stderr.write(`koodrive-backup: warning: ${warning}\n`);
  await openNetwork(config, io);
  return config;
}

/** Makes the run's connections (CA file, proxies, keep-alive agents) from its config; a bad CA file is exit 2. */
export async function openNetwork(config: Pick<ResolvedConfig, 'caFile'>, io: Pick<CliIo, 'env'>): Promise<void> {
  try {
    useNetwork(await Network.open({ ...(config.caFile ? { caFile: config.caFile } : {}), env: io.env }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The settings that say which KooDrive, as whom: any of them set means "configured". */
const CONNECTION_KEYS = ['endpoint', 'auth', 'token', 'userId', 'appId', 'appSecret'] as const;

/** How a command runs: whether a person watches (usesEmbeddedEmulator) and the raw environment. */
export interface TargetContext {
  env?: Readonly<Record<string, string | undefined>>;
  interactive?: boolean;
}

/** True when stdin and stderr are terminals and CI is not set: someone is watching this run. */
export function isInteractive(io: {
  stdin?: { isTTY?: boolean };
  stderr: { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}): boolean {
  const ci = io.env.CI;
  return (
    io.stdin?.isTTY === true &&
    io.stderr.isTTY === true &&
    (ci === undefined || ci === '' || ci === 'false' || ci === '0')
  );
}

/** The target settings of a config, as upload derives them. */
export function targetSettingsOf(
  config: ResolvedConfig,
  emulator: boolean,
  context: TargetContext = {},
): TargetSettings & { endpointGiven: boolean } {
  // Anything that names a KooDrive or an identity counts as configured, also a variable set to ""
  // (a secret missing in cron or CI): such a run goes to the configured (or default, real)
  // endpoint and fails there with the fix, never into a throwaway emulator.
  const emptyEnv = CONNECTION_KEYS.map(envName).filter((name) => context.env?.[name] === '');
  const endpointGiven = CONNECTION_KEYS.some((key) => config.provenance[key] !== 'default') || emptyEnv.length > 0;
  return {
    endpointGiven,
    ...(context.interactive ? { interactive: true } : {}),
    ...(emptyEnv.length > 0 ? { emptyEnv } : {}),
    ...(endpointGiven ? { endpoint: config.endpoint } : {}),
    ...(config.userId ? { userId: config.userId } : {}),
    auth: config.auth,
    ...(config.token ? { token: config.token } : {}),
    bareToken: config.bareToken,
    ...(config.appId ? { appId: config.appId } : {}),
    ...(config.appSecret ? { appSecret: config.appSecret } : {}),
    ...secretSourceOf(config),
    proofSeed: config.proofSeed,
    stateDir: config.stateDir,
    emulator,
  };
}

/** Where the secret in use came from, as advice names it: KOODRIVE_TOKEN, --token, or the file's path. */
function secretSourceOf(config: ResolvedConfig): { secretSource?: string } {
  const source = config.provenance[config.auth === 'app' ? 'appSecret' : 'token'];
  if (source === 'default') return {};
  return { secretSource: source.replace(/^(env|flag|file):/, '') };
}

/**
 * Opens a session for a command that talks to KooDrive. Unlike upload, it never falls back to the
 * embedded emulator silently: an endpoint must be configured, or --emulator given (the emulator
 * whose data upload --emulator left in the state folder).
 */
export async function openApiSession(
  flags: Record<string, unknown>,
  io: CliIo,
  signal?: AbortSignal,
): Promise<ApiSession> {
  const config = await loadCommandConfig(flags, io);
  const settings = targetSettingsOf(config, flags.emulator === true, { env: io.env });
  if (!settings.endpointGiven && !settings.emulator) {
    throw new UsageError(
      'no KooDrive endpoint configured: set KOODRIVE_ENDPOINT (or endpoint in .koodriverc, or --endpoint) ' +
        'with credentials, or pass --emulator to use the local emulator in the state folder',
    );
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
