import { randomBytes } from 'node:crypto';
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
}

const EMULATOR_USER = '1505084218764547200';

/** Resolves the target: the configured endpoint, or an embedded emulator (--emulator or none configured). */
export async function resolveTarget(s: TargetSettings): Promise<Target> {
  if (s.emulator || !s.endpoint) {
    const { startEmulator } = await import('../emulator/index.js');
    const userId = s.userId ?? EMULATOR_USER;
    const token = s.token ?? new Secret(randomBytes(24).toString('hex'));
    const emulator = await startEmulator({
      dataDir: join(s.stateDir, 'emulator'),
      proofSeed: s.proofSeed,
      userId,
      ...(s.auth === 'app' ? { auth: 'app' as const, appId: s.appId, appSecret: s.appSecret?.reveal() } : { auth: 'token' as const, token: token.reveal() }),
    });
    const credentials = credentialsOf({ ...s, token });
    const embedded = { url: emulator.url, dataDir: join(s.stateDir, 'emulator'), close: () => emulator.close() };
    return { endpoint: emulator.url, userId, credentials, proofSeed: seedOf(s, userId, credentials), embedded };
  }
  return configuredTarget(s, s.endpoint);
}

/**
 * The identity a run would use, without starting or calling anything (for --dry-run), so that the
 * planned proofCode is the one the real run sends. The embedded emulator's own token is random:
 * there the seed is its user id unless a token was configured.
 */
export function plannedTarget(s: TargetSettings): Target {
  const hasCredentials = s.auth === 'app' ? !!s.appSecret : !!s.token;
  if (!s.emulator && s.endpoint) {
    // A dry run needs no credentials unless the proofCode is seeded with the token.
    if (hasCredentials || s.proofSeed !== 'userId') return configuredTarget(s, s.endpoint);
    if (!s.userId) throw new UsageError('no KooDrive user id: set userId in .koodriverc, KOODRIVE_USER_ID, or --user-id');
    return { endpoint: s.endpoint, userId: s.userId, credentials: { mode: 'token', token: new Secret('dry-run') }, proofSeed: s.userId };
  }
  const userId = s.userId ?? EMULATOR_USER;
  const credentials = credentialsOf(hasCredentials ? s : { ...s, auth: 'token', token: new Secret('dry-run') });
  return { endpoint: 'embedded emulator', userId, credentials, proofSeed: hasCredentials ? seedOf(s, userId, credentials) : userId };
}

function configuredTarget(s: TargetSettings, endpoint: string): Target {
  if (!s.userId) throw new UsageError('no KooDrive user id: set userId in .koodriverc, KOODRIVE_USER_ID, or --user-id');
  const credentials = credentialsOf(s);
  return { endpoint, userId: s.userId, credentials, proofSeed: seedOf(s, s.userId, credentials) };
}

function credentialsOf(s: TargetSettings): Credentials {
  if (s.auth === 'app') {
    if (!s.appId || !s.appSecret || s.appSecret.isEmpty) {
      throw new UsageError('app auth needs an AppId and AppSecret: set appId/appSecret in .koodriverc or KOODRIVE_APP_ID/KOODRIVE_APP_SECRET');
    }
    return { mode: 'app', appId: s.appId, appSecret: s.appSecret };
  }
  if (!s.token || s.token.isEmpty) {
    throw new UsageError('no access token: set KOODRIVE_TOKEN (or token in .koodriverc), or use --emulator to try the tool locally');
  }
  return { mode: 'token', token: s.token, ...(s.bareToken ? { bareToken: true } : {}) };
}

/** The proofCode seed value (reference §6.1): X-User-Id by default, or the Authorization value. */
function seedOf(s: TargetSettings, userId: string, credentials: Credentials): string {
  if (s.proofSeed === 'userId' || credentials.mode === 'app') return userId;
  const token = credentials.token.reveal();
  if (s.proofSeed === 'authorizationBareToken' || credentials.bareToken) return token;
  return `Bearer ${token}`;
}
