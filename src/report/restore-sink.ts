/**
 * How a restore is shown: NDJSON events with --json; otherwise failures and warnings on stderr,
 * each file with --verbose, a live progress line on a stderr terminal, and one summary line.
 */
import type { RestoreEvent, RestoreTotals } from '../restore/events.js';
import { formatBytes, formatDuration, formatRate, plural } from './format.js';
import { sanitizeText } from './terminal-text.js';
import type { OutputStream } from './types.js';

export interface RestoreSinkOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Draw a live progress line on stderr (a terminal, not CI, not --quiet). */
  live: boolean;
  now?: () => number;
}

/** The summary line every mode but JSON ends with. */
export function restoreSummaryLine(recordId: string, dest: string, t: RestoreTotals): string {
  const parts = [`${t.restored} restored`, `${t.unchanged} already in place`];
  if (t.failed > 0) parts.push(`${t.failed} failed`);
  const extras = [t.folders > 0 ? plural(t.folders, 'folder') : '', t.links > 0 ? plural(t.links, 'link') : '']
    .filter(Boolean)
    .join(', ');
  const rate = t.durationMs > 0 ? `, ${formatRate((t.bytesDownloaded * 1000) / t.durationMs)}` : '';
  return (
    `restore of record ${recordId} into ${sanitizeText(dest)}: ${plural(t.files, 'file')} ` +
    `(${formatBytes(t.bytesTotal)}): ${parts.join(', ')}${extras ? `; ${extras}` : ''}; downloaded ` +
    `${formatBytes(t.bytesDownloaded)} in ${formatDuration(t.durationMs)}${rate}`
  );
}

export function createRestoreSink(opts: RestoreSinkOptions): {
  sink: (e: RestoreEvent) => void;
  close(): Promise<void>;
} {
  if (opts.json) {
    return { sink: (e) => void opts.stdout.write(`${JSON.stringify(e)}\n`), close: async () => undefined };
  }
  const now = opts.now ?? Date.now;
  let total = 0;
  let done = 0;
  let filesTotal = 0;
  let filesDone = 0;
  let lastDraw = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) opts.stderr.write('\r\x1b[2K');
    drawn = false;
  };
  const draw = () => {
    if (!opts.live) return;
    const t = now();
    if (t - lastDraw < 200) return;
    lastDraw = t;
    opts.stderr.write(
      `\r\x1b[2Krestoring: ${filesDone}/${filesTotal} ${filesTotal === 1 ? 'file' : 'files'}, ` +
        `${formatBytes(done)}/${formatBytes(total)}`,
    );
    drawn = true;
  };
  const sink = (e: RestoreEvent): void => {
    switch (e.type) {
      case 'restore:start':
        total = e.bytes;
        filesTotal = e.files;
        if (!opts.quiet && !e.manifest)
          opts.stderr.write(
            'koodrive-backup: note: the record has no manifest; modes, mtimes, empty folders and links are ' +
              'not restored\n',
          );
        break;
      case 'progress':
        done += e.bytes;
        draw();
        break;
      case 'file:done':
        filesDone += 1;
        if (e.outcome === 'failed') {
          clear();
          opts.stderr.write(`FAILED    ${sanitizeText(e.path)}: ${sanitizeText(e.error ?? 'failed')}\n`);
        } else if (opts.verbose) {
          clear();
          opts.stdout.write(
            `${e.outcome === 'restored' ? 'restored ' : 'unchanged'} ${sanitizeText(e.path)} ` +
              `(${formatBytes(e.size)})\n`,
          );
        }
        draw();
        break;
      case 'retry':
        if (opts.verbose)
          opts.stderr.write(`retry: ${sanitizeText(e.what)} (attempt ${e.attempt}: ${sanitizeText(e.reason)})\n`);
        break;
      case 'warn':
        clear();
        opts.stderr.write(`koodrive-backup: warning: ${sanitizeText(e.message)}\n`);
        break;
      case 'summary':
        clear();
        opts.stdout.write(`${restoreSummaryLine(e.recordId, e.dest, e.totals)}\n`);
        if (e.reason) opts.stderr.write(`koodrive-backup: ${sanitizeText(e.reason)}\n`);
        break;
    }
  };
  return { sink, close: async () => clear() };
}
