import os from 'node:os';
import path from 'node:path';
import type { ConfigKey, ConfigValues } from './config-types.js';
import type { ValueRule } from './value-parsers.js';
import { homeOf } from './value-parsers.js';

/** What a computed default may look at. */
export interface DefaultContext {
  env: Readonly<Record<string, string | undefined>>;
}

/** One configuration key: how to read it, its default, and the words that document it. */
export interface KeySpec<K extends ConfigKey = ConfigKey> extends ValueRule {
  group: 'Connection' | 'Authentication' | 'Target' | 'Transfer' | 'Filters' | 'Run';
  default: ConfigValues[K] | ((ctx: DefaultContext) => ConfigValues[K]);
  /** The default as the docs show it (computed defaults are described, not evaluated). */
  defaultText: string;
  description: string;
  /** A value to show, commented out, in the template (YAML/JSON text). */
  example?: string;
}

/** XDG state folder: $XDG_STATE_HOME/koodrive-backup, else ~/.local/state/koodrive-backup. */
function defaultStateDir({ env }: DefaultContext): string {
  const base =
    env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)
      ? env.XDG_STATE_HOME
      : path.join(homeOf(env), '.local', 'state');
  return path.join(base, 'koodrive-backup');
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** The one table that drives parsing, env and flag names, validation, `config show`, the template and the docs. */
export const CONFIG_SCHEMA: { readonly [K in ConfigKey]: KeySpec<K> } = {
  endpoint: {
    group: 'Connection',
    kind: 'url',
    default: 'https://intl.myhuaweicloud-koodrive.com',
    defaultText: 'https://intl.myhuaweicloud-koodrive.com',
    description: 'KooDrive API base URL (cn.myhuaweicloud-koodrive.com for the Chinese site, or a local emulator)',
    example: '"https://intl.myhuaweicloud-koodrive.com"',
  },
  caFile: {
    group: 'Connection',
    kind: 'path',
    default: undefined,
    defaultText: "(none: the system's CAs and NODE_EXTRA_CA_CERTS)",
    description:
      "PEM file of CA certificates trusted besides the system's, for API calls, uploads and downloads " +
      "alike (a private CA, or the emulator's --tls certificate); there is no switch that turns " +
      'certificate checks off',
    example: '"~/emu/tls/cert.pem"',
  },
  auth: {
    group: 'Authentication',
    kind: 'enum',
    values: ['token', 'app'],
    default: 'token',
    defaultText: 'token',
    description:
      'how requests are signed: a user access token (interactive use), or an AppId/AppSecret signature (cron, CI)',
    example: '"token"',
  },
  token: {
    group: 'Authentication',
    kind: 'secret',
    default: undefined,
    defaultText: '(none)',
    description: 'access token for auth token (secret: prefer the environment variable)',
    example: '"<access token>"',
  },
  userId: {
    group: 'Authentication',
    kind: 'string',
    default: undefined,
    defaultText: '(none)',
    description: 'KooDrive user id sent as X-User-Id (a string; quote it in YAML)',
    example: '"1505084218764547200"',
  },
  appId: {
    group: 'Authentication',
    kind: 'string',
    default: undefined,
    defaultText: '(none)',
    description: 'app id for auth app',
    example: '"<app id>"',
  },
  appSecret: {
    group: 'Authentication',
    kind: 'secret',
    default: undefined,
    defaultText: '(none)',
    description: 'app secret for auth app (secret: prefer the environment variable)',
    example: '"<app secret>"',
  },
  bareToken: {
    group: 'Authentication',
    kind: 'bool',
    default: false,
    defaultText: 'false',
    description: 'send "Authorization: <token>" without the "Bearer " prefix',
    example: 'false',
  },
  proofSeed: {
    group: 'Authentication',
    kind: 'enum',
    values: ['userId', 'authorization', 'authorizationBareToken'],
    default: 'userId',
    defaultText: 'userId',
    description: 'seed of the proofCode: the X-User-Id value, the whole Authorization value, or the bare token',
    example: '"userId"',
  },
  parentFolder: {
    group: 'Target',
    kind: 'string',
    default: 'root',
    defaultText: 'root',
    description: 'id of the KooDrive folder that receives the files',
    example: '"root"',
  },
  containerId: {
    group: 'Target',
    kind: 'string',
    default: undefined,
    defaultText: "(none: the user's own space)",
    description: 'id of the target space',
    example: '"<space id>"',
  },
  deviceId: {
    group: 'Target',
    kind: 'string',
    default: undefined,
    defaultText: '(generated once, kept in stateDir)',
    description: 'device id of the backup record; a stable id for this machine',
    example: '"my-laptop"',
  },
  onConflict: {
    group: 'Target',
    kind: 'enum',
    values: ['rename', 'fail', 'skip-identical'],
    default: 'skip-identical',
    defaultText: 'skip-identical',
    description:
      'same name already there: rename the new file (autoRename 2), fail (3), or skip it when the content ' +
      'is identical and rename otherwise (4)',
    example: '"skip-identical"',
  },
  stateDir: {
    group: 'Run',
    kind: 'path',
    default: defaultStateDir,
    defaultText: '$XDG_STATE_HOME/koodrive-backup or ~/.local/state/koodrive-backup',
    description: 'folder for the journal, device id and resume state (relative paths: to the config file)',
    example: '"~/.local/state/koodrive-backup"',
  },
  concurrency: {
    group: 'Transfer',
    kind: 'int',
    min: 1,
    max: 64,
    default: 8,
    defaultText: '8',
    description: 'parts in flight at once, over all files',
    example: '8',
  },
  fileConcurrency: {
    group: 'Transfer',
    kind: 'int',
    min: 1,
    max: 64,
    default: 4,
    defaultText: '4',
    description:
      'files uploaded at once; a small file (up to 1 MiB) takes 1/16 of a slot, so 4 means up to 64 small files',
    example: '4',
  },
  hashWorkers: {
    group: 'Transfer',
    kind: 'int',
    min: 1,
    max: 64,
    default: () => Math.min(2, os.availableParallelism()),
    defaultText: 'min(2, CPU cores)',
    description: 'files hashed at once',
    example: '2',
  },
  partSize: {
    group: 'Transfer',
    kind: 'part-size',
    default: 'auto',
    defaultText: 'auto',
    description: 'part size: auto (fits the 10000-part limit) or 5MiB to 5GiB in steps of 64 bytes',
    example: '"64MiB"',
  },
  bwlimit: {
    group: 'Transfer',
    kind: 'rate',
    default: undefined,
    defaultText: '(unlimited)',
    description: 'upload bandwidth limit, e.g. 20MiB/s (a bare number is KiB/s); 0 for none',
    example: '"20MiB/s"',
  },
  timeout: {
    group: 'Transfer',
    kind: 'duration',
    min: S,
    max: H,
    default: 60 * S,
    defaultText: '60s',
    description: 'time without progress after which a request is abandoned and retried',
    example: '"60s"',
  },
  retries: {
    group: 'Transfer',
    kind: 'int',
    min: 0,
    max: 100,
    default: 6,
    defaultText: '6',
    description: 'retries of a failed request (with backoff) before the file fails',
    example: '6',
  },
  checksum: {
    group: 'Transfer',
    kind: 'bool',
    default: false,
    defaultText: 'false',
    description: 're-hash files whose size and mtime did not change instead of trusting the journal',
    example: 'false',
  },
  include: {
    group: 'Filters',
    kind: 'list',
    default: [],
    defaultText: '[]',
    description: 'globs a file must match (any of them) when given; see docs/filters.md',
    example: '["*.jpg", "/Documents/"]',
  },
  exclude: {
    group: 'Filters',
    kind: 'list',
    default: [],
    defaultText: '[]',
    description: 'globs of files and folders to leave out; see docs/filters.md',
    example: '["*.tmp", "node_modules/"]',
  },
  excludeFrom: {
    group: 'Filters',
    kind: 'path-list',
    default: [],
    defaultText: '[]',
    description: 'files holding exclude globs, one a line, # comments (relative paths: to the config file)',
    example: '["~/.config/koodrive/excludes.txt"]',
  },
  excludeIfPresent: {
    group: 'Filters',
    kind: 'list',
    default: [],
    defaultText: '[]',
    description: 'leave out a folder that holds an entry with one of these names',
    example: '[".nobackup"]',
  },
  excludeCaches: {
    group: 'Filters',
    kind: 'bool',
    default: false,
    defaultText: 'false',
    description: 'leave out folders tagged with a valid CACHEDIR.TAG',
    example: 'true',
  },
  maxSize: {
    group: 'Filters',
    kind: 'size',
    default: undefined,
    defaultText: '(no limit)',
    description: 'leave out files larger than this',
    example: '"10GiB"',
  },
  minSize: {
    group: 'Filters',
    kind: 'size',
    default: undefined,
    defaultText: '(no limit)',
    description: 'leave out files smaller than this',
    example: '1',
  },
  oneFileSystem: {
    group: 'Filters',
    kind: 'bool',
    default: false,
    defaultText: 'false',
    description: 'do not descend into folders on another filesystem',
    example: 'true',
  },
  followSymlinks: {
    group: 'Filters',
    kind: 'bool',
    default: false,
    defaultText: 'false',
    description: 'follow symbolic links (with loop detection) instead of skipping them',
    example: 'false',
  },
  clockSkew: {
    group: 'Run',
    kind: 'signed-duration',
    min: -H,
    max: H,
    default: 0,
    defaultText: '0s',
    description: 'added to the local clock for X-Date, for a machine whose clock is off (e.g. -2m)',
    example: '"0s"',
  },
  lockRenewInterval: {
    group: 'Run',
    kind: 'duration',
    min: 10 * S,
    max: 9 * M,
    default: 3 * M,
    defaultText: '3m',
    description: 'how often the backup lock (valid 10 minutes) is renewed',
    example: '"3m"',
  },
  waitLock: {
    group: 'Run',
    kind: 'duration',
    min: 0,
    max: 24 * H,
    default: 0,
    defaultText: '0s',
    description: 'how long to wait for a backup lock held by another run before giving up',
    example: '"10m"',
  },
  resume: {
    group: 'Run',
    kind: 'bool',
    default: true,
    defaultText: 'true',
    description: 'resume interrupted uploads from the journal (--no-resume starts over)',
    example: 'true',
  },
};

/** The keys in table order. */
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKey[];

/** The default value of a key in this environment. */
export function defaultValue(key: ConfigKey, ctx: DefaultContext): unknown {
  const spec: { default: unknown } = CONFIG_SCHEMA[key];
  return typeof spec.default === 'function' ? (spec.default as (c: DefaultContext) => unknown)(ctx) : spec.default;
}
