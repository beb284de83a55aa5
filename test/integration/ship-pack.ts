/**
 * Helpers for the ship-* tests: pack the package the way a release does (from a copy of the
 * source, so the tree other tests run from is never rebuilt under them), a PATH with node, npm and
 * sh but no compiler, and a global install into a fresh prefix.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { DockerfileParser } from 'dockerfile-ast';
import { delimiter, dirname, join } from 'node:path';

export const REPO = join(import.meta.dirname, '../..');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment without npm's per-script variables (vitest may run under `npm test`). */
export function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && !k.startsWith('KOODRIVE_') && k !== 'INIT_CWD') env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Runs a command to its end, collecting output; never rejects (the caller asserts the code). */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 240_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) =>
      resolve({ code: -1, stdout, stderr: `${stderr}${String(err)}`, ms: Date.now() - started }),
    );
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/**
 * Copies the source tree as git sees it (tracked and new files, not ignored ones: no dist/,
 * native/build/ or node_modules/) into `dest`, linking node_modules, so `npm pack` there builds
 * dist/ and the prebuilt addon from scratch.
 */
export function copySource(dest: string): void {
  const list = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const rel of list.split('\0').filter(Boolean)) {
    if (!existsSync(join(REPO, rel))) continue; // deleted in the work tree, not yet in git
    mkdirSync(dirname(join(dest, rel)), { recursive: true });
    cpSync(join(REPO, rel), join(dest, rel));
  }
  symlinkSync(join(REPO, 'node_modules'), join(dest, 'node_modules'));
}

/**
 * Packs `src` with the Dockerfile's own build step (its last RUN before the runtime stage: npm pack
 * into pkg/, renamed koodrive-backup.tgz), so the image's recipe is run too, not only described.
 */
export async function packLikeDockerfile(
  src: string,
): Promise<{ tarball: string; result: RunResult; command: string }> {
  const dockerfile = DockerfileParser.parse(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  const runtimeStart = dockerfile.getFROMs().at(-1)!.getRange().start.line;
  const runs = dockerfile
    .getInstructions()
    .filter((i) => i.getKeyword() === 'RUN' && i.getRange().start.line < runtimeStart);
  const command = runs.at(-1)!.getArgumentsContent()!.replace(/\\\n/g, ' ');
  const result = await run('sh', ['-c', command], { cwd: src, env: baseEnv() });
  const tarball = join(src, 'pkg', 'koodrive-backup.tgz');
  return { tarball: existsSync(tarball) ? tarball : '', result, command };
}

/** Programs whose presence would let an install compile the addon. */
export const COMPILERS = ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python', 'python3'];

/**
 * A folder holding only node, npm and sh (npm runs scripts with sh), to be the whole PATH:
 * a machine with Node.js and no build tools, like a slim container image.
 */
export function noCompilerBin(dir: string): string {
  mkdirSync(dir, { recursive: true });
  symlinkSync(process.execPath, join(dir, 'node'));
  symlinkSync(realpathSync(which('npm')), join(dir, 'npm'));
  symlinkSync(realpathSync(which('sh')), join(dir, 'sh'));
  return dir;
}

/** The first `name` on this process's PATH. */
export function which(name: string, path = process.env.PATH ?? ''): string {
  const hit = path
    .split(delimiter)
    .map((d) => join(d, name))
    .find((p) => existsSync(p));
  if (!hit) throw new Error(`${name} is not on PATH (${path})`);
  return hit;
}

/** The programs of `names` found on `path`. */
export function foundOn(path: string, names: string[]): string[] {
  return names.filter((n) => path.split(delimiter).some((d) => existsSync(join(d, n))));
}
