import { CONFIG_KEYS } from './schema.js';

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
