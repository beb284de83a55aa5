import { setMaxListeners } from 'node:events';
/**
 * First SIGINT/SIGTERM: abort the run's signal so no new work starts, in-flight parts stop, the
 * journal is written and the lock released. Second one: leave at once (the journal is append-only,
 * so it stays consistent).
 */
export interface Interrupts {
  signal: AbortSignal;
  /** The signal received, if any. */
  received(): NodeJS.Signals | undefined;
  dispose(): void;
}

export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(readonly signalName: NodeJS.Signals) {
    super(`interrupted by ${signalName}; run the same command again to resume where it stopped`);
  }
}

export function watchInterrupts(
  onFirst?: (sig: NodeJS.Signals) => void,
  onSecond?: (sig: NodeJS.Signals) => void,
): Interrupts {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // every API call and PUT in flight listens; the pools bound them
  let got: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (got) {
      onSecond?.(sig); // must be synchronous: nothing runs after exit
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    got = sig;
    onFirst?.(sig);
    controller.abort(new InterruptedError(sig));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    received: () => got,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
