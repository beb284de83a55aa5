import { randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Credentials } from '../koodrive/auth.js';
import { Secret } from '../util/secret.js';
import { UsageError } from './usage-error.js';

/** Where a run sends its calls, with what identity; and the embedded emulator to stop, if any. */
export interface Target {
  endpoint: string;
  userId: string;
  credentials: Credentials;
  /** The proofCode seed value for this identity (never printed). */
  proofSeed: string;
  embedded?: { url: string; dataDir: string; close(): Promise<void> };
}

export interface TargetSettings {
  endpoint?: string;
  userId?: string;
  auth: 'token' | 'app';
  token?: Secret;
  bareToken?: boolean;
  appId?: string;
  appSecret?: Secret;
  proofSeed: 'userId' | 'authorization' | 'authorizationBareToken';
  stateDir: string;
  emulator: boolean;
  /**
   * stdin and stderr are terminals and CI is not set: a person is watching, so with nothing at all
   * configured the embedded emulator may stand in (and says so). Never for cron or CI.
   */
  interactive?: boolean;
  /** Connection variables set to the empty string (KOODRIVE_TOKEN=""): configured, but missing. */
  emptyEnv?: readonly string[];
  /** Where the token / app secret came from (KOODRIVE_TOKEN, --token, a config file), for advice. */
  secretSource?: string;
}

/** The line for a run with nothing configured outside a terminal (exit 2). */
export const NOTHING_CONFIGURED =
  'no KooDrive endpoint or credentials configured; set KOODRIVE_USER_ID and KOODRIVE_TOKEN (or ' +
  'KOODRIVE_AUTH=app with KOODRIVE_APP_ID and KOODRIVE_APP_SECRET), or pass --emulator to back up to a ' +
  'local emulator';

/**
 * Whether a run uses the embedded emulator: with --emulator, or in an interactive terminal when
 * nothing at all is configured (no endpoint, auth, token, user id, app id or secret in flags,
 * environment or config file). Nothing configured outside a terminal (cron, CI, a missing secret)
 * is a usage error, never a silent backup into a throwaway emulator.
 */
export function usesEmbeddedEmulator(s: TargetSettings): boolean {
  if (s.emulator) return true;
  if (s.endpoint) return false;
  if (s.interactive) return true;
  throw new UsageError(NOTHING_CONFIGURED);
}

/** "<what>; <fix>", or, when the variable that should hold it is set but empty, says so. */
function missing(what: string, variable: string, fix: string, s: TargetSettings): UsageError {
  if (s.emptyEnv?.includes(variable)) {
    return new UsageError(
      `${what}: ${variable} is set but empty (a missing secret in cron or CI?); set it, or leave it unset ` +
        `and use --emulator to try the tool locally`,
    );
  }
  return new UsageError(`${what}; ${fix}`);
}

const EMULATOR_USER = '1505084218764547200';

/** The endpoint a dry run names when the real run would use the embedded emulator. */
export const EMBEDDED_PLANNED = 'embedded emulator';

/** Resolves the target: the configured endpoint, or an embedded emulator (usesEmbeddedEmulator). */
export async function resolveTarget(s: TargetSettings): Promise<Target> {
  if (usesEmbeddedEmulator(s)) {
    const { startEmulator } = await import('../emulator/index.js');
    const dataDir = join(s.stateDir, 'emulator');
    // Like the rest of the state folder: readable by the owner only (also data an older version left).
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chmod(dataDir, 0o700);
    const userId = s.userId ?? EMULATOR_USER;
    const token = s.token ?? new Secret(randomBytes(24).toString('hex'));
    const emulator = await startEmulator({
      dataDir,
      proofSeed: s.proofSeed,
      userId,
      ...(s.auth === 'app'
        ? { auth: 'app' as const, appId: s.appId, appSecret: s.appSecret?.reveal() }
        : { auth: 'token' as const, token: token.reveal() }),
    });
    const credentials = credentialsOf({ ...s, token });
    const embedded = { url: emulator.url, dataDir, close: () => emulator.close() };
    return { endpoint: emulator.url, userId, credentials, proofSeed: seedOf(s, userId, credentials), embedded };
  }
  return configuredTarget(s, s.endpoint!);
}

/**
 * The identity a run would use, without starting or calling anything (for --dry-run), so that the
 * planned proofCode is the one the real run sends. The embedded emulator's own token is random:
 * there the seed is its user id unless a token was configured.
 */
export function plannedTarget(s: TargetSettings): Target {
  const hasCredentials = s.auth === 'app' ? !!s.appSecret : !!s.token;
  if (!usesEmbeddedEmulator(s) && s.endpoint) {
    // A dry run needs no credentials unless the proofCode is seeded with the token.
    if (hasCredentials || s.proofSeed !== 'userId') return configuredTarget(s, s.endpoint);
    if (!s.userId)
      throw missing(
        'no KooDrive user id configured',
        'KOODRIVE_USER_ID',
        'set userId in .koodriverc, KOODRIVE_USER_ID, or --user-id',
        s,
      );
    return {
      endpoint: s.endpoint,
      userId: s.userId,
      credentials: { mode: 'token', token: new Secret('dry-run') },
      proofSeed: s.userId,
    };
  }
  const userId = s.userId ?? EMULATOR_USER;
  const credentials = credentialsOf(hasCredentials ? s : { ...s, auth: 'token', token: new Secret('dry-run') });
  return {
    endpoint: EMBEDDED_PLANNED,
    userId,
    credentials,
    proofSeed: hasCredentials ? seedOf(s, userId, credentials) : userId,
  };
}

function configuredTarget(s: TargetSettings, endpoint: string): Target {
  // Credentials first: a missing secret (KOODRIVE_TOKEN="") is the likelier mistake to name.
  const credentials = credentialsOf(s);
  if (!s.userId)
    throw missing(
      'no KooDrive user id configured',
      'KOODRIVE_USER_ID',
      'set userId in .koodriverc, KOODRIVE_USER_ID, or --user-id',
      s,
    );
  return { endpoint, userId: s.userId, credentials, proofSeed: seedOf(s, s.userId, credentials) };
}

function credentialsOf(s: TargetSettings): Credentials {
  if (s.auth === 'app') {
    const fix = 'set appId/appSecret in .koodriverc or KOODRIVE_APP_ID/KOODRIVE_APP_SECRET';
    if (!s.appId)
      throw missing('app auth needs an AppId and AppSecret, and no AppId is configured', 'KOODRIVE_APP_ID', fix, s);
    if (!s.appSecret || s.appSecret.isEmpty)
      throw missing(
        'app auth needs an AppId and AppSecret, and no AppSecret is configured',
        'KOODRIVE_APP_SECRET',
        fix,
        s,
      );
    return {
      mode: 'app',
      appId: s.appId,
      appSecret: s.appSecret,
      ...(s.secretSource ? { source: s.secretSource } : {}),
    };
  }
  if (!s.token || s.token.isEmpty) {
    throw missing(
      'no access token configured',
      'KOODRIVE_TOKEN',
      'set KOODRIVE_TOKEN (or token in .koodriverc), or pass --emulator to try the tool against a local emulator',
      s,
    );
  }
  return {
    mode: 'token',
    token: s.token,
    ...(s.bareToken ? { bareToken: true } : {}),
    ...(s.secretSource ? { source: s.secretSource } : {}),
  };
}

/** The proofCode seed value (reference §6.1): X-User-Id by default, or the Authorization value. */
function seedOf(s: TargetSettings, userId: string, credentials: Credentials): string {
  if (s.proofSeed === 'userId' || credentials.mode === 'app') return userId;
  const token = credentials.token.reveal();
  if (s.proofSeed === 'authorizationBareToken' || credentials.bareToken) return token;
  return `Bearer ${token}`;
}
