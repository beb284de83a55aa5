/** Runs the built CLI as a child process with a clean, hermetic environment (for the cli-commands tests). */
import { cleanupAll, CLI_PATH, runCli as harnessRunCli, type CliResult } from './cli-harness.js';

export const CLI = CLI_PATH;
export type { CliResult };

/** The environment without the caller's KOODRIVE_* settings, HOME pointed at `home`. */
export function cleanEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('KOODRIVE_') && k !== 'XDG_STATE_HOME') env[k] = v;
  env.HOME = home;
  env.NO_COLOR = '1';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `koodrive-backup ...args` in cwd (cli-harness.ts); stdin gets `input`, or is closed at once. */
export function runCli(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  return harnessRunCli(args, {
    cwd: opts.cwd,
    env: opts.env,
    input: opts.input ?? '',
    timeoutMs: opts.timeoutMs ?? 30_000,
  });
}

/** Kills any CLI child still running (afterAll). */
export function killRunning(): Promise<void> {
  return cleanupAll();
}
