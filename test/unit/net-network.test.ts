import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { Network } from '../../src/net/network.js';

const dir = mkdtempSync(join(tmpdir(), 'kdb-net-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Network with --ca-file', () => {
  it('shares one secure context instead of putting ~150 CA certificates into every request pool name', async () => {
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, rootCertificates[0]!);
    const network = await Network.open({ caFile, env: {} });
    const agent = network.agentFor('https://koodrive.example/a') as https.Agent & {
      options: https.AgentOptions;
      getName(options: https.AgentOptions): string;
    };
    // The agent names each request's pool from its options; with `ca` in them that name held every
    // certificate (hundreds of KB built per request: 6 ms each, most of a small file's CPU).
    expect(agent.options.ca).toBeUndefined();
    expect(agent.options.secureContext).toBeDefined();
    expect(agent.getName({ ...agent.options, host: 'koodrive.example', port: 443 }).length).toBeLessThan(200);
    // Same origin, same agent; another https origin shares the secure context.
    expect(network.agentFor('https://koodrive.example/b')).toBe(agent);
    const other = network.agentFor('https://obs.example/x') as https.Agent & { options: https.AgentOptions };
    expect(other.options.secureContext).toBe(agent.options.secureContext);
    network.destroy();
  });
});
