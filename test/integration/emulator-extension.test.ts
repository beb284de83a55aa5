// The emulator's extension point (src/emulator/extension.ts): an extension claims requests before
// the KooDrive routes, counts them, and keeps its state across a restart.
import { afterEach, describe, expect, it } from 'vitest';
import { type EmulatorExtension, type ExtensionHost, startEmulator } from '../../src/emulator/index.js';
import { Harness } from './emulator-harness.js';

/** Answers requests that carry x-tally with the number of such requests so far, kept as its state. */
function tally(): EmulatorExtension & { host?: ExtensionHost } {
  const ext: EmulatorExtension & { host?: ExtensionHost } = {
    name: 'tally',
    async start(host) {
      ext.host = host;
      let count = (host.loadState() as { count: number } | undefined)?.count ?? 0;
      return {
        claims: (req) => req.headers['x-tally'] !== undefined,
        async handle(req, res, path, rawQuery) {
          count++;
          host.saveState({ count });
          host.countRequest(req.method ?? 'GET');
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`${count} ${path} ${rawQuery}`);
        },
      };
    },
  };
  return ext;
}

describe('emulator extensions', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.dispose();
    h = undefined;
  });

  it('routes claimed requests to the extension, counts them, and keeps its state across a restart', async () => {
    const ext = tally();
    h = await Harness.start({ extensions: [ext] });
    const claimed = await fetch(`${h.emu.url}/v1/any/path?a=1`, { method: 'POST', headers: { 'x-tally': '1' } });
    expect([claimed.status, await claimed.text()]).toEqual([200, '1 /v1/any/path a=1']);
    // Not claimed: the KooDrive API answers (no route there).
    const api = await fetch(`${h.emu.url}/v1/any/path`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { msg: string }).msg).toMatch(/no KooDrive API/);
    expect(h.emu.stats().extensions).toEqual({ tally: { POST: 1 } });
    expect(ext.host?.dataDir).toBe(h.dir);

    await h.stop();
    await h.restart();
    const again = await fetch(`${h.emu.url}/x`, { headers: { 'x-tally': '1' } });
    expect(await again.text()).toBe('2 /x ');
  });

  it('refuses a bad or repeated extension name before listening', async () => {
    h = await Harness.start();
    await h.stop();
    const opts = { dataDir: h.dir, userId: '1', token: 't' };
    await expect(startEmulator({ ...opts, extensions: [{ ...tally(), name: 'no/slash' }] })).rejects.toThrow(
      /extension name "no\/slash" must be 1-40 letters/,
    );
    await expect(startEmulator({ ...opts, extensions: [tally(), tally()] })).rejects.toThrow(/used once/);
  });
});
