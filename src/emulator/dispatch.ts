/** One request from arrival to answer: route, faults, body, auth, handler, reply. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { CODES } from './codes.js';
import type { ApiRequest, EmulatorContext } from './context.js';
import type { FaultDecision } from './faults.js';
import { drainBody, parseQueryPairs, readApiBody, writeReply } from './http-io.js';
import { INTROSPECTION_PREFIX, introspect } from './introspection.js';
import { receivePart } from './part-receiver.js';
import { ApiError, apiErrorReply, S3Error, s3ErrorReply, type Reply } from './reply.js';
import { checkAuthorization, checkTraceId, checkUserId, checkXDate, proofOrigin } from './request-auth.js';
import { matchRoute } from './router.js';
import { openDownload, sendDownload, type OpenDownload } from './file-download.js';
import { OBS_GET_PREFIX, OBS_PREFIX } from './url-signer.js';

/** One request being handled: what every handler gets. */
interface Exchange {
  ctx: EmulatorContext;
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  rawQuery: string;
  /** Aborted when the emulator closes. */
  signal: AbortSignal;
}

function cut(req: IncomingMessage, res: ServerResponse): void {
  req.socket.destroy();
  res.destroy();
}

function injectedReply(ctx: EmulatorContext, status: number, decision: FaultDecision, xml: boolean): Reply {
  if (decision.fromRule) ctx.stats.fault('rules');
  else ctx.stats.fault(status === 429 ? 'status429' : 'status503');
  const headers: Record<string, string> = status === 429 ? { 'retry-after': '1' } : {};
  if (xml) {
    const code = status === 429 ? 'SlowDown' : status === 503 ? 'ServiceUnavailable' : 'InternalError';
    return { ...s3ErrorReply(new S3Error(status, code, 'injected fault; retry')), headers };
  }
  const code = status === 429 ? CODES.RATE_LIMITED : CODES.INJECTED_FAULT;
  return { status, headers, json: { code, msg: `injected fault (HTTP ${status}); retry the call` } };
}

/** Answers one request; never throws. */
export async function dispatch(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  try {
    const introspection = path.startsWith(INTROSPECTION_PREFIX);
    const extension = introspection ? undefined : ctx.extensions.find((e) => e.claims(req));
    if (introspection) {
      const reply = await introspect(ctx, req, path, rawQuery);
      writeReply(res, reply ?? { status: 404, json: { error: `no emulator route ${req.method ?? ''} ${path}` } });
    } else if (extension) {
      await extension.handle(req, res, path, rawQuery);
    } else if (path.startsWith(OBS_GET_PREFIX)) {
      await handleGet({ ctx, req, res, path, rawQuery, signal });
    } else if (path.startsWith(OBS_PREFIX)) {
      await handlePut({ ctx, req, res, path, rawQuery, signal });
    } else {
      await handleApi({ ctx, req, res, path, rawQuery, signal });
    }
  } catch (err) {
    if (signal.aborted) return cut(req, res);
    writeReply(res, {
      status: 500,
      json: { code: CODES.INNER_INVOKE_FAILURE, msg: `emulator internal error: ${(err as Error).message}` },
    });
  }
}

/** A refusal of a presigned-URL request (S3Error), counted and answered in XML; anything else is rethrown. */
function xmlRefusal(ctx: EmulatorContext, err: unknown): Reply {
  if (!(err instanceof S3Error)) throw err;
  ctx.stats.error(err.s3Code);
  return s3ErrorReply(err);
}

/** Writes the answer, or what an afterHandling fault makes of it: a cut connection or an injected status. */
function answer({ ctx, req, res }: Exchange, decision: FaultDecision, reply: Reply, xml: boolean): void {
  const action = decision.action;
  if (action?.type === 'reset' && decision.afterHandling) {
    ctx.stats.fault('rules');
    cut(req, res);
  } else if (action?.type === 'status' && decision.afterHandling) {
    writeReply(res, injectedReply(ctx, action.status, decision, xml));
  } else {
    writeReply(res, reply);
  }
}

async function stall(ctx: EmulatorContext, decision: FaultDecision, signal: AbortSignal): Promise<void> {
  if (!decision.stallMs) return;
  ctx.stats.fault('stalls');
  await delay(decision.stallMs, undefined, { signal });
}

async function handlePut(x: Exchange): Promise<void> {
  const { ctx, req, res, path, rawQuery, signal } = x;
  ctx.stats.request('put');
  if (req.method !== 'PUT') {
    ctx.stats.putBytes(await drainBody(req));
    // As on S3, the method is part of what is signed: an upload URL does not read the object.
    const refusal =
      req.method === 'GET' || req.method === 'HEAD'
        ? new S3Error(
            403,
            'SignatureDoesNotMatch',
            'this URL was signed for PUT (an upload); get a download URL with POST files/download',
          )
        : new S3Error(405, 'MethodNotAllowed', 'upload URLs take PUT only');
    ctx.stats.error(refusal.s3Code);
    return writeReply(res, s3ErrorReply(refusal));
  }
  const decision = ctx.faults.decide('put');
  await stall(ctx, decision, signal);
  const action = decision.action;
  if (action?.type === 'status' && !decision.afterHandling) {
    ctx.stats.putBytes(await drainBody(req));
    return writeReply(res, injectedReply(ctx, action.status, decision, true));
  }
  const resetNow = action?.type === 'reset' && !decision.afterHandling;
  if (resetNow) ctx.stats.fault(decision.fromRule ? 'rules' : 'resets');
  let reply: Reply;
  try {
    const declared = Number(req.headers['content-length'] ?? 0);
    reply = await receivePart(ctx, req, path, rawQuery, resetNow ? { resetAfterBytes: Math.floor(declared / 2) } : {});
  } catch (err) {
    reply = xmlRefusal(ctx, err);
  }
  if (resetNow) return cut(req, res);
  answer(x, decision, reply, true);
}

async function handleGet(x: Exchange): Promise<void> {
  const { ctx, req, res, path, rawQuery, signal } = x;
  ctx.stats.request('get');
  await drainBody(req);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    ctx.stats.error('MethodNotAllowed');
    return writeReply(res, {
      ...s3ErrorReply(new S3Error(405, 'MethodNotAllowed', 'download URLs take GET or HEAD')),
      headers: { allow: 'GET, HEAD' },
    });
  }
  const decision = ctx.faults.decide('get');
  await stall(ctx, decision, signal);
  const action = decision.action;
  // afterHandling changes nothing for a GET: a status replaces the answer, a reset cuts the body.
  if (action?.type === 'status') return writeReply(res, injectedReply(ctx, action.status, decision, true));
  const reset = action?.type === 'reset';
  if (reset) ctx.stats.fault(decision.fromRule ? 'rules' : 'resets');
  let download: OpenDownload;
  try {
    download = await openDownload(ctx, req, path, rawQuery);
  } catch (err) {
    const refusal = xmlRefusal(ctx, err);
    if (reset) return cut(req, res);
    return writeReply(res, refusal);
  }
  await sendDownload(ctx, req, res, download, { resetHalfway: reset });
}

async function handleApi(x: Exchange): Promise<void> {
  const { ctx, req, res, path, rawQuery, signal } = x;
  const method = req.method ?? 'GET';
  const match = matchRoute(method, path);
  if (!match || !('route' in match)) {
    ctx.stats.request('other');
    await drainBody(req);
    if (!match)
      return writeReply(res, {
        status: 404,
        json: { code: CODES.RESOURCE_NOT_FOUND, msg: `no KooDrive API at ${method} ${path}` },
      });
    return writeReply(res, {
      status: 405,
      headers: { allow: match.allowed.join(', ') },
      json: { code: CODES.BAD_REQUEST, msg: `${path} takes ${match.allowed.join(', ')}, not ${method}` },
    });
  }
  const { route } = match;
  ctx.stats.request(route.kind);
  const decision = ctx.faults.decide(route.kind);
  await stall(ctx, decision, signal);
  const action = decision.action;
  let reply: Reply;
  try {
    const body = await readApiBody(req);
    if (action && !decision.afterHandling) {
      if (action.type === 'reset') {
        ctx.stats.fault(decision.fromRule ? 'rules' : 'resets');
        return cut(req, res);
      }
      return writeReply(res, injectedReply(ctx, action.status, decision, false));
    }
    const query = parseQueryPairs(rawQuery);
    checkXDate(req, ctx.settings, ctx.now());
    checkAuthorization({ req, path, query, body }, ctx.settings);
    checkUserId(req, ctx.settings);
    checkTraceId(req);
    const api: ApiRequest = {
      req,
      method,
      path,
      query: new Map(query),
      body,
      proofOrigin: proofOrigin(req, ctx.settings),
    };
    if (route.param !== undefined) api.param = route.param;
    reply = await route.handler(ctx, api);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    ctx.stats.error(err.code);
    reply = apiErrorReply(err);
  }
  answer(x, decision, reply, false);
}
