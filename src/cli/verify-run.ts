import { resolve } from 'node:path';
import pLimit from 'p-limit';
import { scanOptionsOf } from '../config/index.js';
import type { BackupRecord } from '../koodrive/wire-types.js';
import { formatBytes } from '../util/size.js';
import { sanitizeText } from '../report/terminal-text.js';
import { walk } from '../scan/walk.js';
import type { LocalFile } from '../scan/local-file.js';
import {
  compareTrees,
  pathsToHash,
  serverPath,
  STATUS_TEXT,
  type ServerEntry,
  type VerifyItem,
  type VerifyResult,
  type VerifyStatus,
} from '../verify/compare.js';
import { sha256OfFile } from '../verify/file-sha256.js';
import { MANIFEST_DESCRIPTION, toDescription } from '../names/file-name.js';
import type { ResolvedConfig } from '../config/config-types.js';
import type { KooDriveClient } from '../koodrive/client.js';
import { recordContainerId } from '../restore/run-restore.js';
import { DownloadUrls } from '../restore/url-cache.js';
import { fetchFile } from '../restore/fetch-file.js';
import { downloadRetry } from './download-retry.js';
import { openApiSession } from './api-session.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { recordStatusText } from './record-text.js';
import { runReporting } from './report-failure.js';
import { UsageError } from './usage-error.js';

/**
 * `verify <path...> --record-id ID [--deep]`: compares the local tree (the same paths upload was
 * given) with the record's files; 0 identical, 8 different. --deep hashes the server's bytes.
 */
export async function runVerifyCommand(paths: string[], flags: Record<string, unknown>, io: CliIo): Promise<number> {
  return runReporting(io, flags, async () => {
    const recordId = typeof flags.recordId === 'string' ? flags.recordId : undefined;
    if (!recordId)
      throw new UsageError(
        'verify needs the record to compare with: --record-id ID (see koodrive-backup records list)',
      );
    if (paths.length === 0 || paths.some((p) => p.trim() === ''))
      throw new UsageError('verify needs the paths that were backed up (an empty path was given)');
    const path = paths.join(' ');
    const session = await openApiSession(flags, io);
    try {
      const { config, client } = session;
      const record = await client.getRecord(recordId);
      const roots = paths.map((p) => resolve(io.cwd, p));
      const local = await scanLocal(
        roots,
        { ...scanOptionsOf(config, { cwd: io.cwd, reportExcluded: flags.verbose === true }) },
        io,
        flags.quiet === true,
      );
      const server: ServerEntry[] = [];
      for await (const entry of client.listBackupFiles(recordId))
        if (entry.description !== MANIFEST_DESCRIPTION) server.push(entry);
      if (flags.deep === true) await hashServer(server, local, record, flags, config, client);
      const hashes = await hashLocal(local, pathsToHash(local, server), config.hashWorkers);
      const result = compareTrees(local, server, hashes);
      const exitCode = result.identical ? EXIT.OK : EXIT.DIFFERENT;
      if (flags.json === true) printJson(io, result, record, path, exitCode);
      else printText(io, result, record, path, flags.verbose === true);
      return exitCode;
    } finally {
      await session.close();
    }
  });
}

/**
 * verify --deep: replaces each listed sha256 that a comparison will use by the hash of the bytes
 * the server sends for that file.
 */
async function hashServer(
  server: ServerEntry[],
  local: readonly LocalFile[],
  record: BackupRecord,
  flags: Record<string, unknown>,
  config: ResolvedConfig,
  client: KooDriveClient,
): Promise<void> {
  const flagged = typeof flags.containerId === 'string' ? flags.containerId : config.containerId;
  const containerId = flagged ?? recordContainerId(record);
  if (!containerId)
    throw new UsageError(
      `record ${record.recordId} does not say which space holds its files; pass --container-id for --deep`,
    );
  const wanted = new Set(pathsToHash(local, server));
  const entries = server.filter((e) => wanted.has(serverPath(e)));
  const urls = new DownloadUrls(
    client,
    containerId,
    entries.map((e) => e.fileId),
  );
  const fetchDeps = { urlFor: (id: string, fresh: boolean) => urls.urlFor(id, fresh), ...downloadRetry(config) };
  const limit = pLimit(Math.max(1, Math.min(config.concurrency, 16)));
  await Promise.all(
    entries.map((e) =>
      limit(async () => {
        const { state } = await fetchFile(e, `download ${serverPath(e)}`, undefined, fetchDeps, {
          timeoutMs: config.timeout,
        });
        e.sha256 = state.hash.digest('hex');
      }),
    ),
  );
}

/** The regular files under the roots, with the same filters (and root prefixes) upload uses; notices go to stderr. */
async function scanLocal(
  roots: string[],
  options: Parameters<typeof walk>[1],
  io: CliIo,
  quiet: boolean,
): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  for await (const item of walk(roots, options)) {
    if (item.type === 'file') files.push(item.file);
    else if (item.type === 'notice' && !quiet)
      io.stderr.write(
        `koodrive-backup: notice: ${sanitizeText(item.notice.path)}: ${sanitizeText(item.notice.message)}\n`,
      );
  }
  return files;
}

/** SHA-256 of the named local files, `workers` at a time. */
async function hashLocal(
  local: readonly LocalFile[],
  paths: readonly string[],
  workers: number,
): Promise<Map<string, string>> {
  const wanted = new Set(paths);
  const limit = pLimit(Math.max(1, workers));
  const hashes = new Map<string, string>();
  await Promise.all(
    local
      .filter((file) => wanted.has(toDescription(file.relPath)))
      .map((file) => limit(async () => hashes.set(toDescription(file.relPath), await sha256OfFile(file.absPath)))),
  );
  return hashes;
}

function summaryLine(result: VerifyResult): string {
  const order: VerifyStatus[] = ['ok', 'content-differs', 'size-differs', 'missing', 'extra'];
  const parts = order.filter((s) => result.counts[s] > 0).map((s) => `${result.counts[s]} ${STATUS_TEXT[s]}`);
  return (
    `${result.items.length} ${result.items.length === 1 ? 'path' : 'paths'}: ` +
    `${parts.length > 0 ? parts.join(', ') : 'nothing on either side'}`
  );
}

function printText(io: CliIo, result: VerifyResult, record: BackupRecord, path: string, verbose: boolean): void {
  const width = Math.max(...Object.values(STATUS_TEXT).map((t) => t.length));
  for (const item of result.items) {
    if (item.status === 'ok' && !verbose) continue;
    io.stdout.write(`${STATUS_TEXT[item.status].padEnd(width)}  ${sanitizeText(item.path)}${detail(item)}\n`);
  }
  const status = recordStatusText(record.status);
  const verdict = result.identical ? 'identical' : 'differences found';
  io.stdout.write(
    `verify ${sanitizeText(path)} against record ${record.recordId} (${status}): ${summaryLine(result)}; ${verdict}\n`,
  );
}

function detail(item: VerifyItem): string {
  const { local, server } = item;
  if (item.status === 'size-differs' && local && server)
    return `  (local ${formatBytes(local.size)}, server ${formatBytes(server.size)})`;
  if (item.status === 'content-differs' && local?.sha256 && server)
    return (
      `  (same size ${formatBytes(local.size)}; ` +
      `sha256 local ${local.sha256.slice(0, 12)}…, server ${server.sha256.slice(0, 12)}…)`
    );
  if (item.status === 'extra' && server && server.fileName !== item.path.split('/').pop())
    return `  (stored as ${sanitizeText(server.fileName)})`;
  return '';
}

function printJson(io: CliIo, result: VerifyResult, record: BackupRecord, path: string, exitCode: number): void {
  for (const item of result.items) io.stdout.write(`${JSON.stringify({ type: 'file', ...item })}\n`);
  const summary = {
    type: 'summary',
    recordId: record.recordId,
    recordStatus: record.status,
    path,
    identical: result.identical,
    counts: result.counts,
    exitCode,
  };
  io.stdout.write(`${JSON.stringify(summary)}\n`);
}
