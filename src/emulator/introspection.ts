/** The unauthenticated /_emulator routes: stats, stored files, and run-time fault control. */
import type { IncomingMessage } from 'node:http';
import type { EmulatorContext } from './context.js';
import { validateFaultSpec } from './faults.js';
import { filesPage } from './folder-index.js';
import { readApiBody } from './http-io.js';
import type { Reply } from './reply.js';
import type { FileState } from './state.js';

export const INTROSPECTION_PREFIX = '/_emulator/';

/** One stored file as /_emulator/files shows it. */
export interface StoredFileView {
  recordId: string;
  fileId: string;
  fileName: string;
  description?: string;
  sha256: string;
  size: number;
  status: string;
  rapid: boolean;
  /** Absolute path of the assembled bytes; set once complete. */
  blobPath?: string;
  partsReceived: number;
  partsPlanned: number;
}

/** The most files one page of `/_emulator/files?limit=` holds. */
const MAX_PAGE = 10_000;

/**
 * `/_emulator/files`: without `limit`, every stored file (the answer existing callers read); with
 * `limit=N` (1..10000) and `cursor` (the previous page's `nextCursor`), one page of
 * `{files, nextCursor?}`, so a million files are read without one giant answer.
 */
function filesAnswer(ctx: EmulatorContext, query: URLSearchParams): Reply {
  const limitText = query.get('limit');
  if (limitText === null) return json(200, storedFiles(ctx, Object.values(ctx.store.state.files)));
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_PAGE)
    return json(400, { error: `limit ${limitText} is not an integer in 1..${MAX_PAGE}` });
  const cursor = query.get('cursor') ?? '0';
  if (!/^\d{1,12}$/.test(cursor))
    return json(400, { error: 'cursor is not one this server issued; pass nextCursor from the previous page' });
  // Files in creation order; the cursor counts files created, so a page costs its own size.
  const page = filesPage(ctx.store.state, Number(cursor), limit);
  return json(200, {
    files: storedFiles(ctx, page.files),
    ...(page.next !== undefined ? { nextCursor: String(page.next) } : {}),
  });
}

function storedFiles(ctx: EmulatorContext, files: readonly FileState[]): StoredFileView[] {
  return files.map((f) => {
    const view: StoredFileView = {
      recordId: f.recordId,
      fileId: f.fileId,
      fileName: f.fileName,
      sha256: f.sha256,
      size: f.length,
      status: f.status,
      rapid: f.rapid,
      partsReceived: f.status === 'complete' ? (f.partCount ?? 0) : Object.keys(f.received).length,
      partsPlanned: f.partCount ?? f.parts.length,
    };
    if (f.description !== undefined) view.description = f.description;
    if (f.status === 'complete') view.blobPath = ctx.blobs.blobPath(f.sha256);
    return view;
  });
}

const json = (status: number, body: unknown): Reply => ({ status, json: body });

/** Answers an /_emulator route, or undefined when the path is not one. */
export async function introspect(
  ctx: EmulatorContext,
  req: IncomingMessage,
  path: string,
  rawQuery = '',
): Promise<Reply | undefined> {
  const query = new URLSearchParams(rawQuery);
  const route = `${req.method ?? ''} ${path.slice(INTROSPECTION_PREFIX.length)}`;
  switch (route) {
    case 'GET stats':
      return json(200, ctx.stats.snapshot());
    case 'GET files':
      return filesAnswer(ctx, query);
    case 'GET faults':
      return json(200, ctx.faults.get());
    case 'POST faults': {
      try {
        ctx.faults.set(validateFaultSpec(JSON.parse((await readApiBody(req)).toString('utf8') || '{}')));
      } catch (err) {
        return json(400, { error: (err as Error).message });
      }
      return json(200, ctx.faults.get());
    }
    case 'POST expire-locks':
      ctx.faults.expireLockNow();
      return json(200, { expired: true });
    default:
      return undefined;
  }
}
