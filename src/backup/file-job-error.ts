/** A failed file job's error, and the search through what an error wraps. */

/** Carries the bytes a failed file did send, for the summary; the failure itself is its cause. */
export class FileJobError extends Error {
  override readonly name = 'FileJobError';

  constructor(
    override readonly cause: unknown,
    readonly bytesSent: number,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** The failure inside a FileJobError, or the error itself. */
export function failureOf(err: unknown): unknown {
  return err instanceof FileJobError ? err.cause : err;
}

/** The bytes a failed job sent, as far as its error says. */
export function bytesSentBy(err: unknown): number {
  return err instanceof FileJobError ? err.bytesSent : 0;
}

/** True when `err` or any error it wraps (FileJobError, `cause`, AggregateError) passes `test`. */
export function someCause(err: unknown, test: (e: unknown) => boolean): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 32) {
    const e = queue.shift();
    if (e === undefined || e === null || seen.has(e)) continue;
    seen.add(e);
    if (test(e)) return true;
    if (e instanceof AggregateError) queue.push(...e.errors);
    if (e instanceof Error && 'cause' in e) queue.push(e.cause);
  }
  return false;
}
