import type { EventSink, RunEvent } from '../backup/events.js';
import { createSink } from '../report/choose-sink.js';
import { writeReport } from '../report/report-file.js';
import type { CliIo } from './io.js';

export interface OutputSettings {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  report?: string;
}

/** The run's event sink (TTY, plain, CI or JSON) plus the --report file. */
export function openOutput(settings: OutputSettings, io: CliIo): { emit: EventSink; close(): Promise<void> } {
  const { sink, close } = createSink({
    mode: settings.json ? 'json' : 'auto',
    isTTY: io.stderr.isTTY === true && io.stdout.isTTY === true,
    quiet: settings.quiet,
    verbose: settings.verbose,
    env: io.env,
    stdout: io.stdout,
    stderr: io.stderr,
  });
  let closed = false;
  let report: Promise<void> | undefined;
  return {
    emit: (event: RunEvent) => {
      sink(event);
      if (event.type === 'summary' && settings.report) report = writeReport(settings.report, event);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await close();
      // A report that cannot be written is reported, not fatal: the backup itself is done.
      await report?.catch((err: unknown) => io.stderr.write(`koodrive-backup: warning: ${err instanceof Error ? err.message : String(err)}\n`));
    },
  };
}
