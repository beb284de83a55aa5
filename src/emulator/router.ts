/** Which API call a method and path are (reference PATHS), and who handles it. */
import { PATHS } from './wire.js';
import type { ApiRequest, EmulatorContext } from './context.js';
import { completeFile } from './file-complete.js';
import { createBackupFile } from './file-create.js';
import { downloadUrls } from './file-download.js';
import { listBackupFiles } from './file-list.js';
import { createLock, releaseLock, renewLock } from './locks.js';
import { completeRecord, createRecord, deleteRecord, getRecord, listRecords } from './records.js';
import type { Reply } from './reply.js';
import type { RequestKind } from './types.js';
import { refreshUploadUrls } from './upload-urls.js';

export type Handler = (ctx: EmulatorContext, api: ApiRequest) => Reply | Promise<Reply>;

export interface Route {
  kind: RequestKind;
  handler: Handler;
  param?: string;
}

/** The result of matching: a route, a known path with the wrong method, or nothing. */
export type RouteMatch = { route: Route } | { allowed: string[] } | undefined;

const STATIC: Record<string, Partial<Record<string, Omit<Route, 'param'>>>> = {
  [PATHS.lock]: {
    POST: { kind: 'lock.create', handler: createLock },
    PATCH: { kind: 'lock.renew', handler: renewLock },
    DELETE: { kind: 'lock.release', handler: releaseLock },
  },
  [PATHS.record]: {
    POST: { kind: 'record.create', handler: createRecord },
    GET: { kind: 'record.list', handler: listRecords },
  },
  [PATHS.uploadUrl]: { POST: { kind: 'uploadUrl', handler: refreshUploadUrls } },
  [PATHS.completeFile]: { POST: { kind: 'file.complete', handler: completeFile } },
  [PATHS.download]: { POST: { kind: 'file.download', handler: downloadUrls } },
};

const RECORD_ROUTES: Record<string, Partial<Record<string, Omit<Route, 'param'>>>> = {
  '': {
    GET: { kind: 'record.get', handler: getRecord },
    PATCH: { kind: 'record.complete', handler: completeRecord },
    DELETE: { kind: 'record.delete', handler: deleteRecord },
  },
  '/file': { POST: { kind: 'file.create', handler: createBackupFile } },
  '/files': { GET: { kind: 'file.list', handler: listBackupFiles } },
};

const RECORD_PATH = new RegExp(`^${PATHS.record.replace(/[/.]/g, '\\$&')}/([^/]+)(|/file|/files)$`);

/** Finds the route for an API request path (without query). */
export function matchRoute(method: string, path: string): RouteMatch {
  const fixed = STATIC[path];
  if (fixed) {
    const route = fixed[method];
    return route ? { route } : { allowed: Object.keys(fixed) };
  }
  const m = RECORD_PATH.exec(path);
  if (!m) return undefined;
  const methods = RECORD_ROUTES[m[2]!]!;
  const route = methods[method];
  if (!route) return { allowed: Object.keys(methods) };
  let param: string;
  try {
    param = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  return { route: { ...route, param } };
}
