/** startEmulator: wires state, stores, signer and faults into a node:http server. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bestBackend } from '../hash/backends.js';
import { BlobStore } from './blob-store.js';
import type { EmulatorContext } from './context.js';
import { dispatch } from './dispatch.js';
import { FaultInjector } from './faults.js';
import { expireAllLocks } from './locks.js';
import { S3ObjectStore } from './s3/object-store.js';
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
    hashBackend: opts.hashBackend ?? bestBackend(),
    now: opts.now ?? (() => new Date()),
    baseUrl: () => baseUrl,
  } as Omit<EmulatorContext, 'faults'> as EmulatorContext;
  ctx.faults = new FaultInjector(opts.faults, () => expireAllLocks(ctx));
  if (opts.s3) {
    const objects = new S3ObjectStore(opts.dataDir, store);
    await objects.init();
    await objects.sweepUploads();
    ctx.s3 = { options: { ...opts.s3 }, objects };
  }

  const closing = new AbortController();
  const inflight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const job = dispatch(ctx, req, res, closing.signal);
    inflight.add(job);
    void job.finally(() => inflight.delete(job));
  });
  // Parts can be gigabytes on slow links: no overall request deadline, only one for headers.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${urlHost(host)}:${port}`;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing.abort();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
      await Promise.allSettled([...inflight]);
      await store.flush();
    })();
    return closed;
  };
  return { url: baseUrl, port, stats: () => ctx.stats.snapshot(), faults: ctx.faults, close };
}
