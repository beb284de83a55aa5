import { spawn } from 'node:child_process';
import type { CliIo } from './io.js';

export interface HookSettings {
  onSuccess?: string;
  onFailure?: string;
}

/** Runs --on-success / --on-failure with the JSON summary on stdin; a failing hook only warns. */
export async function runHooks(settings: HookSettings, summary: { exitCode: number } & Record<string, unknown>, io: CliIo): Promise<void> {
  const command = summary.exitCode === 0 ? settings.onSuccess : settings.onFailure;
  if (!command) return;
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(command, { shell: true, stdio: ['pipe', 'inherit', 'inherit'], env: io.env });
    child.on('error', () => resolve(null));
    child.on('close', (c) => resolve(c));
    child.stdin.on('error', () => undefined); // a hook that ignores stdin must not crash us
    child.stdin.end(`${JSON.stringify(summary)}\n`);
  });
  if (code !== 0) io.stderr.write(`koodrive-backup: warning: hook "${command}" exited with ${code ?? 'an error'}\n`);
}
