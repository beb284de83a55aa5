/** startEmulator: wires state, stores, signer and faults into a node:http server. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BlobStore } from './blob-store.js';
import { defaultEngine } from './rules/midstate-sha256.js';
import type { EmulatorContext } from './context.js';
import { dispatch } from './dispatch.js';
import { startExtensions } from './extension-host.js';
import { FaultInjector } from './faults.js';
import { startShapedFront, type ShapedFront } from './link-shaper.js';
import { ensureCertificate } from './tls-cert.js';
import { expireAllLocks } from './locks.js';
import { resolveSettings } from './settings.js';
import { StateStore } from './state.js';
import { StatsCollector } from './stats.js';
import type { EmulatorOptions, RunningEmulator } from './types.js';
import { UrlSigner } from './url-signer.js';

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the emulator and resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  const settings = resolveSettings(opts);
  const store = await StateStore.open(opts.dataDir);
  const blobs = new BlobStore(opts.dataDir);
  await blobs.init();
  let baseUrl = '';
  const ctx = {
    settings,
    store,
    stats: new StatsCollector(),
    signer: new UrlSigner(store.state.urlSecret),
    blobs,
    hashBackend: opts.hashBackend ?? defaultEngine(),
    now: opts.now ?? (() => new Date()),
    baseUrl: () => baseUrl,
  } as Omit<EmulatorContext, 'faults' | 'extensions'> as EmulatorContext;
  ctx.faults = new FaultInjector(opts.faults, () => expireAllLocks(ctx));
  try {
    ctx.extensions = await startExtensions(ctx, opts.extensions ?? [], opts.dataDir);
  } catch (err) {
    await store.close();
    throw err;
  }

  const closing = new AbortController();
  const inflight = new Set<Promise<void>>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const job = dispatch(ctx, req, res, closing.signal);
    inflight.add(job);
    void job.finally(() => inflight.delete(job));
  };
  const host = opts.host ?? '127.0.0.1';
  const tls = opts.tls ? await ensureCertificate(opts.dataDir, host) : undefined;
  const server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);
  if (tls) server.on('secureConnection', () => ctx.stats.count('tlsHandshakes'));
  server.on('connection', () => ctx.stats.count('connections'));
  const latencyMs = opts.latencyMs ?? 0;
  const bandwidth = opts.bandwidthBytesPerSecond;
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0))
    throw new Error(`emulator option latencyMs must be 0 or more, got ${String(opts.latencyMs)}`);
  if (bandwidth !== undefined && !(bandwidth > 0))
    throw new Error(`emulator option bandwidthBytesPerSecond must be above 0, got ${String(bandwidth)}`);
  const shaped = latencyMs > 0 || bandwidth !== undefined;
  // Parts can be gigabytes on slow links: no overall request deadline, only one for headers.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  // Shaped: the server listens on a private loopback port behind the link model (link-shaper.ts).
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(shaped ? 0 : (opts.port ?? 0), shaped ? '127.0.0.1' : host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let front: ShapedFront | undefined;
  try {
    if (shaped)
      front = await startShapedFront(host, opts.port ?? 0, (server.address() as AddressInfo).port, {
        latencyMs,
        ...(bandwidth !== undefined ? { bytesPerSecond: bandwidth } : {}),
      });
  } catch (err) {
    server.close();
    throw err;
  }
  const port = front ? front.port : (server.address() as AddressInfo).port;
  baseUrl = `${tls ? 'https' : 'http'}://${urlHost(host)}:${port}`;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing.abort();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await front?.close();
      await stopped;
      await Promise.allSettled([...inflight]);
      await store.close();
    })();
    return closed;
  };
  return {
    url: baseUrl,
    port,
    ...(tls ? { certFile: tls.certPath } : {}),
    stats: () => ctx.stats.snapshot(),
    faults: ctx.faults,
    close,
  };
}
