/** `koodrive-backup emulator`: runs the local KooDrive emulator until SIGINT/SIGTERM. */
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { formatBytes, parseDuration, parseRate } from '../../util/size.js';
import {
  loadFaultSpec,
  startEmulator,
  type EmulatorOptions,
  type FaultSpec,
  type RunningEmulator,
} from '../../emulator/index.js';
import { watchInterrupts } from '../interrupts.js';
import type { CliIo } from '../io.js';

/** The emulator's flags as commander parses them. */
export interface EmulatorFlags {
  port?: number;
  host?: string;
  data?: string;
  token?: string;
  userId?: string;
  auth?: 'token' | 'app';
  appId?: string;
  appSecret?: string;
  proofSeed?: 'userId' | 'authorization' | 'authorizationBareToken';
  urlTtl?: number;
  lockTtl?: number;
  failRate?: number;
  resetRate?: number;
  seed?: number;
  faults?: string;
  forbidSpace?: boolean;
  allowRenewExpired?: boolean;
  autoCompleteFiles?: boolean;
  nameScope?: 'record' | 'folder';
  folder?: string[];
  tls?: boolean;
  latency?: number;
  bandwidth?: number;
}

export const DEFAULT_EMULATOR_PORT = 8088;
export const DEFAULT_EMULATOR_DATA = '.koodrive-emulator';
export const DEFAULT_EMULATOR_USER = '1505084218764547200';

function integer(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function fraction(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !(n >= 0 && n <= 1))
      throw new InvalidArgumentError(`${flag} must be a number from 0 to 1, e.g. 0.05`);
    return n;
  };
}

function latency(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value.trim());
  } catch {
    ms = Number.NaN;
  }
  if (!(ms >= 0 && ms <= 60_000))
    throw new InvalidArgumentError('--latency must be a duration from 0 to 60s, e.g. 40ms');
  return ms;
}

function bandwidth(value: string): number {
  let rate: number;
  try {
    rate = parseRate(value.trim());
  } catch {
    rate = Number.NaN;
  }
  if (!(rate > 0)) throw new InvalidArgumentError('--bandwidth must be a rate such as 10MiB/s or 500KiB/s');
  return rate;
}

/** Flags + environment (flags win) → emulator options; reads the fault file when one is named. */
export async function emulatorOptionsFrom(
  flags: EmulatorFlags,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<EmulatorOptions> {
  const envPort = env.KOODRIVE_EMULATOR_PORT;
  const port =
    flags.port ??
    (envPort !== undefined && envPort !== ''
      ? integer('KOODRIVE_EMULATOR_PORT', 0, 65535)(envPort)
      : DEFAULT_EMULATOR_PORT);
  const auth = flags.auth ?? (env.KOODRIVE_EMULATOR_AUTH as 'token' | 'app' | undefined) ?? 'token';
  if (auth !== 'token' && auth !== 'app')
    throw new Error(`KOODRIVE_EMULATOR_AUTH must be token or app, got "${String(auth)}"`);
  const options: EmulatorOptions = {
    host: flags.host ?? env.KOODRIVE_EMULATOR_HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(cwd, flags.data ?? env.KOODRIVE_EMULATOR_DATA ?? DEFAULT_EMULATOR_DATA),
    userId: flags.userId ?? env.KOODRIVE_EMULATOR_USER_ID ?? DEFAULT_EMULATOR_USER,
    auth,
  };
  const token = flags.token ?? env.KOODRIVE_EMULATOR_TOKEN;
  const appId = flags.appId ?? env.KOODRIVE_EMULATOR_APP_ID;
  const appSecret = flags.appSecret ?? env.KOODRIVE_EMULATOR_APP_SECRET;
  if (token) options.token = token;
  if (appId) options.appId = appId;
  if (appSecret) options.appSecret = appSecret;
  if (flags.proofSeed) options.proofSeed = flags.proofSeed;
  if (flags.urlTtl !== undefined) options.urlTtlSeconds = flags.urlTtl;
  if (flags.lockTtl !== undefined) options.lockTtlSeconds = flags.lockTtl;
  if (flags.forbidSpace) options.forbidSpaceInName = true;
  if (flags.allowRenewExpired) options.allowRenewExpired = true;
  if (flags.autoCompleteFiles) options.autoCompleteFiles = true;
  const nameScope = flags.nameScope ?? env.KOODRIVE_EMULATOR_NAME_SCOPE;
  if (nameScope !== undefined && nameScope !== '') {
    if (nameScope !== 'record' && nameScope !== 'folder')
      throw new Error(`KOODRIVE_EMULATOR_NAME_SCOPE must be record or folder, got "${nameScope}"`);
    options.nameScope = nameScope;
  }
  if (flags.folder && flags.folder.length > 0) options.folders = [...flags.folder];
  if (flags.tls) options.tls = true;
  if (flags.latency) options.latencyMs = flags.latency;
  if (flags.bandwidth !== undefined) options.bandwidthBytesPerSecond = flags.bandwidth;
  const faults: FaultSpec = flags.faults ? await loadFaultSpec(resolve(cwd, flags.faults)) : {};
  if (flags.failRate !== undefined) faults.failRate = flags.failRate;
  if (flags.resetRate !== undefined) faults.resetRate = flags.resetRate;
  if (flags.seed !== undefined) faults.seed = flags.seed;
  if (Object.keys(faults).length > 0) options.faults = faults;
  return options;
}

/** Starts the emulator, turning "port in use" into a message that says what to do. */
export async function openEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  try {
    return await startEmulator(options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `port ${options.port ?? 0} on ${options.host ?? '127.0.0.1'} is in use; pick another with --port, ` +
          `or --port 0 for a free one`,
      );
    }
    throw err;
  }
}

/** Loopback addresses: only this machine can reach them. */
function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * The URLs other machines can use for an emulator bound to `host`: for a wildcard (0.0.0.0, ::)
 * every interface's address (outside ones first, loopback last), else the host itself.
 */
export function reachableUrls(
  host: string,
  port: number,
  interfaces = networkInterfaces(),
  scheme: 'http' | 'https' = 'http',
): string[] {
  const url = (address: string) => `${scheme}://${address.includes(':') ? `[${address}]` : address}:${port}`;
  if (host !== '0.0.0.0' && host !== '::') return [url(host)];
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  // 0.0.0.0 takes IPv4 only; :: takes both. Link-local IPv6 (fe80::) needs a zone: left out.
  const usable = all.filter((a) => a.family === 'IPv4' || (host === '::' && !a.address.startsWith('fe80:')));
  const ordered = [...usable.filter((a) => !a.internal), ...usable.filter((a) => a.internal)];
  return ordered.length > 0 ? ordered.map((a) => url(a.address)) : [url('127.0.0.1')];
}

/** Prints the one "listening on" line, serves until `stop` fires, then closes (state flushed). */
export async function serveUntil(
  emulator: RunningEmulator,
  options: EmulatorOptions,
  io: Pick<CliIo, 'stdout' | 'stderr'>,
  stop: AbortSignal,
): Promise<void> {
  const host = options.host ?? '127.0.0.1';
  if (isLoopbackHost(host)) {
    io.stdout.write(`KooDrive emulator listening on ${emulator.url}\n`);
  } else {
    // Bound beyond loopback: print where others reach it, not a loopback URL, and what that exposes.
    const urls = reachableUrls(host, emulator.port, undefined, emulator.url.startsWith('https:') ? 'https' : 'http');
    io.stdout.write(
      `KooDrive emulator listening on ${urls[0]}${urls.length > 1 ? ` (also ${urls.slice(1).join(', ')})` : ''}\n`,
    );
    io.stderr.write(
      `warning: listening on ` +
        `${host}, so other machines can reach it; its /_emulator/* routes (stats, stored files, faults, ` +
        `expire-locks) need no credentials: anyone who can reach port ${emulator.port} can read the stored ` +
        `files list and change faults. Use --host 127.0.0.1 unless you need that\n`,
    );
  }
  io.stderr.write(
    `data in ${options.dataDir}; ${options.auth ?? 'token'} auth for user ${options.userId}; stats at ` +
      `${emulator.url}/_emulator/stats; Ctrl-C stops\n`,
  );
  if (emulator.certFile)
    io.stderr.write(
      `HTTPS with a self-signed certificate: trust it with --ca-file ` +
        `${emulator.certFile} (or KOODRIVE_CA_FILE, NODE_EXTRA_CA_CERTS; curl --cacert)\n`,
    );
  if (options.latencyMs || options.bandwidthBytesPerSecond) {
    const link = [
      options.latencyMs ? `${options.latencyMs} ms added to every round trip` : '',
      options.bandwidthBytesPerSecond
        ? `${formatBytes(options.bandwidthBytesPerSecond)}/s per connection and direction`
        : '',
    ]
      .filter(Boolean)
      .join(', ');
    io.stderr.write(`modelled link: ${link}\n`);
  }
  if (!stop.aborted) await new Promise<void>((done) => stop.addEventListener('abort', () => done(), { once: true }));
  await emulator.close();
  io.stderr.write('KooDrive emulator stopped; state saved\n');
}

/** openEmulator + serveUntil. */
export async function runEmulator(
  options: EmulatorOptions,
  io: Pick<CliIo, 'stdout' | 'stderr'>,
  stop: AbortSignal,
): Promise<void> {
  await serveUntil(await openEmulator(options), options, io, stop);
}

/**
 * One line for an emulator that cannot start: a data folder that is a file, not writable or
 * missing names the folder and --data; other messages already say what to set.
 */
function emulatorProblem(err: unknown, flags: EmulatorFlags): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && typeof e.path === 'string' && /^E[A-Z]+$/.test(e.code)) {
    const why: Record<string, string> = {
      EEXIST: 'it is a file, not a folder',
      ENOTDIR: 'part of the path is a file, not a folder',
      EACCES: 'permission denied',
      EPERM: 'not permitted',
      EROFS: 'the filesystem is read-only',
      ENOSPC: 'the disk is full',
      EISDIR: 'a folder is in the way',
    };
    const data = typeof flags.data === 'string' ? ` ${flags.data}` : '';
    return (
      `cannot use ${e.path} for the emulator's ` +
      `data${data && data.trim() !== e.path ? ` (--data${data})` : ''}: ${why[e.code] ?? e.code}; pass ` +
      `--data with a folder of your own, e.g. --data ./emu (${e.code})`
    );
  }
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
  return message.includes('; ') ? message : message.replace(/: (pass|set|use|give|check) /, '; $1 ');
}

/** Adds `emulator` to the program. */
export function registerEmulatorCommand(program: Command, io?: CliIo): void {
  const cmd = program
    .command('emulator')
    .description('run a strict local KooDrive emulator (for tests, demos and trying the tool offline)')
    .option(
      '--port <n>',
      `port to listen on; 0 picks a free one (default ${DEFAULT_EMULATOR_PORT}, env KOODRIVE_EMULATOR_PORT)`,
      integer('--port', 0, 65535),
    )
    .option('--host <addr>', 'address to listen on (default 127.0.0.1, env KOODRIVE_EMULATOR_HOST)')
    .option(
      '--data <dir>',
      `where blobs and state.json live (default ./${DEFAULT_EMULATOR_DATA}, env KOODRIVE_EMULATOR_DATA)`,
    )
    .option(
      '--token <token>',
      'accepted access token in token mode (prefer env KOODRIVE_EMULATOR_TOKEN: flags show in ps)',
    )
    .option('--user-id <id>', `accepted X-User-Id (default ${DEFAULT_EMULATOR_USER}, env KOODRIVE_EMULATOR_USER_ID)`)
    .addOption(
      new Option('--auth <mode>', 'authentication mode (default token, env KOODRIVE_EMULATOR_AUTH)').choices([
        'token',
        'app',
      ]),
    )
    .option('--app-id <id>', 'accepted AppId in app mode (env KOODRIVE_EMULATOR_APP_ID)')
    .option(
      '--app-secret <secret>',
      'AppSecret that app signatures are checked with (prefer env KOODRIVE_EMULATOR_APP_SECRET)',
    )
    .addOption(
      new Option('--proof-seed <seed>', 'what proofCode is seeded with (default userId)').choices([
        'userId',
        'authorization',
        'authorizationBareToken',
      ]),
    )
    .option('--url-ttl <seconds>', 'life of presigned PUT URLs (default 3600)', integer('--url-ttl', 1, 7 * 86400))
    .option(
      '--lock-ttl <seconds>',
      'life of a backup lock and of each renewal (default 600)',
      integer('--lock-ttl', 1, 7 * 86400),
    )
    .option('--fail-rate <r>', 'fraction of calls and PUTs answered 503 (0..1)', fraction('--fail-rate'))
    .option('--reset-rate <r>', 'fraction of connections cut mid-request (0..1)', fraction('--reset-rate'))
    .option('--seed <n>', 'seed for the random faults (same seed, same faults)', integer('--seed', 0, 2 ** 32 - 1))
    .option('--faults <file.json>', 'fault spec file (rates, stalls, "nth request of kind K" rules); flags override it')
    .option('--forbid-space', "refuse spaces in file names (the English page's rule)")
    .option('--allow-renew-expired', 'let PATCH lock renew an expired lock')
    .option('--auto-complete-files', 'completeBackup completes uploaded but unfinished files instead of refusing')
    .addOption(
      new Option(
        '--name-scope <scope>',
        'where autoRename looks for name clashes: record (each record a snapshot of its own) or folder ' +
          '(every record in the folder) (default record, env KOODRIVE_EMULATOR_NAME_SCOPE)',
      ).choices(['record', 'folder']),
    )
    .option(
      '--folder <id>',
      'a folder id besides root that exists in the space (repeatable); parentFolder must name root or one of these',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--tls',
      'serve HTTPS with a self-signed certificate written to <data>/tls/cert.pem (clients trust it with --ca-file)',
    )
    .option(
      '--latency <duration>',
      'add this to every round trip (every answer, TCP and TLS handshakes too), e.g. 40ms',
      latency,
    )
    .option('--bandwidth <rate>', 'cap each connection to this rate in each direction, e.g. 10MiB/s', bandwidth);
  cmd.addHelpText(
    'after',
    `
Examples:
  $ KOODRIVE_EMULATOR_TOKEN=dev koodrive-backup emulator --data ./emu
  $ koodrive-backup emulator --port 0 --data /tmp/emu --token dev --fail-rate 0.05 --seed 7
  $ koodrive-backup emulator --auth app --app-id my-app --app-secret s3cret --faults faults.json
  $ koodrive-backup emulator --tls --latency 40ms --bandwidth 20MiB/s --data ./emu   a WAN-like HTTPS link

Prints one line "KooDrive emulator listening on http://127.0.0.1:PORT" (https:// with --tls), then
serves until Ctrl-C.
With --host 0.0.0.0 (or another address) the line names the addresses other machines reach, and a
warning says that /_emulator/* needs no credentials.
See docs/emulator.md for the invented error codes, the fault file format and /_emulator/stats.`,
  );
  cmd.action(async (flags: EmulatorFlags) => {
    const streams = io ?? {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      exitCode: 0,
    };
    // Bad flags, an unreadable fault file, missing credentials or a taken port: usage errors (exit 2).
    const usage = (err: unknown): never =>
      cmd.error(`koodrive-backup: ${emulatorProblem(err, flags)}`, { exitCode: 2, code: 'koodrive.usage' });
    const options = await emulatorOptionsFrom(flags, streams.env, streams.cwd).catch(usage);
    const emulator = await openEmulator(options).catch(usage);
    const interrupts = watchInterrupts();
    try {
      await serveUntil(emulator, options, streams, interrupts.signal);
    } finally {
      interrupts.dispose();
    }
  });
}
