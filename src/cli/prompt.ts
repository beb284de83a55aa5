import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { InterruptedError } from './interrupts.js';

/** Asks questions on a terminal, one line each; secret answers are not echoed. */
export interface Prompter {
  /** The typed line (trimmed); '' when the input ended. Rejects with InterruptedError on Ctrl-C. */
  ask(question: string, options?: { secret?: boolean }): Promise<string>;
  close(): void;
}

/**
 * A prompter over `input` writing questions to `output` (stderr, so stdout stays for results).
 * `terminal` makes readline handle keys itself (and echo them), which is where muting matters.
 */
export function createPrompter(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  terminal: boolean,
): Prompter {
  let muted = false;
  // readline echoes typed keys through its output; for a secret that output drops everything.
  const echo = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      if (!muted) output.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input, output: echo, terminal });
  const lines = rl[Symbol.asyncIterator]();
  let interrupted: (() => void) | undefined;
  rl.on('SIGINT', () => interrupted?.());
  return {
    async ask(question, options = {}) {
      output.write(question);
      muted = options.secret === true;
      try {
        const next = await new Promise<IteratorResult<string>>((resolve, reject) => {
          interrupted = () => reject(new InterruptedError('SIGINT'));
          lines.next().then(resolve, reject);
        });
        return next.done ? '' : next.value.trim();
      } finally {
        interrupted = undefined;
        // The muted echo swallowed the Enter too.
        if (muted) output.write('\n');
        muted = false;
      }
    },
    close: () => rl.close(),
  };
}
