/**
 * Issue 10, "on the wire": answers the strict emulator does not give, put in front of it by a tiny
 * proxy that forwards everything else, and the built CLI's reaction to them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import {
  cleanupAll,
  cliEnv,
  inProcessEmulator,
  jsonEvents,
  makeTree,
  runCli,
  tempDir,
  type TestEmulator,
} from './cli-harness.js';

/** Answers `intercept` when it returns a body, forwards the request to `target` otherwise. */
async function proxy(
  target: string,
  intercept: (method: string, url: string, body: string) => string | undefined,
): Promise<string> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const answer = intercept(req.method ?? 'GET', req.url ?? '/', body.toString('utf8'));
      if (answer !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
        return;
      }
      const upstream = http.request(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  afterAllClose.push(
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const afterAllClose: Array<() => Promise<void>> = [];
let emu: TestEmulator;
let dir: string;

beforeAll(async () => {
  emu = await inProcessEmulator();
  dir = await tempDir('kdb-wire-');
});
afterAll(async () => {
  for (const close of afterAllClose.splice(0)) await close();
  await cleanupAll();
});

describe('wire answers the emulator does not give', () => {
  it(
    'a create-backup-file success with existFileId (sent as a short JSON number) and no fileId is a ' +
      'conflict, exit 5',
    async () => {
      const tree = join(dir, 'clash');
      await makeTree(tree, { 'a.txt': 'the new a\n' });
      // Policy 3 (--on-conflict fail): the server answers the clash as success with existFileId only.
      const url = await proxy(emu.url, (method, path, body) =>
        method === 'POST' &&
        /\/backup\/record\/[^/]+\/file$/.test(path) &&
        (JSON.parse(body) as { autoRename?: number }).autoRename === 3
          ? '{"code":0,"msg":"success","fileName":"a.txt","existFileId":4242}'
          : undefined,
      );
      const r = await runCli(['upload', tree, '--on-conflict', 'fail', '--json'], {
        env: { ...cliEnv(emu, join(dir, 'state-clash')), KOODRIVE_ENDPOINT: url },
      });
      expect(r.code, r.stderr).toBe(EXIT.CONFLICT);
      const events = jsonEvents(r.stdout);
      const done = events.find((e) => e.type === 'file:done')!;
      expect(done.file).toMatchObject({ path: 'a.txt', outcome: 'conflict', fileId: '4242' });
      expect(done.file.error).toMatch(/already exists \(id 4242\).*--on-conflict rename or skip-identical/);
      expect(r.stdout + r.stderr).not.toMatch(/malformed|without fileId/);
      expect(events.at(-1)).toMatchObject({
        type: 'summary',
        exitCode: EXIT.CONFLICT,
        totals: { conflict: 1, failed: 0 },
      });
      expect(await emu.lockIsFree()).toBe(true);
    },
  );
});
