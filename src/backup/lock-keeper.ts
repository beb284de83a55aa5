/**
 * Holds the backup lock for the life of a run: takes it (waiting for a busy lock when asked),
 * renews it on a timer well inside its 10-minute life, retries a failed renewal, and when the lock
 * is lost for good fires `lost` so the run stops cleanly. Released on close, whatever happened.
 */

import { isLockBusy, isLockLost } from '../koodrive/koodrive-error.js';
import { abortableSleep } from '../retry/retry.js';
import type { LockMemo } from './held-lock.js';

export interface LockApi {
  createLock(): Promise<string>;
  /** `withinMs`: the lock's remaining life, which bounds the call and its retries. */
  renewLock(budget?: { withinMs?: number }): Promise<void>;
  releaseLock(): Promise<void>;
  setLock(lockId: string | undefined): void;
}

export interface LockKeeperOptions {
  renewEveryMs: number;
  /** How long to keep retrying a busy lock; 0 = fail at once. */
  waitLockMs: number;
  /** Lock life on the server; renewal gives up once this has passed since the last success. */
  lockTtlMs: number;
  onRetry?(reason: string, delayMs: number): void;
  /** Remembers the held lock, so that a run killed before releasing it can be taken over. */
  memo?: LockMemo;
  /** A lock held elsewhere to use instead of taking one (upload --lock-id): see adopt(). */
  lockId?: string;
  /** Told when the lock a killed run of this machine left behind was taken over. */
  onTakeover?(): void;
  signal?: AbortSignal;
  now?: () => number;
}

/** The run's lock is gone for good: the run stops. `cause` is the renewal's failure, when there was one. */
export class LockLostError extends Error {
  override readonly name = 'LockLostError';

  constructor(reason: string, options?: { cause?: unknown }) {
    super(`the backup lock was lost (${reason}); the run stopped. Run the same command again to resume`, options);
  }
}

export class LockKeeper {
  readonly lost = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private lastRenewed: number;
  private renewing = false;
  private released = false;

  private constructor(
    private readonly api: LockApi,
    readonly lockId: string,
    private readonly opts: LockKeeperOptions,
    private readonly keepHeld = false,
  ) {
    this.lastRenewed = this.now();
    this.schedule(opts.renewEveryMs);
  }

  /** Takes the lock, waiting up to waitLockMs while another run holds it. */
  static async acquire(api: LockApi, opts: LockKeeperOptions): Promise<LockKeeper> {
    if (opts.lockId) return LockKeeper.adopt(api, opts.lockId, opts);
    const deadline = (opts.now ?? Date.now)() + opts.waitLockMs;
    let delay = 1000;
    for (;;) {
      try {
        const lockId = await api.createLock();
        api.setLock(lockId);
        opts.memo?.save(lockId);
        return new LockKeeper(api, lockId, opts);
      } catch (err) {
        if (!isLockBusy(err)) throw err;
        const adopted = await LockKeeper.adoptOrphan(api, opts);
        if (adopted) return adopted;
        const now = (opts.now ?? Date.now)();
        if (now >= deadline) throw err;
        const wait = Math.min(delay, deadline - now);
        opts.onRetry?.('the backup lock is held by another run', wait);
        await abortableSleep(wait, opts.signal);
        delay = Math.min(delay * 2, 15_000);
      }
    }
  }

  /**
   * Uses a lock someone else holds (`upload --lock-id`, a script's `lock create`): renewing it first
   * proves the server knows it (a lock-lost error otherwise); it is renewed while the run lasts and
   * left held at the end, for the script to go on with and release.
   */
  static async adopt(api: LockApi, lockId: string, opts: LockKeeperOptions): Promise<LockKeeper> {
    api.setLock(lockId);
    try {
      await api.renewLock();
    } catch (err) {
      api.setLock(undefined);
      throw err;
    }
    return new LockKeeper(api, lockId, { ...opts, memo: undefined }, true);
  }

  /**
   * The lock a run of this machine took and could not release (it was killed): renewing it proves
   * the server still knows it, and then it is ours. Undefined when there is none or it is gone.
   */
  private static async adoptOrphan(api: LockApi, opts: LockKeeperOptions): Promise<LockKeeper | undefined> {
    const lockId = opts.memo?.orphan();
    if (!lockId) return undefined;
    api.setLock(lockId);
    try {
      await api.renewLock();
    } catch {
      api.setLock(undefined);
      opts.memo?.clear(); // expired or released meanwhile: the note is stale
      return undefined;
    }
    opts.memo?.save(lockId);
    opts.onTakeover?.();
    return new LockKeeper(api, lockId, opts);
  }

  /** Stops renewing and releases the lock (best effort; the server lets it expire otherwise). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.keepHeld) {
      this.api.setLock(undefined); // the script's lock: it releases it
      return;
    }
    try {
      await this.api.releaseLock();
      this.opts.memo?.clear();
    } finally {
      this.api.setLock(undefined);
    }
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private schedule(ms: number): void {
    if (this.released) return;
    this.timer = setTimeout(() => void this.renew(), ms);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.released) return;
    this.renewing = true;
    try {
      // Renewing after the lock expired cannot help: the call and its retries end before that.
      const remaining = this.opts.lockTtlMs - (this.now() - this.lastRenewed);
      if (remaining <= 0) throw new Error('the lock expired before it could be renewed');
      await this.api.renewLock({ withinMs: remaining });
      this.lastRenewed = this.now();
      this.schedule(this.opts.renewEveryMs);
    } catch (err) {
      const sinceLast = this.now() - this.lastRenewed;
      if (isLockLost(err)) {
        this.lost.abort(new LockLostError(err instanceof Error ? err.message : String(err), { cause: err }));
      } else if (sinceLast >= this.opts.lockTtlMs) {
        this.lost.abort(new LockLostError('it could not be renewed before it expired'));
      } else {
        // Retry sooner, but never past the point where the lock would expire.
        const retryIn = Math.max(1000, Math.min(15_000, (this.opts.lockTtlMs - sinceLast) / 4));
        this.opts.onRetry?.(`lock renewal failed: ${err instanceof Error ? err.message : String(err)}`, retryIn);
        this.schedule(retryIn);
      }
    } finally {
      this.renewing = false;
    }
  }
}
