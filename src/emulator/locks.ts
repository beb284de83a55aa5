/** Backup locks (reference §3.1–3.3): one per user and module, 10 minutes, renewable. */
import { CODES } from './codes.js';
import { LOCK_HEADER } from './wire.js';
import type { ApiRequest, EmulatorContext } from './context.js';
import { jsonObject, moduleCodeOf } from './fields.js';
import { headerValue } from './http-io.js';
import { newLockId } from './ids.js';
import { ApiError, ok, type Reply } from './reply.js';
import type { LockState } from './state.js';

function findLock(ctx: EmulatorContext, lockId: string): LockState | undefined {
  return Object.values(ctx.store.state.locks).find((l) => l.lockId === lockId);
}

function lockHeader(api: ApiRequest): string {
  const lockId = headerValue(api.req, LOCK_HEADER);
  if (!lockId)
    throw new ApiError(
      CODES.LOCK_REQUIRED,
      `${LOCK_HEADER} header is missing; create a lock with POST backup/lock and send its lockId`,
    );
  return lockId;
}

function expiredMessage(lock: LockState): string {
  return (
    `backup lock expired at ` +
    `${new Date(lock.expiresAt).toISOString()}; renew it (PATCH backup/lock) before it runs out, or create a new one`
  );
}

/** The caller's valid lock for `moduleCode`, or the reason it has none. */
export function requireLock(ctx: EmulatorContext, api: ApiRequest, moduleCode: string): LockState {
  const lockId = lockHeader(api);
  const lock = findLock(ctx, lockId);
  if (!lock)
    throw new ApiError(CODES.LOCK_NOT_FOUND, `backup lock ${lockId} is unknown or was released; create a new one`);
  if (lock.moduleCode !== moduleCode) {
    throw new ApiError(
      CODES.LOCK_NOT_FOUND,
      `backup lock ${lockId} is for module ${lock.moduleCode}, not ${moduleCode}`,
    );
  }
  if (ctx.now().getTime() > lock.expiresAt) throw new ApiError(CODES.LOCK_EXPIRED, expiredMessage(lock));
  return lock;
}

/** POST backup/lock {moduleCode}. */
export async function createLock(ctx: EmulatorContext, api: ApiRequest): Promise<Reply> {
  const body = jsonObject(api.body, headerValue(api.req, 'content-type'));
  const moduleCode = moduleCodeOf(body.moduleCode);
  const now = ctx.now().getTime();
  const held = ctx.store.state.locks[moduleCode];
  if (held && now <= held.expiresAt) {
    throw new ApiError(
      CODES.LOCK_BUSY,
      `a backup lock for module ` +
        `${moduleCode} is already held until ${new Date(held.expiresAt).toISOString()}; wait for that run ` +
        `to end or for the lock to expire`,
    );
  }
  const lock: LockState = {
    lockId: newLockId(moduleCode),
    moduleCode,
    createdAt: now,
    expiresAt: now + ctx.settings.lockTtlSeconds * 1000,
  };
  ctx.store.state.locks[moduleCode] = lock;
  ctx.store.lockChanged(moduleCode);
  return ok({ data: { lockId: lock.lockId } });
}

/** PATCH backup/lock: validity back to the full lock life. */
export async function renewLock(ctx: EmulatorContext, api: ApiRequest): Promise<Reply> {
  const lockId = lockHeader(api);
  const lock = findLock(ctx, lockId);
  if (!lock)
    throw new ApiError(CODES.LOCK_NOT_FOUND, `backup lock ${lockId} is unknown or was released; create a new one`);
  const now = ctx.now().getTime();
  if (now > lock.expiresAt && !ctx.settings.allowRenewExpired)
    throw new ApiError(CODES.LOCK_EXPIRED, expiredMessage(lock));
  lock.expiresAt = now + ctx.settings.lockTtlSeconds * 1000;
  ctx.store.lockChanged(lock.moduleCode);
  return ok();
}

/** DELETE backup/lock (an expired lock may still be released). */
export async function releaseLock(ctx: EmulatorContext, api: ApiRequest): Promise<Reply> {
  const lockId = lockHeader(api);
  const lock = findLock(ctx, lockId);
  if (!lock) throw new ApiError(CODES.LOCK_NOT_FOUND, `backup lock ${lockId} is unknown or was already released`);
  delete ctx.store.state.locks[lock.moduleCode];
  ctx.store.lockChanged(lock.moduleCode);
  return ok();
}

/** Makes every lock held now expire (fault injection). */
export function expireAllLocks(ctx: EmulatorContext): void {
  const past = ctx.now().getTime() - 1;
  for (const lock of Object.values(ctx.store.state.locks)) {
    lock.expiresAt = Math.min(lock.expiresAt, past);
    ctx.store.lockChanged(lock.moduleCode);
  }
}
