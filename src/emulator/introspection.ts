/** The unauthenticated /_emulator routes: stats, stored files, and run-time fault control. */
import type { IncomingMessage } from 'node:http';
import type { EmulatorContext } from './context.js';
import { validateFaultSpec } from './faults.js';
import { readApiBody } from './http-io.js';
import type { Reply } from './reply.js';

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

function storedFiles(ctx: EmulatorContext): StoredFileView[] {
  return Object.values(ctx.store.state.files).map((f) => {
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
export async function introspect(ctx: EmulatorContext, req: IncomingMessage, path: string): Promise<Reply | undefined> {
  const route = `${req.method ?? ''} ${path.slice(INTROSPECTION_PREFIX.length)}`;
  switch (route) {
    case 'GET stats':
      return json(200, ctx.stats.snapshot());
    case 'GET files':
      return json(200, storedFiles(ctx));
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
