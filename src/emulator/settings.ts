/** EmulatorOptions → checked settings with the reference's defaults (§10). */
import type { ResolvedSettings } from './context.js';
import type { EmulatorOptions } from './types.js';

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`emulator option ${name} must be a positive number, got ${String(value)}`);
  return v;
}

/** Fills defaults and refuses incomplete auth settings with a message saying what to pass. */
export function resolveSettings(opts: EmulatorOptions): ResolvedSettings {
  if (!opts.dataDir) throw new Error('emulator option dataDir is required (where blobs and state.json are kept)');
  if (!opts.userId) throw new Error('emulator option userId is required (the accepted X-User-Id)');
  const auth = opts.auth ?? 'token';
  if (auth !== 'token' && auth !== 'app')
    throw new Error(`emulator option auth must be "token" or "app", got "${String(auth)}"`);
  if (auth === 'token' && !opts.token)
    throw new Error('token mode needs a token: pass token (CLI: --token or KOODRIVE_EMULATOR_TOKEN)');
  if (auth === 'app' && (!opts.appId || !opts.appSecret)) {
    throw new Error(
      'app mode needs appId and appSecret (CLI: --app-id and --app-secret or KOODRIVE_EMULATOR_APP_SECRET)',
    );
  }
  const proofSeed = opts.proofSeed ?? 'userId';
  if (!['userId', 'authorization', 'authorizationBareToken'].includes(proofSeed)) {
    throw new Error(
      `emulator option proofSeed must be userId, authorization or authorizationBareToken, got "${proofSeed}"`,
    );
  }
  const maxUrlsPerCall = positive('maxUrlsPerCall', opts.maxUrlsPerCall, 100);
  if (!Number.isInteger(maxUrlsPerCall)) throw new Error('emulator option maxUrlsPerCall must be a whole number');
  const nameScope = opts.nameScope ?? 'record';
  if (nameScope !== 'record' && nameScope !== 'folder')
    throw new Error(`emulator option nameScope must be "record" or "folder", got "${String(nameScope)}"`);
  const folders = opts.folders ?? [];
  if (!Array.isArray(folders) || folders.some((f) => typeof f !== 'string' || f === ''))
    throw new Error('emulator option folders must be an array of non-empty folder ids');
  const settings: ResolvedSettings = {
    auth,
    userId: opts.userId,
    proofSeed,
    xDateWindowSeconds: positive('xDateWindowSeconds', opts.xDateWindowSeconds, 900),
    allowedFutureSkewSeconds: opts.allowedFutureSkewSeconds ?? 60,
    urlTtlSeconds: positive('urlTtlSeconds', opts.urlTtlSeconds, 3600),
    lockTtlSeconds: positive('lockTtlSeconds', opts.lockTtlSeconds, 600),
    forbidSpaceInName: opts.forbidSpaceInName ?? false,
    allowRenewExpired: opts.allowRenewExpired ?? false,
    autoCompleteFiles: opts.autoCompleteFiles ?? false,
    maxUrlsPerCall,
    nameScope,
    folders: new Set(folders),
  };
  if (opts.token !== undefined) settings.token = opts.token;
  if (opts.appId !== undefined) settings.appId = opts.appId;
  if (opts.appSecret !== undefined) settings.appSecret = opts.appSecret;
  return settings;
}
