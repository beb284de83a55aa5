/** What an upload tells the user while it waits for a busy lock (--wait-lock), and how often. */
import { formatDuration } from './format.js';

const LOCKS: Record<string, string> = {
  'take the backup lock': 'the backup lock',
  'take the state folder': 'the state folder',
};

/**
 * The line for a wait on a busy lock: the first retry of each lock, then at most one a minute,
 * saying what holds it and how long the run will wait. Undefined for other retries (and for a
 * failed renewal, which is not a wait).
 */
export function lockWaitNotes(
  waitLockMs: number,
  now: () => number,
): (what: string, reason: string) => string | undefined {
  const started = now();
  const last = new Map<string, number>();
  return (what, reason) => {
    const lock = LOCKS[what];
    if (!lock || /^lock renewal failed/.test(reason)) return undefined;
    const at = now();
    const previous = last.get(what);
    if (previous !== undefined && at - previous < 60_000) return undefined;
    last.set(what, at);
    const left = Math.max(0, waitLockMs - (at - started));
    return `waiting for ${lock}: ${reason}; waiting up to ${formatDuration(left)} more (--wait-lock), Ctrl-C to stop`;
  };
}
