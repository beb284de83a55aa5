// Child processes for the benchmark: timed runs with peak RSS, and the emulator's own CPU and memory.
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** GNU time writes "<max RSS KiB> <user s> <sys s>" with this format; busybox/BSD time cannot. */
const GNU_TIME = '/usr/bin/time';
export const hasGnuTime =
  existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;

/** Whether `cmd args` runs and exits 0 (to skip a missing peer tool with a clear line). */
export function available(cmd, args = ['--version'], env = process.env) {
  const r = spawnSync(cmd, args, { stdio: 'ignore', env });
  return r.status === 0;
}

/**
 * Runs a command to completion, timing it from spawn to exit. Peak RSS and CPU come from GNU time
 * (wait4 rusage: the largest process of the tree for RSS, the sum for CPU). Throws with the
 * command's stderr when it fails.
 */
export async function timed(cmd, args, { env = process.env, cwd, scratch, label = cmd } = {}) {
  const stats = join(scratch, `time-${process.hrtime.bigint()}.txt`);
  const [file, argv] = hasGnuTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', stats, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const { code, stderr, stdout } = await new Promise((resolve, reject) => {
    const child = spawn(file, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out = (out + c).slice(-64 * 1024)));
    child.stderr.on('data', (c) => (err = (err + c).slice(-64 * 1024)));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stderr: err, stdout: out }));
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`${label} exited ${code}: ${(stderr || stdout).trim().slice(-2000)}`);
  const result = { seconds };
  if (hasGnuTime) {
    const [rssKiB, user, sys] = (await readFile(stats, 'utf8')).trim().split(/\s+/).slice(-3).map(Number);
    Object.assign(result, { peakRssMiB: Math.round(rssKiB / 1024), cpuSeconds: +(user + sys).toFixed(2) });
    await rm(stats, { force: true });
  }
  return result;
}

/** CPU seconds (user + sys) a live process has used, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Peak resident memory (VmHWM) of a live process, in MiB. */
export function peakRssMiBOf(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : undefined;
}

const emulatorWithS3 = join(dirname(fileURLToPath(import.meta.url)), '..', 'emulator-s3.mjs');

/**
 * Starts the standalone emulator with the S3 face (bench/emulator-s3.mjs: KooDrive API + S3 face on
 * one port) and resolves once it prints its URL.
 */
export async function startEmulator({ dataDir, token, userId, s3, env = process.env, extraArgs = [] }) {
  const child = spawn(
    process.execPath,
    [
      emulatorWithS3,
      '--port',
      '0',
      '--data',
      dataDir,
      '--user-id',
      userId,
      '--s3-access-key',
      s3.accessKeyId,
      ...extraArgs,
    ],
    {
      env: { ...env, KOODRIVE_EMULATOR_TOKEN: token, KOODRIVE_EMULATOR_S3_SECRET_KEY: s3.secretAccessKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the emulator did not start within 30 s: ${stderr}`)), 30_000);
    child.stdout.on('data', (c) => {
      out += c;
      const m = /listening on (https?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (${code}) before listening: ${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    url,
    pid: child.pid,
    // With --tls: the certificate it wrote, for every client that must trust it.
    caFile: url.startsWith('https:') ? join(dataDir, 'tls', 'cert.pem') : undefined,
    stats: async () =>
      JSON.parse(
        await getText(
          `${url}/_emulator/stats`,
          url.startsWith('https:') ? readFileSync(join(dataDir, 'tls', 'cert.pem'), 'utf8') : undefined,
        ),
      ),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** GET `url` (trusting `ca` for https) and resolve with the body as text. */
export function getText(url, ca) {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    lib
      .get(url, { agent: false, ...(ca ? { ca } : {}) }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The environment without our own, AWS or rclone settings, so that nothing from the user's shell leaks in. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(KOODRIVE_|AWS_|RCLONE_)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}
