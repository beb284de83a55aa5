/** KooDriveClient: one method per KooDrive call the backup needs (reference Part 1 and §3–§4). */
import type { WirePart } from '../hash/part-rules.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry/retry-policy.js';
import type { RetryInfo } from '../retry/retry.js';
import type { Credentials } from './auth.js';
import { KooDriveError } from './koodrive-error.js';
import { Transport, type CallSpec } from './transport.js';
import {
  MODULE_FOLDER_BACKUP,
  PATHS,
  type BackupFileEntry,
  type BackupRecord,
  type CreateFileRequest,
  type CreateFileResponse,
  type CreateLockResponse,
  type CreateRecordRequest,
  type Envelope,
  type ListFilesResponse,
  type ListRecordsResponse,
  type RecordResponse,
  type UploadUrlResponse,
  type WirePartWithUrl,
} from './wire-types.js';
import { DOWNLOAD_BATCH, type DownloadEntry, type DownloadResponse } from './wire-types.js';

export interface KooDriveClientOptions {
  /** API root, e.g. https://intl.myhuaweicloud-koodrive.com (any path on it is ignored). */
  endpoint: URL | string;
  userId: string;
  credentials: Credentials;
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Added to this machine's clock for X-Date (positive when the machine is behind). */
  clockSkewMs?: number;
  /** Aborts every call of this client (except releaseLock, which must still run on Ctrl-C). */
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  userAgent?: string;
  /** Injected for tests: clock, jitter source and the wait between retries. */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Largest page and URL batch the API accepts (reference §3.10, §5.4). */
export const PAGE_SIZE = 100;
export const URL_BATCH = 100;
/**
 * Renewing the lock gets its own short budget (a run's default policy may retry for minutes, past
 * the lock's life); the keeper bounds it further by the lock's remaining life and tries again later.
 */
const RENEW_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 5_000, maxTotalMs: 30_000 };
/** Releasing the lock gets its own short budget: it runs while shutting down. */
const RELEASE_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 2_000, maxTotalMs: 10_000 };
const RELEASE_TIMEOUT_MS = 15_000;

/** A success envelope whose payload is missing a field we rely on. */
function malformed(call: string, what: string): KooDriveError {
  return new KooDriveError(
    { code: undefined, msg: `response without ${what}`, httpStatus: 200, call, kind: 'other', transient: false },
    `${call} failed: the server answered success but without ${what}. Check that the endpoint is a KooDrive API.`,
  );
}

export class KooDriveClient {
  private readonly transport: Transport;
  private readonly signal: AbortSignal | undefined;
  private currentLock: string | undefined;

  constructor(opts: KooDriveClientOptions) {
    const endpoint = new URL(String(opts.endpoint));
    if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') {
      throw new Error(
        `endpoint ${endpoint.origin} must be an http(s) URL, e.g. https://intl.myhuaweicloud-koodrive.com`,
      );
    }
    if (!opts.userId) throw new Error('the KooDrive user id is empty; set it in the config (userId) or with --user-id');
    this.signal = opts.signal;
    this.transport = new Transport({
      endpoint,
      userId: opts.userId,
      credentials: opts.credentials,
      timeoutMs: opts.timeoutMs ?? 30_000,
      retry: opts.retry ?? DEFAULT_RETRY_POLICY,
      clockSkewMs: opts.clockSkewMs ?? 0,
      userAgent: opts.userAgent ?? 'koodrive-backup',
      onRetry: opts.onRetry,
      now: opts.now ?? Date.now,
      random: opts.random ?? Math.random,
      sleep: opts.sleep,
    });
  }

  /** The backup lock sent as x-backup-lock-id, if any. */
  get lockId(): string | undefined {
    return this.currentLock;
  }

  /** Sets (or clears) the lock to send, e.g. to resume with a lock taken elsewhere. */
  setLock(lockId: string | undefined): void {
    this.currentLock = lockId;
  }

  private send<T extends Envelope>(spec: Omit<CallSpec, 'signal'> & { signal?: AbortSignal }): Promise<T> {
    return this.transport.send<T>({ signal: this.signal, ...spec });
  }

  private requireLock(call: string): string {
    if (this.currentLock === undefined) throw new Error(`${call}: no backup lock is held; call createLock() first`);
    return this.currentLock;
  }

  /** Takes the backup lock for the module (folder backup by default) and holds it in the client. */
  async createLock(moduleCode: string = MODULE_FOLDER_BACKUP): Promise<string> {
    const call = 'create backup lock';
    const res = await this.send<CreateLockResponse>({ call, method: 'POST', path: PATHS.lock, body: { moduleCode } });
    const lockId = res.data?.lockId;
    if (typeof lockId !== 'string' || !lockId) throw malformed(call, 'data.lockId');
    this.currentLock = lockId;
    return lockId;
  }

  /**
   * Resets the held lock's validity to 10 minutes, with a short retry budget of its own; `withinMs`
   * (the lock's remaining life) bounds the whole call, retries and waits included.
   */
  async renewLock(budget: { withinMs?: number } = {}): Promise<void> {
    const call = 'renew backup lock';
    const within = budget.withinMs !== undefined ? Math.max(0, Math.floor(budget.withinMs)) : undefined;
    const retry =
      within !== undefined ? { ...RENEW_POLICY, maxTotalMs: Math.min(RENEW_POLICY.maxTotalMs, within) } : RENEW_POLICY;
    const deadline = within !== undefined ? AbortSignal.timeout(Math.max(1, within)) : undefined;
    const signal = deadline && this.signal ? AbortSignal.any([this.signal, deadline]) : (deadline ?? this.signal);
    await this.transport.send({
      call,
      method: 'PATCH',
      path: PATHS.lock,
      lockId: this.requireLock(call),
      retry,
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * Releases the held lock and forgets it. Ignores the client's abort signal (it runs during
   * shutdown) and uses a short retry budget instead.
   */
  async releaseLock(): Promise<void> {
    const call = 'release backup lock';
    const lockId = this.requireLock(call);
    this.currentLock = undefined;
    await this.transport.send({
      call,
      method: 'DELETE',
      path: PATHS.lock,
      lockId,
      retry: RELEASE_POLICY,
      signal: AbortSignal.timeout(RELEASE_TIMEOUT_MS),
    });
  }

  /** Creates a backup record under the held lock. */
  async createRecord(req: CreateRecordRequest): Promise<BackupRecord> {
    const call = 'create backup record';
    const res = await this.send<RecordResponse>({
      call,
      method: 'POST',
      path: PATHS.record,
      body: req,
      lockId: this.requireLock(call),
    });
    if (typeof res.data?.recordId !== 'string') throw malformed(call, 'data.recordId');
    return res.data;
  }

  /** Reads one backup record. */
  async getRecord(recordId: string): Promise<BackupRecord> {
    const call = 'get backup record';
    const res = await this.send<RecordResponse>({
      call,
      method: 'GET',
      path: PATHS.recordById(recordId),
      lockId: this.currentLock,
    });
    if (typeof res.data?.recordId !== 'string') throw malformed(call, 'data.recordId');
    return res.data;
  }

  /** Marks the record completed, optionally replacing its properties (a JSON string). */
  async completeRecord(recordId: string, properties?: string): Promise<void> {
    const call = 'complete backup record';
    const body = properties === undefined ? {} : { properties };
    await this.send({ call, method: 'PATCH', path: PATHS.recordById(recordId), body, lockId: this.requireLock(call) });
  }

  /** Every backup record of the module (optionally of one device), page by page. */
  async *listRecords(filter: { moduleCode?: string; deviceId?: string } = {}): AsyncGenerator<BackupRecord> {
    const base: Array<[string, string]> = [['moduleCode', filter.moduleCode ?? MODULE_FOLDER_BACKUP]];
    if (filter.deviceId !== undefined) base.push(['deviceId', filter.deviceId]);
    yield* this.pages<BackupRecord, ListRecordsResponse>('list backup records', PATHS.record, base);
  }

  /** Creates a file in the record from its full plan; the answer says rapid/exist or gives part URLs. */
  async createBackupFile(recordId: string, req: CreateFileRequest): Promise<CreateFileResponse> {
    const call = 'create backup file';
    const res = await this.send<CreateFileResponse>({
      call,
      method: 'POST',
      path: PATHS.recordFile(recordId),
      body: req,
      lockId: this.requireLock(call),
      perFile: true,
    });
    // Under autoRename 3 a clash may be a success answer with existFileId and no fileId: the
    // caller turns that into a conflict; only an answer with neither id is malformed.
    const hasId = (id: unknown) => typeof id === 'string' && id !== '';
    if (!hasId(res.fileId) && !hasId(res.existFileId)) throw malformed(call, 'fileId');
    return res;
  }

  /** Every file of the record, following nextCursor until it is empty. */
  async *listBackupFiles(recordId: string): AsyncGenerator<BackupFileEntry> {
    yield* this.pages<BackupFileEntry, ListFilesResponse>('list backup files', PATHS.recordFiles(recordId), []);
  }

  /** Fresh upload URLs for these parts (same fields as planned), asked for in batches of at most 100. */
  async getUploadUrls(fileId: string, parts: readonly WirePart[]): Promise<WirePartWithUrl[]> {
    const call = 'get upload URLs';
    const out: WirePartWithUrl[] = [];
    for (let i = 0; i < parts.length; i += URL_BATCH) {
      const multiParts = parts
        .slice(i, i + URL_BATCH)
        .map(({ partNumber, partSize, partOffset, hashCtx }) => ({ partNumber, partSize, partOffset, hashCtx }));
      const res = await this.send<UploadUrlResponse>({
        call,
        method: 'POST',
        path: PATHS.uploadUrl,
        body: { fileId, multiParts },
      });
      if (!Array.isArray(res.multiParts)) throw malformed(call, 'multiParts');
      out.push(...res.multiParts);
    }
    return out;
  }

  /** Finishes a file: the server merges its parts and checks them against sha256. */
  async completeFile(fileId: string, sha256: string): Promise<void> {
    await this.send({
      call: 'complete file',
      method: 'POST',
      path: PATHS.completeFile,
      body: { fileId, sha256 },
      perFile: true,
    });
  }

  /** Deletes a backup record and its files under the held lock (reference §3.8). */
  async deleteRecord(recordId: string): Promise<void> {
    const call = 'delete backup record';
    await this.send({ call, method: 'DELETE', path: PATHS.recordById(recordId), lockId: this.requireLock(call) });
  }

  /**
   * Download links for files of a space (reference §4.6), asked for in batches of at most 100;
   * one entry per fileId, in order. An entry with a non-zero code has no url (say why in msg).
   */
  async getDownloadUrls(containerId: string, fileIds: readonly string[]): Promise<DownloadEntry[]> {
    const call = 'get download URLs';
    const out: DownloadEntry[] = [];
    for (let i = 0; i < fileIds.length; i += DOWNLOAD_BATCH) {
      const batch = fileIds.slice(i, i + DOWNLOAD_BATCH);
      const res = await this.send<DownloadResponse>({
        call,
        method: 'POST',
        path: PATHS.download,
        body: { containerId, fileIds: batch },
      });
      if (!Array.isArray(res.downloads)) throw malformed(call, 'downloads[]');
      out.push(...res.downloads);
    }
    return out;
  }

  private async *pages<Item, Page extends Envelope & { data: Item[]; nextCursor?: string }>(
    call: string,
    path: string,
    query: Array<[string, string]>,
  ): AsyncGenerator<Item> {
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const q: Array<[string, string]> = [...query, ['pageSize', String(PAGE_SIZE)]];
      if (cursor) q.push(['cursor', cursor]);
      // A listing of a big record is thousands of pages (a million files: 10,000): node's client.
      const page = await this.send<Page>({
        call,
        method: 'GET',
        path,
        query: q,
        lockId: this.currentLock,
        perFile: true,
      });
      if (!Array.isArray(page.data)) throw malformed(call, 'data[]');
      yield* page.data;
      cursor = page.nextCursor || undefined;
      if (!cursor) return;
      // A server that hands out the same cursor twice would keep us here forever.
      if (seen.has(cursor)) throw malformed(call, 'a new nextCursor (it repeated one)');
      seen.add(cursor);
    }
  }
}
