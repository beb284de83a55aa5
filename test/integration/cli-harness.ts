/**
 * Shared helpers for tests that drive the BUILT CLI (`node bin/koodrive-backup.js`) against a
 * KooDrive emulator over loopback HTTP: spawn the CLI or a standalone emulator process, make
 * fixture trees, read /_emulator/stats and /_emulator/files, and compare stored blobs with the
 * local originals. Every process and temp dir made here is registered and removed by `cleanupAll()`
 * (call it in afterEach/afterAll).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import {
  startEmulator,
  type EmulatorOptions,
  type FaultSpec,
  type RunningEmulator,
  type StoredFileView,
} from '../../src/emulator/index.js';
import { LOCK_HEADER, PATHS, formatXDate } from '../../src/koodrive/wire-types.js';

export const CLI_PATH = join(import.meta.dirname, '../../bin/koodrive-backup.js');
export const MiB = 1024 * 1024;
export const TEST_USER = '1505084218764547200';

// ---------------------------------------------------------------------------------------------
// Cleanup registry

const cleanups: Array<() => Promise<void>> = [];

/** Kills every process and removes every temp dir this module made, newest first. */
export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) {
    const next = cleanups.pop()!;
    await next().catch(() => undefined);
  }
}

/** A fresh temp dir, removed by cleanupAll(). */
export async function tempDir(prefix = 'kdb-cli-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running child process with its output collected as it arrives. */
export class ChildRun {
  stdout = '';
  stderr = '';
  readonly done: Promise<CliResult>;
  private exited = false;

  constructor(readonly child: ChildProcessByStdio<Writable | null, Readable, Readable>) {
    child.stdout.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.done = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        this.exited = true;
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
    cleanups.push(async () => {
      if (!this.exited) {
        child.kill('SIGKILL');
        await this.done.catch(() => undefined);
      }
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Sends a signal to this process (only this one, by its id). */
  kill(signal: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(signal);
  }

  /** Waits until stdout+stderr match `pattern` (or the process ends, or the timeout passes). */
  async waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return waitFor(
      `output ${pattern}`,
      () => (this.stdout + this.stderr).match(pattern) ?? undefined,
      timeoutMs,
      () => this.exited,
    );
  }
}

/** Polls `probe` every 25 ms until it yields a value; fails after timeoutMs or once `gaveUp()` is true. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  gaveUp: () => boolean = () => false,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (gaveUp()) {
      const last = await probe();
      if (last !== undefined && last !== null && last !== false) return last;
      throw new Error(`waiting for ${what}: the process ended first`);
    }
    if (Date.now() > deadline) throw new Error(`waiting for ${what}: timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface SpawnOptions {
  /** The whole environment of the child (PATH and HOME are added when missing); nothing is inherited. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Arguments for node itself (before the script). */
  nodeArgs?: string[];
  /** A command that runs node on our behalf, e.g. setpriv to an unprivileged user (test/fixtures/unprivileged.ts). */
  prefix?: string[];
  /** Text for stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /** Killed (SIGTERM) after this long; default: never. */
  timeoutMs?: number;
}

function childEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** Starts `node bin/koodrive-backup.js …args` (no shell; only the given environment). */
export function spawnCli(args: string[], opts: SpawnOptions = {}): ChildRun {
  const [command, ...before] = [...(opts.prefix ?? []), process.execPath];
  const child = spawn(command!, [...before, ...(opts.nodeArgs ?? []), CLI_PATH, ...args], {
    env: childEnv(opts.env),
    cwd: opts.cwd ?? tmpdir(),
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
  }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
  child.stdin?.end(opts.input);
  return new ChildRun(child);
}

/** Runs the CLI to the end. */
export function runCli(args: string[], opts: SpawnOptions = {}): Promise<CliResult> {
  return spawnCli(args, opts).done;
}

// ---------------------------------------------------------------------------------------------
// Emulators

/** Talks to an emulator's introspection routes and, with its token, to its API. */
export class EmulatorProbe {
  constructor(
    readonly url: string,
    readonly token: string,
    readonly userId: string = TEST_USER,
  ) {}

  async stats(): Promise<EmulatorStatsView> {
    return (await (await fetch(`${this.url}/_emulator/stats`)).json()) as EmulatorStatsView;
  }

  async files(): Promise<StoredFileView[]> {
    return (await (await fetch(`${this.url}/_emulator/files`)).json()) as StoredFileView[];
  }

  async setFaults(spec: FaultSpec): Promise<void> {
    const res = await fetch(`${this.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify(spec) });
    if (res.status !== 200) throw new Error(`setting faults failed: ${await res.text()}`);
  }

  async expireLocks(): Promise<void> {
    await fetch(`${this.url}/_emulator/expire-locks`, { method: 'POST' });
  }

  /** One authenticated API call; answers the envelope. */
  async call(
    method: string,
    path: string,
    body?: unknown,
    lockId?: string,
  ): Promise<{ status: number; json: Record<string, any> }> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      'x-user-id': this.userId,
      'x-date': formatXDate(new Date()),
    };
    if (lockId) headers[LOCK_HEADER] = lockId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.url + path, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
  }

  /**
   * True when a new folder-backup lock can be taken right now (it is then released again): the
   * proof that no run left its lock behind.
   */
  async lockIsFree(): Promise<boolean> {
    const taken = await this.call('POST', PATHS.lock, { moduleCode: '100' });
    if (taken.json.code !== 0) return false;
    await this.call('DELETE', PATHS.lock, undefined, taken.json.data.lockId as string);
    return true;
  }
}

/** What GET /_emulator/stats answers. */
export interface EmulatorStatsView {
  putBytes: number;
  putCount: number;
  putAccepted: number;
  requests: Record<string, number>;
  errors: Record<string, number>;
  faults: { status503: number; status429: number; resets: number; stalls: number; rules: number };
  filesCompleted: number;
  rapidUploads: number;
  recordsCompleted: number;
}

export interface TestEmulator extends EmulatorProbe {
  dataDir: string;
  /** Stops it (the process gets SIGTERM; state is flushed). */
  stop(): Promise<void>;
}

/** An emulator in this process (fast; the CLI still talks to it over HTTP). */
export async function inProcessEmulator(
  opts: Partial<EmulatorOptions> & { token?: string } = {},
): Promise<TestEmulator & { emulator: RunningEmulator }> {
  const dataDir = opts.dataDir ?? (await tempDir('kdb-emu-'));
  const token = opts.token ?? 'test-token-7b3e1f';
  const emulator = await startEmulator({ userId: TEST_USER, ...opts, token, dataDir, port: 0 });
  let closed = false;
  const stop = async () => {
    if (!closed) {
      closed = true;
      await emulator.close();
    }
  };
  cleanups.push(stop);
  const probe = new EmulatorProbe(emulator.url, token, opts.userId ?? TEST_USER);
  return Object.assign(probe, { dataDir, stop, emulator });
}

/** `koodrive-backup emulator --port 0 …` as a separate process; resolves once it listens. */
export async function emulatorProcess(
  args: string[] = [],
  opts: { token?: string; dataDir?: string } = {},
): Promise<TestEmulator & { run: ChildRun }> {
  const dataDir = opts.dataDir ?? (await tempDir('kdb-emu-'));
  const token = opts.token ?? 'test-token-7b3e1f';
  const run = spawnCli(['emulator', '--port', '0', '--data', dataDir, '--user-id', TEST_USER, ...args], {
    env: { KOODRIVE_EMULATOR_TOKEN: token },
  });
  const match = await run.waitForOutput(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 15_000);
  const stop = async () => {
    run.kill('SIGTERM');
    await run.done;
  };
  const probe = new EmulatorProbe(match[1]!, token);
  return Object.assign(probe, { dataDir, stop, run });
}

/** The environment that points the CLI at `emu` with a state dir of its own. */
export function cliEnv(
  emu: EmulatorProbe,
  stateDir: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    KOODRIVE_ENDPOINT: emu.url,
    KOODRIVE_TOKEN: emu.token,
    KOODRIVE_USER_ID: emu.userId,
    KOODRIVE_STATE_DIR: stateDir,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Fixture trees and content

export { patternBytes } from '../fixtures/pattern-bytes.js';

/** Writes `files` (relative path → content) under root, making folders as needed. */
export async function makeTree(root: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

/** SHA-256 of a file, streamed. */
export function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

export const sha256Of = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/**
 * Checks that every local file of `tree` (relative path → content) is stored complete, under its
 * path as description, with identical bytes; returns the mismatches (empty when all is well).
 * When a path was stored more than once, the newest complete copy counts.
 */
export async function storedMismatches(emu: EmulatorProbe, tree: Record<string, Buffer | string>): Promise<string[]> {
  const stored = (await emu.files()).filter((f) => f.status === 'complete');
  const problems: string[] = [];
  for (const [rel, content] of Object.entries(tree)) {
    const copies = stored.filter((f) => f.description === rel);
    const want = sha256Of(content);
    const copy = copies.find((f) => f.sha256 === want);
    if (!copy) {
      problems.push(
        `${rel}: no complete copy with sha256 ${want} (stored: ` +
          `${copies.map((c) => c.sha256.slice(0, 12)).join(', ') || 'none'})`,
      );
      continue;
    }
    const bytes = await readFile(copy.blobPath!);
    if (!bytes.equals(Buffer.from(content))) problems.push(`${rel}: stored bytes differ from the original`);
  }
  return problems;
}

/** NDJSON lines of `--json` output. */
export function jsonEvents(text: string): Array<Record<string, any>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
}
