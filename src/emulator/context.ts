/** What every handler gets: resolved settings, state, stats, faults, URL signer, blob store, extensions, clock. */
import type { IncomingMessage } from 'node:http';
import type { BlobStore } from './blob-store.js';
import type { ExtensionHandler } from './extension.js';
import type { PartHashEngine } from './rules/midstate-sha256.js';
import type { FaultInjector } from './faults.js';
import type { AuthSettings } from './request-auth.js';
import type { StateStore } from './state.js';
import type { StatsCollector } from './stats.js';
import type { UrlSigner } from './url-signer.js';

export interface ResolvedSettings extends AuthSettings {
  urlTtlSeconds: number;
  lockTtlSeconds: number;
  forbidSpaceInName: boolean;
  allowRenewExpired: boolean;
  autoCompleteFiles: boolean;
  maxUrlsPerCall: number;
  nameScope: 'record' | 'folder';
  /** Folder ids (besides "root" and its resolved id) that exist. */
  folders: ReadonlySet<string>;
}

export interface EmulatorContext {
  settings: ResolvedSettings;
  store: StateStore;
  stats: StatsCollector;
  faults: FaultInjector;
  signer: UrlSigner;
  blobs: BlobStore;
  hashBackend: PartHashEngine;
  /** Started EmulatorOptions.extensions, asked in order whether a request is theirs. */
  extensions: readonly ExtensionHandler[];
  now(): Date;
  /** http://host:port, what presigned URLs point at. */
  baseUrl(): string;
}

/** An authenticated API call with its body read. */
export interface ApiRequest {
  req: IncomingMessage;
  method: string;
  path: string;
  query: ReadonlyMap<string, string>;
  body: Buffer;
  /** The path parameter (recordId) when the route has one. */
  param?: string;
  /** proofCode's originValue for this request. */
  proofOrigin: string;
}
