/**
 * Shared set-up for the cli-unattended-* tests: the BUILT CLI (`npm test` builds it first) spawned
 * as a child process, a standalone emulator process, temp folders, and cleanup of all of them.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnCli } from './cli-harness.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(REPO, 'bin', 'koodrive-backup.js');
export const USER = '1505084218764547200';
export const MiB = 1024 * 1024;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Date.now() when the process ended. */
  endedAt: number;
}

export interface RunningCli {
  child: ChildProcess;
  done: Promise<CliResult>;
}

/** Everything these tests start or create; `cleanup()` ends and removes it all. */
export class Sandbox {
  private readonly children = new Set<ChildProcess>();
  private readonly dirs: string[] = [];

  /** A fresh temp folder, removed by cleanup(). */
  async dir(prefix = 'kd-unattended-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /**
   * A minimal environment: nothing from the test runner's own (no CI variables, no KOODRIVE_*
   * settings, no config file above HOME), plus `extra`.
   */
  env(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', TZ: 'UTC', ...extra };
  }

  /** Starts the CLI (cli-harness.ts's spawnCli); `done` resolves when it exits (never rejects). */
  start(args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): RunningCli {
    const run = spawnCli([...args], { cwd: opts.cwd, env: opts.env });
    this.children.add(run.child);
    const done = run.done.then(
      ({ code, stdout, stderr }) => ({ code, stdout, stderr, endedAt: Date.now() }),
      (err: Error) => ({ code: null, stdout: run.stdout, stderr: `${run.stderr}${err.message}`, endedAt: Date.now() }),
    );
    void done.then(() => this.children.delete(run.child));
    return { child: run.child, done };
  }

  /** Runs the CLI to the end. */
  run(args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliResult> {
    return this.start(args, opts).done;
  }

  /** Starts `koodrive-backup emulator --port 0 --data <dir> …` and waits for its URL. */
  async emulator(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<EmulatorProcess> {
    const data = join(cwd, `emu-${Math.random().toString(36).slice(2)}`);
    const { child, done } = this.start(['emulator', '--port', '0', '--data', data, '--user-id', USER, ...args], {
      cwd,
      env,
    });
    let seen = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`emulator did not start: ${seen}`)), 15_000);
      child.stdout!.on('data', (c: string) => {
        seen += c;
        const m = /listening on (http:\/\/\S+)/.exec(seen);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]!);
        }
      });
      void done.then((r) => {
        clearTimeout(timer);
        reject(new Error(`emulator exited with ${r.code}: ${r.stderr}`));
      });
    });
    return new EmulatorProcess(url, child, done);
  }

  /** Kills what is still running (SIGKILL after a grace period) and removes the temp folders. */
  async cleanup(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolveKill) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolveKill();
            const force = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.once('close', () => {
              clearTimeout(force);
              resolveKill();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await Promise.all(this.dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** A standalone emulator process and its introspection routes. */
export class EmulatorProcess {
  constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<CliResult>,
  ) {}

  async stats(): Promise<EmulatorStats> {
    return (await fetch(`${this.url}/_emulator/stats`)).json() as Promise<EmulatorStats>;
  }

  async files(): Promise<EmulatorFile[]> {
    return (await fetch(`${this.url}/_emulator/files`)).json() as Promise<EmulatorFile[]>;
  }

  async setFaults(spec: unknown): Promise<void> {
    const res = await fetch(`${this.url}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify(spec),
      headers: { 'content-type': 'application/json' },
    });
    if (!res.ok) throw new Error(`faults refused: ${await res.text()}`);
  }

  /** Stops the emulator (SIGTERM) and returns what it printed. */
  async stop(): Promise<CliResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

export interface EmulatorStats {
  putBytes: number;
  putCount: number;
  requests: Record<string, number>;
  errors: Record<string, number>;
  filesCompleted: number;
  rapidUploads: number;
  recordsCompleted: number;
}

export interface EmulatorFile {
  recordId: string;
  fileId: string;
  fileName: string;
  description: string;
  sha256: string;
  size: number;
  status: string;
  rapid: boolean;
}

/** Writes files (relative path → content) under root, creating folders. */
export async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(root, rel);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
}

export { patternBytes as bytesOf } from '../fixtures/pattern-bytes.js';

/** The NDJSON events a --json run printed. */
export function events(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

/** The relative paths a --dry-run --json run planned, sorted. */
export function plannedPaths(stdout: string): string[] {
  return events(stdout)
    .filter((e) => e.type === 'file:planned')
    .map((e) => e.path as string)
    .sort();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
