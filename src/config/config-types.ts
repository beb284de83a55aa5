import type { Secret } from '../util/secret.js';

/** Every configuration value after parsing and validation (durations in ms, sizes in bytes). */
export interface ConfigValues {
  endpoint: string;
  /** PEM file of extra CA certificates (absolute path), or undefined. */
  caFile: string | undefined;
  token: Secret | undefined;
  userId: string | undefined;
  auth: 'token' | 'app';
  appId: string | undefined;
  appSecret: Secret | undefined;
  bareToken: boolean;
  proofSeed: 'userId' | 'authorization' | 'authorizationBareToken';
  parentFolder: string;
  containerId: string | undefined;
  deviceId: string | undefined;
  stateDir: string;
  concurrency: number;
  fileConcurrency: number;
  hashWorkers: number;
  partSize: number | 'auto';
  onConflict: 'rename' | 'fail' | 'skip-identical';
  include: readonly string[];
  exclude: readonly string[];
  excludeFrom: readonly string[];
  excludeIfPresent: readonly string[];
  excludeCaches: boolean;
  maxSize: number | undefined;
  minSize: number | undefined;
  oneFileSystem: boolean;
  followSymlinks: boolean;
  /** Bytes per second; undefined = unlimited. */
  bwlimit: number | undefined;
  timeout: number;
  retries: number;
  /** Signed milliseconds added to our clock when stamping X-Date. */
  clockSkew: number;
  lockRenewInterval: number;
  waitLock: number;
  resume: boolean;
  checksum: boolean;
}

export type ConfigKey = keyof ConfigValues;

/** Where a value came from, for `config show`. */
export type ConfigSource = 'default' | `file:${string}` | `env:${string}` | `flag:--${string}`;

/** The validated, frozen configuration of one run. */
export interface ResolvedConfig extends Readonly<ConfigValues> {
  readonly provenance: Readonly<Record<ConfigKey, ConfigSource>>;
  /** The config file that was read, if any. */
  readonly configFile: string | undefined;
  /** Things the user should fix but that do not stop the run (e.g. a secret in a world-readable file). */
  readonly warnings: readonly string[];
}
