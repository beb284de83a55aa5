import { createCiSink, detectCi, inCi } from './ci-sink.js';
import { createJsonSink } from './json-sink.js';
import { createPlainSink } from './plain-sink.js';
import { phrasingWarnings } from './run-warnings.js';
import { wantsColor } from './style.js';
import { createTtySink } from './tty-sink.js';
import type { OutputStream, ReportEnv, ReportTimer, RunReporter } from './types.js';

export type OutputMode = 'auto' | 'json' | 'plain' | 'tty';

export interface CreateSinkOptions {
  mode: OutputMode;
  /** Whether stderr (where the live display goes) is a terminal. */
  isTTY: boolean;
  quiet: boolean;
  verbose: boolean;
  env: ReportEnv;
  stdout: OutputStream;
  stderr: OutputStream;
  now?: () => number;
  timer?: ReportTimer;
  /** Plain mode: ms between progress lines (default 10 000). */
  progressEveryMs?: number;
  /** TTY mode: most redraws per second (default 10). */
  fps?: number;
}

/** What a mode resolves to; exported so `--help` texts and tests can say it. */
export type ResolvedOutput = 'json' | 'plain' | 'tty' | 'github' | 'gitlab';

/**
 * Picks the output for a run. `auto`: GitHub Actions or GitLab CI → plain lines with CI groups and
 * annotations; a terminal on stderr (and not --quiet, not TERM=dumb, not CI) → spinner and bars,
 * whatever stdout is; otherwise plain.
 * An explicit mode is taken as asked (`plain` never gets CI decoration, so never an escape code).
 */
export function resolveOutput(options: Pick<CreateSinkOptions, 'mode' | 'isTTY' | 'quiet' | 'env'>): ResolvedOutput {
  if (options.mode === 'json' || options.mode === 'plain') return options.mode;
  if (options.mode === 'tty') return options.quiet ? 'plain' : 'tty';
  const ci = detectCi(options.env);
  if (ci) return ci;
  // Any CI (CI=true: Buildkite, Jenkins, `docker run -t` in a pipeline) keeps a log, not a screen:
  // plain lines, even when it gives the run a terminal.
  if (options.isTTY && !options.quiet && options.env['TERM'] !== 'dumb' && !inCi(options.env)) return 'tty';
  return 'plain';
}

/**
 * Builds the sink for a run: the one place that maps flags and environment to an output. Every
 * mode sees backup/'s warning facts as the same `warn` lines (run-warnings.ts).
 */
export function createSink(options: CreateSinkOptions): RunReporter {
  const reporter = createModeSink(options);
  return { sink: phrasingWarnings(reporter.sink), close: () => reporter.close() };
}

function createModeSink(options: CreateSinkOptions): RunReporter {
  const { quiet, verbose, env, stdout, stderr, now, timer } = options;
  const resolved = resolveOutput(options);
  const common = { ...(now ? { now } : {}) };
  const plain = {
    quiet,
    verbose,
    ...common,
    ...(timer ? { timer } : {}),
    ...(options.progressEveryMs !== undefined ? { progressEveryMs: options.progressEveryMs } : {}),
  };
  switch (resolved) {
    case 'json':
      return createJsonSink({ out: stdout, ...common });
    case 'tty':
      return createTtySink({
        stream: stderr,
        out: stdout,
        color: wantsColor(stderr, env),
        summaryColor: wantsColor(stdout, env),
        verbose,
        ...common,
        ...(options.fps ? { fps: options.fps } : {}),
      });
    case 'plain':
      return createPlainSink({ out: stdout, err: stderr, ...plain });
    case 'github':
    case 'gitlab': {
      // A CI log is one ordered stream: problems go to stdout too, where the annotations are.
      const inner = createPlainSink({ out: stdout, err: stdout, ...plain });
      return createCiSink({ provider: resolved, inner, out: stdout, env, quiet, ...common });
    }
  }
}
