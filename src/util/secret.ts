import { inspect } from 'node:util';

const MASK = '***';

/**
 * A value that must never be printed: tokens, app secrets. Every way of turning it into text
 * (template strings, JSON, console.log / util.inspect) yields "***"; only reveal() gives the value,
 * so each place that needs the real value is easy to find.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The real value; call it only where it goes on the wire or into a signature. */
  reveal(): string {
    return this.#value;
  }

  /** True when the value is the empty string (a missing secret). */
  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }

  [Symbol.toPrimitive](): string {
    return MASK;
  }
}

/** Replaces every occurrence of each secret's value (and of non-empty plain strings) in text by "***". */
export function redact(text: string, secrets: ReadonlyArray<Secret | string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    const value = s instanceof Secret ? s.reveal() : s;
    // Very short values would mask unrelated text (and reveal their length); real secrets are long.
    if (!value || value.length < 4) continue;
    out = out.split(value).join(MASK);
  }
  return out;
}
