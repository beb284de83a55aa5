import { appendFile } from 'node:fs/promises';
import type { EventSink, RunEvent } from '../backup/events.js';
import { createSink, resolveOutput } from '../report/choose-sink.js';
import { githubData } from '../report/ci-sink.js';
import { renderFatalMarkdown } from '../report/markdown-summary.js';
import { writeReport } from '../report/report-file.js';
import type { SummaryEvent } from '../report/types.js';
import type { CliIo } from './io.js';

export interface OutputSettings {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  report?: string;
}

export interface RunOutput {
  emit: EventSink;
  /**
   * Ends the output of a run that stopped with a fatal error (its one line goes to stderr apart):
   * `--json` still ends with the `summary` event (exitCode, reason), GitHub Actions gets an
   * `::error::` line and the step summary, and --report is written. Closes the output.
   */
  fatal(summary: SummaryEvent): Promise<void>;
  close(): Promise<void>;
}

/** The run's event sink (TTY, plain, CI or JSON) plus the --report file. */
export function openOutput(settings: OutputSettings, io: CliIo): RunOutput {
  const options = {
    mode: settings.json ? ('json' as const) : ('auto' as const),
    // The live display goes to stderr: bars whenever stderr is a terminal, also with `> result.txt`.
    isTTY: io.stderr.isTTY === true,
    quiet: settings.quiet,
    verbose: settings.verbose,
    env: io.env,
    stdout: io.stdout,
    stderr: io.stderr,
  };
  const { sink, close } = createSink(options);
  let closed = false;
  let report: Promise<void> | undefined;
  const output: RunOutput = {
    emit: (event: RunEvent) => {
      sink(event);
      if (event.type === 'summary' && settings.report) report = writeReport(settings.report, event);
    },
    fatal: async (summary: SummaryEvent) => {
      const resolved = resolveOutput(options);
      // Plain and terminal output show the error as the one line on stderr, nothing more.
      if (resolved === 'json' && !closed) sink(summary);
      if (settings.report) report = writeReport(settings.report, summary);
      await output.close();
      if (resolved !== 'github') return;
      const reason = summary.reason ?? `exit code ${summary.exitCode}`;
      io.stdout.write(`::error title=Backup failed::${githubData(reason)}\n`);
      const path = io.env.GITHUB_STEP_SUMMARY;
      if (!path) return;
      await appendFile(
        path,
        `\n${renderFatalMarkdown(summary.totals, summary.files, {
          recordId: summary.recordId,
          exitCode: summary.exitCode,
          reason,
        })}`,
        'utf8',
      ).catch((err: unknown) => {
        io.stdout.write(
          `::warning::${githubData(
            `could not write the step summary to ${path}: ${err instanceof Error ? err.message : String(err)}`,
          )}\n`,
        );
      });
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await close();
      // A report that cannot be written is reported, not fatal: the backup itself is done.
      await report?.catch((err: unknown) =>
        io.stderr.write(`koodrive-backup: warning: ${err instanceof Error ? err.message : String(err)}\n`),
      );
    },
  };
  return output;
}
