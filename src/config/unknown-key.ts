import { CONFIG_KEYS } from './schema.js';
import { envName } from './value-origin.js';

/** KOODRIVE_* variables read outside the config schema (commands, the build, the emulator). */
const OTHER_VARIABLES = [
  'KOODRIVE_CONFIG',
  'KOODRIVE_LOCK_ID',
  'KOODRIVE_CA_FILE',
  'KOODRIVE_SKIP_NATIVE',
  'KOODRIVE_UPDATE_DOCS',
];

/**
 * Warnings for KOODRIVE_* variables nobody reads (a typo is otherwise silently ignored, while an
 * unknown config key is an error), each naming the likely variable.
 */
export function unknownEnvWarnings(env: Readonly<Record<string, string | undefined>>): string[] {
  const known = [...CONFIG_KEYS.map(envName), ...OTHER_VARIABLES];
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('KOODRIVE_') || known.includes(name) || name.startsWith('KOODRIVE_EMULATOR_')) continue;
    const guess = closestName(name, known);
    const hint = guess ? `did you mean ${guess}?` : 'see docs/configuration.md for the variables';
    warnings.push(`${name} is not a koodrive-backup variable and is ignored; ${hint}`);
  }
  return warnings;
}

function closestName(word: string, names: readonly string[]): string | undefined {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/^koodrive_/, '')
      .replace(/[-_]/g, '');
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(norm(word), norm(name));
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** The message for a key a config file holds that the schema does not know, with the likely key. */
export function unknownKeyMessage(unknown: string, file: string): string {
  const guess = closestKey(unknown);
  const hint = guess ? `did you mean "${guess}"?` : 'see docs/configuration.md for the keys';
  return `unknown key "${unknown}" in config file ${file}; ${hint}`;
}

/** The schema key a typo most likely meant: same letters ignoring case, - and _, or within two edits. */
export function closestKey(word: string): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const same = CONFIG_KEYS.find((k) => norm(k) === norm(word));
  if (same) return same;
  let best: { key: string; distance: number } | undefined;
  for (const key of CONFIG_KEYS) {
    const distance = editDistance(norm(word), norm(key));
    if (distance <= 2 && (!best || distance < best.distance)) best = { key, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
