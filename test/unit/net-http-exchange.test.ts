import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exchange } from '../../src/net/http-exchange.js';

// A real server whose behaviour each test picks by path.
let server: http.Server;
let base: string;
const seen: Array<{ method?: string; headers: http.IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body });
      if (req.url === '/echo') return res.writeHead(201, { 'x-answer': 'yes' }).end(`{"got":${JSON.stringify(body)}}`);
      if (req.url === '/slow') return setTimeout(() => res.end('late'), 2000);
      if (req.url === '/long') return res.end('x'.repeat(10_000));
      if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('only part');
        return setTimeout(() => res.socket?.destroy(), 20);
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('exchange: one small request, its whole answer', () => {
  it('sends the method, headers and body with its exact length, and returns status, headers and text', async () => {
    const body = '{"name":"ä ✓"}';
    const answer = await exchange({
      url: new URL('/echo', base),
      method: 'POST',
      headers: { 'x-date': '20261201T000000Z' },
      body,
      timeoutMs: 5000,
    });
    expect(answer.statusCode).toBe(201);
    expect(answer.headers['x-answer']).toBe('yes');
    expect(JSON.parse(answer.body)).toEqual({ got: body });
    const last = seen.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.headers['content-length']).toBe(String(Buffer.byteLength(body))); // 18 bytes, 14 characters
    expect(last.headers['x-date']).toBe('20261201T000000Z');
  });

  it('a non-2xx answer is an answer, not an error', async () => {
    const answer = await exchange({ url: new URL('/nothing', base), method: 'GET', headers: {}, timeoutMs: 5000 });
    expect(answer.statusCode).toBe(404);
  });

  it('times out with ETIMEDOUT, and stops at once with the abort reason', async () => {
    await expect(
      exchange({ url: new URL('/slow', base), method: 'GET', headers: {}, timeoutMs: 100 }),
    ).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const controller = new AbortController();
    const pending = exchange({
      url: new URL('/slow', base),
      method: 'GET',
      headers: {},
      timeoutMs: 5000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('run stopped')), 50);
    await expect(pending).rejects.toThrow('run stopped');
    const aborted = AbortSignal.abort(new Error('already'));
    await expect(
      exchange({ url: new URL('/echo', base), method: 'GET', headers: {}, timeoutMs: 5000, signal: aborted }),
    ).rejects.toThrow('already');
  });

  it('refuses an answer longer than the limit, and a connection cut mid-answer is ECONNRESET', async () => {
    await expect(
      exchange({ url: new URL('/long', base), method: 'GET', headers: {}, timeoutMs: 5000, maxAnswerBytes: 1000 }),
    ).rejects.toMatchObject({ code: 'EANSWERTOOLONG' });
    expect(
      (
        await exchange({
          url: new URL('/long', base),
          method: 'GET',
          headers: {},
          timeoutMs: 5000,
          maxAnswerBytes: 10_000,
        })
      ).body,
    ).toHaveLength(10_000);
    await expect(
      exchange({ url: new URL('/cut', base), method: 'GET', headers: {}, timeoutMs: 5000 }),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it("a refused connection keeps node's code (so retries classify it)", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(
      exchange({ url: new URL(`http://127.0.0.1:${port}/`), method: 'GET', headers: {}, timeoutMs: 5000 }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
