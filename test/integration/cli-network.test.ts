/**
 * Issue 11 items 1–3 end to end, with the built CLI: HTTPS with the emulator's own CA (accepted,
 * refused with the fix, NODE_EXTRA_CA_CERTS), connection reuse (TLS handshakes per run), a real
 * proxy (the `proxy` package, in this process) seeing the CONNECTs, NO_PROXY, proxy passwords never
 * printed, and the emulator's latency and bandwidth model.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createProxy, type ProxyServer } from 'proxy';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  cleanupAll,
  inProcessEmulator,
  jsonEvents,
  makeTree,
  MiB,
  patternBytes,
  runCli,
  sha256Of,
  spawnCli,
  tempDir,
  TEST_USER,
} from './cli-harness.js';

afterEach(cleanupAll);
afterAll(cleanupAll);

/** `count` small files of 1–16 KiB, distinct contents. */
function smallTree(count: number): Record<string, Buffer> {
  const tree: Record<string, Buffer> = {};
  for (let i = 0; i < count; i++) tree[`d${i % 5}/f${i}.bin`] = patternBytes(1024 + ((i * 977) % 15_000), 1000 + i);
  return tree;
}

async function tlsEmulator(extra: Parameters<typeof inProcessEmulator>[0] = {}) {
  const emu = await inProcessEmulator({ tls: true, ...extra });
  expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const certFile = emu.emulator.certFile!;
  expect(certFile).toBe(join(emu.dataDir, 'tls', 'cert.pem'));
  return { emu, certFile };
}

function baseEnv(url: string, token: string, stateDir: string, extra: Record<string, string | undefined> = {}) {
  return {
    KOODRIVE_ENDPOINT: url,
    KOODRIVE_TOKEN: token,
    KOODRIVE_USER_ID: TEST_USER,
    KOODRIVE_STATE_DIR: stateDir,
    ...extra,
  };
}

/** The record id of a --json run's summary. */
function recordIdOf(stdout: string): string {
  const summary = jsonEvents(stdout).find((e) => e.type === 'summary');
  expect(summary?.exitCode).toBe(0);
  return summary!.recordId as string;
}

/** A proxy from the registry's `proxy` package, counting the CONNECTs and plain requests it gets. */
async function startProxy(credentials?: { user: string; password: string }) {
  const server: ProxyServer = createProxy(http.createServer());
  const seen = { connects: [] as string[], requests: 0, refused: 0 };
  server.prependListener('connect', (req: http.IncomingMessage) => seen.connects.push(req.url ?? ''));
  server.prependListener('request', () => seen.requests++);
  if (credentials) {
    const expected = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
    server.authenticate = (req) => {
      const ok = req.headers['proxy-authorization'] === expected;
      if (!ok) seen.refused++;
      return ok;
    };
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { server, port, seen, close };
}

describe('HTTPS to the emulator (--tls)', () => {
  it('refuses an untrusted certificate with one line that names the fix, and sends nothing', async () => {
    const { emu } = await tlsEmulator();
    const src = await tempDir();
    await makeTree(src, { 'a.txt': 'hello' });
    const res = await runCli(['upload', src], { env: baseEnv(emu.url, emu.token, await tempDir()) });
    expect(res.code).not.toBe(0);
    const lines = res.stderr.split('\n').filter((l) => /certificate/i.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/certificate problem/);
    expect(lines[0]).toMatch(/--ca-file/);
    expect(lines[0]).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(emu.emulator.stats().requests['lock.create'] ?? 0).toBe(0);
  });

  it('uploads many files with --ca-file over few TLS handshakes, and restores them with KOODRIVE_CA_FILE', async () => {
    const { emu, certFile } = await tlsEmulator();
    const src = await tempDir();
    const tree = smallTree(120);
    await makeTree(src, tree);
    const stateDir = await tempDir();
    const res = await runCli(['upload', src, '--json', '--ca-file', certFile], {
      env: baseEnv(emu.url, emu.token, stateDir),
    });
    expect(res.stderr).toBe('');
    const recordId = recordIdOf(res.stdout);
    const stats = emu.emulator.stats();
    expect(stats.filesCompleted).toBeGreaterThanOrEqual(120); // and the record's manifest
    const requests = Object.values(stats.requests).reduce((a, b) => a + (b ?? 0), 0);
    expect(requests).toBeGreaterThan(360);
    // Keep-alive: connections are reused, so handshakes stay near the requests in flight (up to
    // 64 small files by default: 4 file slots of 16, docs/configuration.md) plus the API's few, not
    // one per request (over 360 here).
    expect(stats.tlsHandshakes).toBeGreaterThan(0);
    expect(stats.tlsHandshakes).toBeLessThanOrEqual(64 + 6);

    const before = emu.emulator.stats().tlsHandshakes;
    const dest = await tempDir();
    const restored = await runCli(['restore', recordId, dest], {
      env: baseEnv(emu.url, emu.token, stateDir, { KOODRIVE_CA_FILE: certFile }),
    });
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    for (const [rel, content] of Object.entries(tree))
      expect(sha256Of(await readFile(join(dest, rel)))).toBe(sha256Of(content));
    const after = emu.emulator.stats();
    expect(after.requests.get ?? 0).toBeGreaterThanOrEqual(120);
    expect(after.tlsHandshakes - before).toBeLessThanOrEqual(16 + 6);
  });

  it("honours Node's own NODE_EXTRA_CA_CERTS", async () => {
    const { emu, certFile } = await tlsEmulator();
    const src = await tempDir();
    await makeTree(src, { 'a.txt': 'hello', 'b/c.txt': 'world' });
    const res = await runCli(['upload', src, '-q'], {
      env: baseEnv(emu.url, emu.token, await tempDir(), { NODE_EXTRA_CA_CERTS: certFile }),
    });
    expect(res.code).toBe(0);
    expect(emu.emulator.stats().filesCompleted).toBeGreaterThanOrEqual(2);
  });

  it('keeps the certificate across restarts, key readable by the owner only', async () => {
    const { emu, certFile } = await tlsEmulator();
    const cert = await readFile(certFile, 'utf8');
    expect(cert).toMatch(/-----BEGIN CERTIFICATE-----/);
    expect((await stat(join(emu.dataDir, 'tls', 'key.pem'))).mode & 0o777).toBe(0o600);
    await emu.stop();
    const again = await inProcessEmulator({ tls: true, dataDir: emu.dataDir });
    expect(await readFile(again.emulator.certFile!, 'utf8')).toBe(cert);
  });
});

describe('proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)', () => {
  it('sends API calls, PUTs and restore GETs through HTTPS_PROXY with credentials, and never prints them', async () => {
    const { emu, certFile } = await tlsEmulator();
    const proxy = await startProxy({ user: 'backup', password: 'pr0xy-s3cret' });
    try {
      const src = await tempDir();
      const tree = smallTree(20);
      tree['big.bin'] = patternBytes(6 * MiB, 7); // two parts
      await makeTree(src, tree);
      const stateDir = await tempDir();
      const env = baseEnv(emu.url, emu.token, stateDir, {
        KOODRIVE_CA_FILE: certFile,
        HTTPS_PROXY: `http://backup:pr0xy-s3cret@127.0.0.1:${proxy.port}`,
      });
      const res = await runCli(['upload', src, '--json'], { env });
      expect(res.stderr).toBe('');
      const recordId = recordIdOf(res.stdout);
      expect(emu.emulator.stats().filesCompleted).toBeGreaterThanOrEqual(21);
      expect(proxy.seen.connects.length).toBeGreaterThan(0);
      expect(proxy.seen.connects.every((target) => target === `127.0.0.1:${emu.emulator.port}`)).toBe(true);
      // Through the proxy too, connections are kept: one CONNECT per connection, not per request.
      expect(proxy.seen.connects.length).toBe(emu.emulator.stats().tlsHandshakes);
      expect(res.stdout + res.stderr).not.toContain('pr0xy-s3cret');

      const connectsBefore = proxy.seen.connects.length;
      const dest = await tempDir();
      const restored = await runCli(['restore', recordId, dest], { env });
      expect(restored.code).toBe(0);
      expect(sha256Of(await readFile(join(dest, 'big.bin')))).toBe(sha256Of(tree['big.bin']!));
      expect(proxy.seen.connects.length).toBeGreaterThan(connectsBefore);
      expect(restored.stdout + restored.stderr).not.toContain('pr0xy-s3cret');
    } finally {
      await proxy.close();
    }
  });

  it('uses HTTP_PROXY for an http:// endpoint, and no proxy at all for hosts in NO_PROXY', async () => {
    const emu = await inProcessEmulator();
    const proxy = await startProxy();
    try {
      const src = await tempDir();
      await makeTree(src, smallTree(10));
      const proxied = await runCli(['upload', src, '-q'], {
        env: baseEnv(emu.url, emu.token, await tempDir(), { http_proxy: `http://127.0.0.1:${proxy.port}` }),
      });
      expect(proxied.code).toBe(0);
      const seenThrough = proxy.seen.connects.length + proxy.seen.requests;
      expect(seenThrough).toBeGreaterThan(0);

      const bypass = await runCli(['upload', src, '-q', '--no-resume'], {
        env: baseEnv(emu.url, emu.token, await tempDir(), {
          HTTP_PROXY: `http://127.0.0.1:${proxy.port}`,
          HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`,
          NO_PROXY: '127.0.0.1',
        }),
      });
      expect(bypass.code).toBe(0);
      expect(proxy.seen.connects.length + proxy.seen.requests).toBe(seenThrough);
    } finally {
      await proxy.close();
    }
  });

  it('redacts the proxy password when the proxy refuses it or is not there', async () => {
    const { emu, certFile } = await tlsEmulator();
    const proxy = await startProxy({ user: 'backup', password: 'right-one' });
    try {
      const src = await tempDir();
      await makeTree(src, { 'a.txt': 'hello' });
      const refused = await runCli(['upload', src, '--retries', '0'], {
        env: baseEnv(emu.url, emu.token, await tempDir(), {
          KOODRIVE_CA_FILE: certFile,
          HTTPS_PROXY: `http://backup:Wr0ng-Secret@127.0.0.1:${proxy.port}`,
        }),
      });
      expect(refused.code).not.toBe(0);
      expect(proxy.seen.refused).toBeGreaterThan(0);
      expect(refused.stdout + refused.stderr).not.toContain('Wr0ng-Secret');
      expect(refused.stderr).toMatch(/proxy http:\/\/\*\*\*@127\.0\.0\.1:\d+ refused the tunnel: HTTP 407/);

      await proxy.close();
      const gone = await runCli(['upload', src, '--retries', '0', '--verbose'], {
        env: baseEnv(emu.url, emu.token, await tempDir(), {
          KOODRIVE_CA_FILE: certFile,
          HTTPS_PROXY: `http://backup:Wr0ng-Secret@127.0.0.1:${proxy.port}`,
        }),
      });
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toMatch(/proxy/);
      expect(gone.stdout + gone.stderr).not.toContain('Wr0ng-Secret');
    } finally {
      await proxy.close();
    }
  });
});

/** Milliseconds one GET of `url` takes, and its body. */
async function timedGet(url: string, ca?: string): Promise<{ ms: number; body: Buffer }> {
  const started = performance.now();
  const body = await new Promise<Buffer>((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    lib
      .get(url, { agent: false, ...(ca ? { ca } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  return { ms: performance.now() - started, body };
}

describe('the emulator as a WAN link (--latency, --bandwidth)', () => {
  it('adds the latency to every answer', async () => {
    const plain = await inProcessEmulator({ latencyMs: 200 });
    const first = await timedGet(`${plain.url}/_emulator/stats`);
    expect(JSON.parse(first.body.toString()).connections).toBe(1);
    expect(first.ms).toBeGreaterThanOrEqual(195);
    // An API call answered by the emulator itself (a 404 envelope) waits as long.
    expect((await timedGet(`${plain.url}/no/such/api`)).ms).toBeGreaterThanOrEqual(195);

    // A new connection costs a round trip (TCP), and with TLS its handshake one more.
    expect(first.ms).toBeGreaterThanOrEqual(390);
    const { emu, certFile } = await tlsEmulator({ latencyMs: 200 });
    expect((await timedGet(`${emu.url}/_emulator/stats`, await readFile(certFile, 'utf8'))).ms).toBeGreaterThanOrEqual(
      590,
    );
  });

  // The claim is "at most 1 MiB/s", so the bounds are lower bounds on time: a busy machine only
  // makes a transfer slower and cannot fail them (issue 15). They time the transfer itself, not the
  // CLI around it (start-up, hashing, API calls), so that an uncapped link (3 MiB over loopback in
  // milliseconds, plus one 20 ms sampling step) is far below them even when the machine is loaded.
  // The window is read in this process, where the emulator and its link model run: it opens at the
  // last moment no byte of the file can have entered the link and closes at the first moment all
  // of them had passed it; the link model paces with no burst (src/emulator/link-shaper.ts).
  it('caps the rate of an upload and of a download', async () => {
    const rate = 1 * MiB;
    const size = 3 * MiB;
    const emu = await inProcessEmulator({ bandwidthBytesPerSecond: rate });
    const stats = () => emu.emulator.stats();
    const src = await tempDir();
    const content = patternBytes(size, 11);
    await makeTree(src, { 'one.bin': content });
    const stateDir = await tempDir();

    // Upload: the PUT is counted when its headers arrive, before its body can pass the link
    // (headers and body share the one paced connection); the body is counted as it arrives.
    const up = transferWindow(
      () => (stats().requests.put ?? 0) === 0,
      () => stats().putBytes >= size,
    );
    const res = await runCli(['upload', src, '--json'], { env: baseEnv(emu.url, emu.token, stateDir) });
    const recordId = recordIdOf(res.stdout);
    expect(up.seconds()).toBeGreaterThanOrEqual(0.9 * (size / rate));

    // Download: the emulator counts a GET's body bytes as it writes them into the link, so while it
    // has written no more than the manifest's bytes, (nearly) all the file's bytes are still to pass.
    const manifest = (await emu.files()).find((f) => f.description === '.koodrive-backup/manifest.ndjson')!;
    const dest = await tempDir();
    const down = transferWindow(
      () => stats().getBytes <= manifest.size,
      () => existsSync(join(dest, 'one.bin')), // renamed into place once complete and checked
    );
    const restored = await runCli(['restore', recordId, dest], { env: baseEnv(emu.url, emu.token, stateDir) });
    expect(restored.code).toBe(0);
    expect(down.seconds()).toBeGreaterThanOrEqual(0.9 * ((size - manifest.size) / rate));
    expect(sha256Of(await readFile(join(dest, 'one.bin')))).toBe(sha256Of(content));
  });
});

/**
 * Samples, every 20 ms from now: the last time `before` held (nothing has entered the link yet)
 * and the first time `after` held (everything has passed it). `seconds()` stops and returns the
 * span, which contains the whole transfer: each end is taken on the safe side of its check.
 */
function transferWindow(before: () => boolean, after: () => boolean): { seconds(): number } {
  let lastBefore = performance.now();
  let firstAfter: number | undefined;
  const sample = () => {
    if (firstAfter !== undefined) return;
    const at = performance.now();
    if (before()) lastBefore = at;
    else if (after()) firstAfter = performance.now();
  };
  const timer = setInterval(sample, 20);
  return {
    seconds() {
      clearInterval(timer);
      sample();
      if (firstAfter === undefined) throw new Error('the transfer never finished');
      return (firstAfter - lastBefore) / 1000;
    },
  };
}

describe('koodrive-backup emulator --tls --latency --bandwidth', () => {
  it('prints the https:// URL, the certificate to trust and the link, and serves through them', async () => {
    const data = await tempDir();
    const run = spawnCli(
      [
        'emulator',
        '--port',
        '0',
        '--data',
        data,
        '--user-id',
        TEST_USER,
        '--tls',
        '--latency',
        '150ms',
        '--bandwidth',
        '2MiB/s',
      ],
      { env: { KOODRIVE_EMULATOR_TOKEN: 'tok' } },
    );
    const url = (await run.waitForOutput(/listening on (https:\/\/127\.0\.0\.1:\d+)/))[1]!;
    await run.waitForOutput(/modelled link/);
    expect(run.stderr).toContain(`--ca-file ${join(data, 'tls', 'cert.pem')}`);
    expect(run.stderr).toMatch(/150 ms added to every round trip, 2\.0 MiB\/s per connection/);
    const got = await timedGet(`${url}/_emulator/stats`, await readFile(join(data, 'tls', 'cert.pem'), 'utf8'));
    expect(JSON.parse(got.body.toString()).tlsHandshakes).toBe(1);
    expect(got.ms).toBeGreaterThanOrEqual(440); // TCP, TLS and the answer, 150 ms each
    run.kill('SIGTERM');
    expect((await run.done).code).toBe(0);
  });

  it('refuses a bad --latency or --bandwidth with exit 2', async () => {
    const data = await tempDir();
    const badLatency = await runCli(['emulator', '--port', '0', '--data', data, '--token', 't', '--latency', 'soon']);
    expect(badLatency.code).toBe(2);
    expect(badLatency.stderr).toMatch(/--latency must be a duration/);
    const badRate = await runCli(['emulator', '--port', '0', '--data', data, '--token', 't', '--bandwidth', 'fast']);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toMatch(/--bandwidth must be a rate/);
  });
});
