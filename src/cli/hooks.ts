import { spawn } from 'node:child_process';
import { CONFIG_KEYS, CONFIG_SCHEMA, envName } from '../config/index.js';
import type { CliIo } from './io.js';

export interface HookSettings {
  onSuccess?: string;
  onFailure?: string;
}

/** A hook that hangs must not keep a cron job alive forever. */
export const HOOK_TIMEOUT_MS = 5 * 60_000;

/** The variables of secret settings (KOODRIVE_TOKEN, KOODRIVE_APP_SECRET): a hook has no use for them. */
const SECRET_VARIABLES = CONFIG_KEYS.filter((k) => CONFIG_SCHEMA[k].kind === 'secret').map(envName);

/**
 * Runs --on-success (exit code 0) or --on-failure (any other) through the shell, with the JSON
 * summary on stdin. The hook's output goes to our stderr, so that --json keeps stdout pure NDJSON;
 * it gets our environment less the secrets. A failing hook only warns: the backup's exit code stands.
 */
export async function runHooks(
  settings: HookSettings,
  summary: { exitCode: number } & Record<string, unknown>,
  io: CliIo,
  timeoutMs = HOOK_TIMEOUT_MS,
): Promise<void> {
  const flag = summary.exitCode === 0 ? '--on-success' : '--on-failure';
  const command = summary.exitCode === 0 ? settings.onSuccess : settings.onFailure;
  if (!command) return;
  const env = Object.fromEntries(Object.entries(io.env).filter(([name]) => !SECRET_VARIABLES.includes(name)));
  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (resolve) => {
      // Its own process group, so that a timeout kills the shell and whatever it started.
      const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'pipe'], env, cwd: io.cwd, detached: true });
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ code: null, signal: null, error });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
      for (const out of [child.stdout, child.stderr]) out.on('data', (chunk: Buffer) => io.stderr.write(chunk));
      child.stdin.on('error', () => undefined); // a hook that ignores stdin must not crash us
      child.stdin.end(`${JSON.stringify(summary)}\n`);
    },
  );
  // The command itself is not echoed: it may hold a webhook URL with a token in it.
  if (outcome.error)
    io.stderr.write(`koodrive-backup: warning: the ${flag} hook could not be started (${outcome.error.message})\n`);
  else if (outcome.signal)
    io.stderr.write(
      `koodrive-backup: warning: the ${flag} hook was killed by ` +
        `${outcome.signal}` +
        `${outcome.signal === 'SIGKILL' ? ` (it may have run longer than ${timeoutMs / 60_000} min)` : ''}\n`,
    );
  else if (outcome.code !== 0)
    io.stderr.write(`koodrive-backup: warning: the ${flag} hook exited with ${outcome.code}\n`);
}
