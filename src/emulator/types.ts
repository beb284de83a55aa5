/** Public types of the local KooDrive emulator (options, handle, stats, fault injection). */
import type { EmulatorExtension } from './extension.js';
import type { PartHashEngine } from './rules/midstate-sha256.js';

/** What a request is, for stats and fault rules. */
export const REQUEST_KINDS = [
  'lock.create',
  'lock.renew',
  'lock.release',
  'record.create',
  'record.list',
  'record.get',
  'record.complete',
  'file.create',
  'file.list',
  'uploadUrl',
  'file.complete',
  'record.delete',
  'file.download',
  'put',
  'get',
] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Blobs, parts and state.json live here; created if missing; state survives a restart. */
  dataDir: string;
  /** The accepted X-User-Id. */
  userId: string;
  /** Token mode: the accepted token ("Bearer <t>", "Bearer+<t>", "bearer <t>" or bare "<t>"). */
  token?: string;
  /** Default 'token'. */
  auth?: 'token' | 'app';
  /** App mode: the accepted AppId and the secret signatures are verified with. */
  appId?: string;
  appSecret?: string;
  /** What proofCode is seeded with; default 'userId' (reference Part 1). */
  proofSeed?: 'userId' | 'authorization' | 'authorizationBareToken';
  /** How old an X-Date may be; default 900 (15 min). */
  xDateWindowSeconds?: number;
  /** How far in the future an X-Date may be; default 60. */
  allowedFutureSkewSeconds?: number;
  /** Life of a presigned PUT or GET URL; default 3600. */
  urlTtlSeconds?: number;
  /** Life of a backup lock (and of a renewal); default 600. */
  lockTtlSeconds?: number;
  /** Refuse spaces in fileName (the English page's rule); default false. */
  forbidSpaceInName?: boolean;
  /** Let PATCH lock renew a lock that has already expired; default false. */
  allowRenewExpired?: boolean;
  /** completeBackup completes the record's unfinished files instead of refusing; default false. */
  autoCompleteFiles?: boolean;
  /**
   * Where autoRename looks for name clashes: 'record' (the default) among the files of the same
   * record in the same folder, so every record is a snapshot of its own; 'folder' among the files
   * of every record in that folder (the other reading of the documentation).
   */
  nameScope?: 'record' | 'folder';
  /** Folder ids besides "root" that exist in the user's space (parentFolder must name one); default none. */
  folders?: string[];
  /** Most parts one create/uploadUrl call returns URLs for; default 100. */
  maxUrlsPerCall?: number;
  faults?: FaultSpec;
  /** Injectable clock for tests. */
  now?: () => Date;
  /**
   * Hash engine that verifies PUT parts; default the emulator's own (native addon when built and right, else noble).
   */
  hashBackend?: PartHashEngine;
  /** Extra request handlers served on the same port (extension.ts, docs/emulator.md "Extensions"). */
  extensions?: EmulatorExtension[];
  /**
   * Serve HTTPS (API and presigned URLs) with a self-signed certificate kept in <dataDir>/tls
   * (cert.pem: give it to clients as their CA; key.pem, mode 0600). Default false.
   */
  tls?: boolean;
  /** Milliseconds added to every round trip (every answer, and TLS handshakes); default 0. */
  latencyMs?: number;
  /** Cap in bytes per second on each direction of each connection; default none. */
  bandwidthBytesPerSecond?: number;
}

export interface RunningEmulator {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash); https:// with tls. */
  url: string;
  port: number;
  /** With tls: the certificate clients must trust (<dataDir>/tls/cert.pem). */
  certFile?: string;
  stats(): EmulatorStats;
  faults: FaultController;
  /** Stops listening, drops open connections and flushes state.json. */
  close(): Promise<void>;
}

export interface EmulatorStats {
  /** Part bytes received (and extensions' body bytes), including failed, cut and repeated PUTs. */
  putBytes: number;
  /** PUT requests received (any outcome). */
  putCount: number;
  /** PUTs answered 200. */
  putAccepted: number;
  /** Body bytes sent by GETs of presigned download URLs (including cut ones). */
  getBytes: number;
  /** Requests by kind (any outcome). */
  requests: Partial<Record<RequestKind | 'other', number>>;
  /** Error answers by KooDrive code (or the XML error code of presigned URLs, or an extension's code). */
  errors: Record<string, number>;
  /** Extensions' requests by extension name, then operation; their body bytes count in putBytes. */
  extensions: Record<string, Record<string, number>>;
  /** Faults injected, by type. */
  faults: { status503: number; status429: number; resets: number; stalls: number; rules: number };
  filesCompleted: number;
  rapidUploads: number;
  recordsCompleted: number;
  /** TCP connections accepted (through the link model, when there is one). */
  connections: number;
  /** TLS handshakes completed (with tls): far fewer than requests when clients reuse connections. */
  tlsHandshakes: number;
  /**
   * Milliseconds spent joining parts into whole files (files/complete, and extensions' joins): server work
   * a benchmark may set apart.
   */
  assembleMs: number;
}

/** One scripted fault: the nth request (1-based, counted since the spec was set) of a kind. */
export interface FaultRule {
  kind: RequestKind;
  nth: number;
  /** Answer with this HTTP status (503 and 429 get their usual bodies; 429 adds Retry-After: 1). */
  status?: number;
  /** Destroy the connection instead of answering. */
  reset?: boolean;
  /** Handle the request for real first, then lose or replace the answer (API calls only). */
  afterHandling?: boolean;
  /**
   * Delay the request this long before handling it. A rule with only `stallMs` (no `status`, no
   * `reset`) stalls and then handles the request normally.
   */
  stallMs?: number;
}

/** Random and scripted faults; random ones are deterministic for a given seed and request order. */
export interface FaultSpec {
  seed?: number;
  /** Fraction of API calls, PUTs and GETs answered 503. */
  failRate?: number;
  /** Fraction of connections destroyed mid-request. */
  resetRate?: number;
  /** Fraction answered 429 with Retry-After: 1. */
  status429Rate?: number;
  /** Delay this long before handling a stalled request. */
  stallMs?: number;
  stallRate?: number;
  /** Overrides urlTtlSeconds for PUT and GET URLs issued while this spec is in force. */
  urlTtlSeconds?: number;
  rules?: FaultRule[];
}

export interface FaultController {
  /** Replaces the spec; reseeds the generator and restarts the rule counters. */
  set(spec: FaultSpec): void;
  get(): FaultSpec;
  /** Makes every lock held now expire at once. */
  expireLockNow(): void;
}
