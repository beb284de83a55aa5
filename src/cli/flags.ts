import type { Command } from 'commander';

/** The options the user actually typed (commander fills defaults for --no-x flags; config wants only real flags). */
export function givenFlags(cmd: Command): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cmd.opts())) {
    if (cmd.getOptionValueSource(key) === 'cli') out[key] = value;
  }
  return out;
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a whole number flag, with a one-line error naming the flag. */
export function wholeNumber(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}
