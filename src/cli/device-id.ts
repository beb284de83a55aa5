import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A stable id for this machine, kept in the state folder (reference Part 1: deviceId). */
export function deviceIdIn(stateDir: string): string {
  const path = join(stateDir, 'device-id');
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing) return existing;
  } catch {
    // first run on this machine
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const id = randomUUID();
  writeFileSync(path, `${id}\n`, { mode: 0o600 });
  return id;
}
