/**
 * Issue 10 item 13: renewing the backup lock has a short retry budget of its own, bounded by the
 * lock's remaining life (not the run's policy, which may retry for many minutes).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockKeeper, LockLostError, type LockApi } from '../../src/backup/lock-keeper.js';
import { KooDriveClient } from '../../src/koodrive/client.js';
import { Secret } from '../../src/util/secret.js';

let server: http.Server;
let endpoint: string;
let mode: 'hang' | '503' = '503';
let requests = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      if (mode === 'hang') return;
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":13000201,"msg":"busy"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A client whose own policy would retry for 15 minutes, with a 60 s request timeout. */
function patientClient(): KooDriveClient {
  const client = new KooDriveClient({
    endpoint,
    userId: 'u1',
    credentials: { mode: 'token', token: new Secret('t') },
    timeoutMs: 60_000,
    retry: { maxAttempts: 50, baseDelayMs: 10, maxDelayMs: 20, maxTotalMs: 15 * 60_000 },
  });
  client.setLock('L1');
  return client;
}

describe('lock renewal budget', () => {
  it("a renewal the server keeps failing gives up within the lock's remaining life, after a few tries", async () => {
    mode = '503';
    requests = 0;
    const started = Date.now();
    await expect(patientClient().renewLock({ withinMs: 1500 })).rejects.toThrow();
    // The request count tells the budget from the client's policy (50 attempts 10–20 ms apart would
    // also end within seconds); the time bound only rules out waiting like the policy's 15 minutes,
    // far enough from both that a loaded machine cannot fail it (issue 15).
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(requests).toBeGreaterThanOrEqual(1);
    expect(requests).toBeLessThanOrEqual(4); // its own budget, not the client's 50 attempts
  });

  it('a renewal the server never answers ends when the lock would expire, not after the request timeout', async () => {
    mode = 'hang';
    requests = 0;
    const started = Date.now();
    await expect(patientClient().renewLock({ withinMs: 700 })).rejects.toThrow();
    // Not the 60 s request timeout: half of it, so a loaded machine cannot fail it (issue 15).
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('the keeper passes the remaining lock life as budget, and declares the lock lost once it is spent', async () => {
    let clock = 1_000_000;
    const budgets: Array<number | undefined> = [];
    const api: LockApi = {
      createLock: async () => 'L1',
      renewLock: async (budget) => {
        budgets.push(budget?.withinMs);
        clock += budget?.withinMs ?? 0; // the call used up all of its budget and failed
        throw new Error('HTTP 503');
      },
      releaseLock: async () => undefined,
      setLock: () => undefined,
    };
    const keeper = await LockKeeper.acquire(api, {
      renewEveryMs: 5,
      waitLockMs: 0,
      lockTtlMs: 600_000,
      now: () => clock,
    });
    clock += 597_000; // the first renewal comes with 3 s of life left
    const lost = await new Promise<unknown>((resolve) =>
      keeper.lost.signal.addEventListener('abort', () => resolve(keeper.lost.signal.reason)),
    );
    expect(budgets[0]).toBe(3000);
    expect(budgets.every((b) => b !== undefined && b <= 3000)).toBe(true);
    expect(lost).toBeInstanceOf(LockLostError);
    await keeper.release();
  });
});
