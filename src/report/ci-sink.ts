import { appendFile } from 'node:fs/promises';
import type { FileOutcome, RunEvent } from '../backup/events.js';
import { renderMarkdownSummary } from './markdown-summary.js';
import { sanitizeText } from './terminal-text.js';
import type { OutputStream, ReportEnv, RunReporter } from './types.js';

export type CiProvider = 'github' | 'gitlab';

/** Which CI the environment is (GitHub Actions, GitLab CI), if any. */
export function detectCi(env: ReportEnv): CiProvider | undefined {
  if (env['GITHUB_ACTIONS'] === 'true') return 'github';
  if (env['GITLAB_CI'] === 'true') return 'gitlab';
  return undefined;
}

/** True in any CI: `CI` set (and not false/0), or a CI detectCi knows. */
export function inCi(env: ReportEnv): boolean {
  const ci = env['CI'];
  return detectCi(env) !== undefined || (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0');
}

/** Escapes the message of a GitHub workflow command (after `::`). */
export function githubData(text: string): string {
  return sanitizeText(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a property value of a GitHub workflow command (`file=…`, `title=…`). */
export function githubProperty(text: string): string {
  return githubData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** GitLab's collapsible-section markers (escape codes are GitLab's documented format). */
export function gitlabSectionStart(unixSeconds: number, name: string, header: string): string {
  return `\x1b[0Ksection_start:${unixSeconds}:${name}[collapsed=true]\r\x1b[0K${sanitizeText(header)}\n`;
}

/** Closes a GitLab section opened by gitlabSectionStart. */
export function gitlabSectionEnd(unixSeconds: number, name: string): string {
  return `\x1b[0Ksection_end:${unixSeconds}:${name}\r\x1b[0K\n`;
}

export interface CiSinkOptions {
  provider: CiProvider;
  /** The plain sink the per-file lines come from. */
  inner: RunReporter;
  /** Where group markers and annotations go: the job log (stdout). */
  out: OutputStream;
  env: ReportEnv;
  quiet?: boolean;
  now?: () => number;
  /** Appends Markdown to the step summary file (default: fs appendFile). */
  appendSummary?: (path: string, markdown: string) => Promise<void>;
}

const SECTION = 'koodrive_upload';

/**
 * CI decoration around the plain log: the per-file lines folded into one collapsible group
 * (GitHub `::group::`, GitLab section), failures as GitHub error annotations, and on GitHub a
 * Markdown summary appended to $GITHUB_STEP_SUMMARY.
 */
export function createCiSink(options: CiSinkOptions): RunReporter {
  const { provider, inner, out, env, quiet = false } = options;
  const now = options.now ?? Date.now;
  const appendSummary = options.appendSummary ?? ((path, markdown) => appendFile(path, markdown, 'utf8'));
  let filesTotal: number | undefined;
  // Bytes per outcome from the file:done stream, for the step summary's Size column.
  const sizes: Partial<Record<FileOutcome['outcome'], number>> = {};
  let groupState: 'none' | 'open' | 'closed' = 'none';
  const pending: Array<Promise<void>> = [];

  const openGroup = () => {
    if (groupState !== 'none' || quiet) return;
    groupState = 'open';
    const header =
      filesTotal === undefined ? 'Uploading files' : `Uploading ${filesTotal} ${filesTotal === 1 ? 'file' : 'files'}`;
    out.write(
      provider === 'github'
        ? `::group::${githubData(header)}\n`
        : gitlabSectionStart(Math.floor(now() / 1000), SECTION, header),
    );
  };
  const closeGroup = () => {
    if (groupState !== 'open') return;
    groupState = 'closed';
    out.write(provider === 'github' ? '::endgroup::\n' : gitlabSectionEnd(Math.floor(now() / 1000), SECTION));
  };

  const annotate = (event: RunEvent) => {
    if (provider !== 'github') return;
    if (event.type === 'file:done' && (event.file.outcome === 'failed' || event.file.outcome === 'conflict')) {
      const level = event.file.outcome === 'failed' ? 'error' : 'warning';
      const title = event.file.outcome === 'failed' ? 'Backup failed' : 'Backup conflict';
      const message =
        event.file.error ??
        (event.file.outcome === 'conflict' ? 'a different file of that name exists on the server' : 'failed');
      out.write(`::${level} file=${githubProperty(event.file.path)},title=${title}::${githubData(message)}\n`);
    } else if (event.type === 'warn') {
      out.write(`::warning::${githubData(event.message)}\n`);
    }
  };

  const writeStepSummary = (event: Extract<RunEvent, { type: 'summary' }>) => {
    const path = env['GITHUB_STEP_SUMMARY'];
    if (provider !== 'github' || !path) return;
    const markdown = renderMarkdownSummary(event.totals, event.files, {
      recordId: event.recordId,
      exitCode: event.exitCode,
      ...(event.reason ? { reason: event.reason } : {}),
      sizes,
    });
    // A leading blank line keeps our heading a heading whatever an earlier step left unterminated.
    pending.push(
      appendSummary(path, `\n${markdown}`).catch((error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        out.write(`::warning::${githubData(`could not write the step summary to ${path}: ${why}`)}\n`);
      }),
    );
  };

  const sink = (event: RunEvent): void => {
    if (event.type === 'scan:done') filesTotal = event.files;
    if (event.type === 'file:done') sizes[event.file.outcome] = (sizes[event.file.outcome] ?? 0) + event.file.size;
    if (event.type === 'file:planned' || event.type === 'file:start' || event.type === 'file:done') openGroup();
    if (event.type === 'summary') closeGroup();
    inner.sink(event);
    annotate(event);
    if (event.type === 'summary') writeStepSummary(event);
  };

  return {
    sink,
    close: async () => {
      closeGroup();
      await Promise.all(pending);
      await inner.close();
    },
  };
}
