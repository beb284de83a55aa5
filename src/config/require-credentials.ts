import { ConfigError } from './config-error.js';
import type { ConfigKey, ResolvedConfig } from './config-types.js';
import { envName, flagName } from './value-origin.js';

/** The keys each auth mode needs before a request can be signed. */
const NEEDED: Record<ResolvedConfig['auth'], readonly ConfigKey[]> = {
  token: ['userId', 'token'],
  app: ['userId', 'appId', 'appSecret'],
};

/** Throws ConfigError naming the first credential the chosen auth mode lacks, and the three ways to set it. */
export function requireCredentials(config: ResolvedConfig): void {
  const missing = NEEDED[config.auth].find((key) => config[key] === undefined);
  if (missing === undefined) return;
  throw new ConfigError(
    `${missing} is not set (needed for auth ${config.auth}); set ${envName(missing)}, or ${missing} in .koodriverc, or pass ${flagName(missing)}`,
    missing,
  );
}
