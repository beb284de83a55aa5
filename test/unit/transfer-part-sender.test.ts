import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendPart, type SendPartOptions } from '../../src/transfer/part-sender.js';
import type { RetryInfo } from '../../src/transfer/retry.js';

// A storage stub: answers each PUT by the `answer` query parameter's script for that URL.
let server: http.Server;
let base: string;
let dir: string;
let file: string;
const puts: string[] = [];
const scripts = new Map<string, number[]>(); // url id → statuses to answer, in order (then 200)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kd-sender-'));
  file = join(dir, 'f.bin');
  writeFileSync(file, Buffer.alloc(100_000, 7));
  server = http.createServer((req, res) => {
    const id = new URL(req.url!, 'http://x').searchParams.get('id')!;
    req.resume();
    req.on('end', () => {
      puts.push(id);
      const status = scripts.get(id)?.shift() ?? 200;
      const body = status === 403 ? '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>' : '';
      res.writeHead(status, status === 200 ? { etag: `"${id}"` } : {}).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  puts.length = 0;
  scripts.clear();
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function options(extra: Partial<SendPartOptions>) {
  const retries: RetryInfo[] = [];
  let progress = 0;
  const fresh: string[] = [];
  let n = 0;
  const opts: SendPartOptions = {
    url: `${base}/p?id=given`,
    absPath: file,
    partOffset: 1000,
    partSize: 50_000,
    label: 'part 2 of f.bin',
    refreshUrl: async () => {
      const url = `${base}/p?id=fresh${++n}`;
      fresh.push(url);
      return url;
    },
    onRetry: (info) => retries.push(info),
    onProgress: (d) => (progress += d),
    sleep: async () => undefined,
    random: () => 0.5,
    ...extra,
  };
  return { opts, retries, fresh, progress: () => progress };
}

describe('sendPart', () => {
  it('uses the given URL when it is fine', async () => {
    const t = options({});
    const res = await sendPart(t.opts);
    expect(res).toMatchObject({ etag: '"given"', attempts: 1, url: `${base}/p?id=given` });
    expect(t.fresh).toEqual([]);
    expect(t.progress()).toBe(50_000);
  });

  it('asks for a URL first when there is none', async () => {
    const t = options({ url: undefined });
    const res = await sendPart(t.opts);
    expect(puts).toEqual(['fresh1']);
    expect(res.url).toBe(t.fresh[0]);
  });

  it('replaces a URL that expires within the margin before sending', async () => {
    const t = options({ url: `${base}/p?id=old&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600`, now: () => Date.UTC(2026, 0, 1, 0, 57) });
    await sendPart(t.opts);
    expect(puts).toEqual(['fresh1']);
  });

  it('on 403 expired: fresh URL, retried, progress rolled back so the total stays true', async () => {
    scripts.set('given', [403]);
    const urls: string[] = [];
    const t = options({ onUrl: (u) => urls.push(u) });
    const res = await sendPart(t.opts);
    expect(puts).toEqual(['given', 'fresh1']);
    expect(res).toMatchObject({ etag: '"fresh1"', attempts: 2 });
    expect(urls).toEqual(t.fresh);
    expect(t.retries).toEqual([{ what: 'PUT part 2 of f.bin', attempt: 1, delayMs: 250, reason: 'expired URL' }]);
    expect(t.progress()).toBe(50_000);
  });

  it('retries transient answers on the same URL', async () => {
    scripts.set('given', [503, 500]);
    const t = options({});
    const res = await sendPart(t.opts);
    expect(puts).toEqual(['given', 'given', 'given']);
    expect(res.attempts).toBe(3);
    expect(t.retries.map((r) => r.reason)).toEqual(['HTTP 503', 'HTTP 500']);
    expect(t.progress()).toBe(50_000);
  });

  it('throws a permanent failure at once', async () => {
    scripts.set('given', [400]);
    const t = options({});
    await expect(sendPart(t.opts)).rejects.toMatchObject({ name: 'PartUploadError', status: 400 });
    expect(puts).toEqual(['given']);
    expect(t.progress()).toBe(0);
  });

  it('stops after maxRefreshes expired URLs', async () => {
    scripts.set('given', [403]);
    scripts.set('fresh1', [403]);
    scripts.set('fresh2', [403]);
    const t = options({ maxRefreshes: 2 });
    await expect(sendPart(t.opts)).rejects.toMatchObject({ expired: true });
    expect(puts).toEqual(['given', 'fresh1', 'fresh2']);
  });

  it('gives up after the policy’s attempts', async () => {
    scripts.set('given', [503, 503, 503]);
    const t = options({ policy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 1000 } });
    await expect(sendPart(t.opts)).rejects.toMatchObject({ transient: true, status: 503 });
    expect(puts).toHaveLength(3);
  });
});
