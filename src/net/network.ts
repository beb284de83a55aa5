/**
 * How this run reaches servers: one set of keep-alive agents shared by API calls (got), part PUTs
 * and restore GETs, so that connections (and their TLS handshakes) are reused; the extra CA of
 * --ca-file / KOODRIVE_CA_FILE / NODE_EXTRA_CA_CERTS; and HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and
 * their lower-case forms) through proxy-from-env and hpagent. There is no switch that turns
 * certificate checks off (docs/decisions.md).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { getProxyForUrl } from 'proxy-from-env';
import { redactUrlCredentials } from './net-errors.js';

export interface NetworkOptions {
  /** PEM file with one or more CA certificates trusted besides the system's. */
  caFile?: string;
  /** Environment that NODE_EXTRA_CA_CERTS is read from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

export { CERTIFICATE_FIX, certificateReason, isCertificateError, redactUrlCredentials } from './net-errors.js';

/** The error of a proxy connection, with the proxy named (credentials hidden) and a code to classify it by. */
function proxyError(err: Error, proxy: URL): Error {
  const shown = redactUrlCredentials(proxy.href).replace(/\/$/, '');
  const status = /^Bad response: (\d+)/.exec(err.message)?.[1];
  if (status) {
    const why =
      status === '407' ? ' (proxy authentication required: check the user and password in the proxy URL)' : '';
    return Object.assign(new Error(`the proxy ${shown} refused the tunnel: HTTP ${status}${why}`), {
      code: Number(status) >= 500 ? 'EPROXY_UNAVAILABLE' : 'EPROXY_REFUSED',
    });
  }
  const wrapped = new Error(`via the proxy ${shown}: ${redactUrlCredentials(err.message)}`);
  // Keep the code (ECONNREFUSED, ETIMEDOUT…) so that retrying decides as it would without a proxy.
  return Object.assign(wrapped, { code: (err as NodeJS.ErrnoException).code });
}

type ConnectCallback = (err: Error | null, socket: Duplex) => void;

/** hpagent's agents, with connection errors that name the proxy (never its password). */
class NamedHttpProxyAgent extends HttpProxyAgent {
  constructor(
    private readonly proxyUrl: URL,
    options: http.AgentOptions,
  ) {
    super({ ...options, proxy: proxyUrl });
  }
  override createConnection(options: http.ClientRequestArgs, callback?: ConnectCallback): Duplex | null | undefined {
    return super.createConnection(options, (err, socket) =>
      callback?.(err ? proxyError(err, this.proxyUrl) : null, socket),
    );
  }
}

class NamedHttpsProxyAgent extends HttpsProxyAgent {
  constructor(
    private readonly proxyUrl: URL,
    options: https.AgentOptions,
  ) {
    super({ ...options, proxy: proxyUrl });
  }
  override createConnection(options: https.RequestOptions, callback?: ConnectCallback): Duplex | null | undefined {
    return super.createConnection(options, (err, socket) =>
      callback?.(err ? proxyError(err, this.proxyUrl) : null, socket),
    );
  }
}

/** The agents of one run. */
export class Network {
  private readonly agents = new Map<string, http.Agent>();
  /**
   * The agent per origin: reading the proxy variables costs more than a small request (proxy-from-env reads
   * process.env).
   */
  private readonly byOrigin = new Map<string, http.Agent>();
  private secureContext: SecureContext | undefined;

  private constructor(
    /** CA certificates to trust (the system's plus the extra ones), or undefined for Node's defaults. */
    private readonly ca: string[] | undefined,
  ) {}

  /** Reads the CA file (a missing or unreadable file throws, naming it). */
  static async open(opts: NetworkOptions = {}): Promise<Network> {
    if (!opts.caFile) return new Network(undefined);
    let pem: string;
    try {
      pem = await readFile(opts.caFile, 'utf8');
    } catch (err) {
      throw new Error(
        `cannot read the CA file ${opts.caFile} (--ca-file, KOODRIVE_CA_FILE or caFile): ${(err as Error).message}`,
      );
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----'))
      throw new Error(`the CA file ${opts.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    // An explicit `ca` replaces Node's store: keep the system's roots and NODE_EXTRA_CA_CERTS too.
    const ca = [...rootCertificates, pem];
    const extra = (opts.env ?? process.env).NODE_EXTRA_CA_CERTS;
    if (extra)
      ca.push(
        ...(await readFile(extra, 'utf8').then(
          (text) => [text],
          () => [],
        )),
      );
    return new Network(ca);
  }

  /** A network with Node's default trust, for code that runs without a CLI (tests, libraries). */
  static plain(): Network {
    return new Network(undefined);
  }

  /** The proxy that `url` goes through per HTTPS_PROXY/HTTP_PROXY/NO_PROXY, or undefined. */
  proxyFor(url: URL | string): URL | undefined {
    const proxy = getProxyForUrl(String(url));
    if (!proxy) return undefined;
    try {
      return new URL(proxy);
    } catch {
      throw new Error(
        `the proxy setting ` +
          `${redactUrlCredentials(proxy)} (HTTPS_PROXY/HTTP_PROXY) is not a URL such as http://proxy.example:3128`,
      );
    }
  }

  /** The shared keep-alive agent for requests to `url` (direct or through its proxy). */
  agentFor(url: URL | string): http.Agent {
    const target = typeof url === 'string' ? new URL(url) : url;
    const known = this.byOrigin.get(target.origin);
    if (known) return known;
    const agent = this.newAgentFor(target);
    this.byOrigin.set(target.origin, agent);
    return agent;
  }

  private newAgentFor(target: URL): http.Agent {
    const secure = target.protocol === 'https:';
    const proxy = this.proxyFor(target);
    const key = `${secure ? 'https' : 'http'} ${proxy?.href ?? 'direct'}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const base = { keepAlive: true, scheduling: 'lifo' as const };
      // One secure context for every connection, not `ca`: an agent names each request's pool by its
      // options, and with ~150 CA certificates in `ca` that name cost 6 ms per request (profiled:
      // 12.8 s of 33 s for 2,000 small files over HTTPS), and every new connection re-parsed them.
      this.secureContext ??= this.ca ? createSecureContext({ ca: this.ca }) : undefined;
      const tls = this.secureContext ? { ...base, secureContext: this.secureContext } : base;
      if (proxy) agent = secure ? new NamedHttpsProxyAgent(proxy, tls) : new NamedHttpProxyAgent(proxy, base);
      else agent = secure ? new https.Agent(tls) : new http.Agent(base);
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** got's `agent` option for requests to `url`. */
  gotAgent(url: URL | string): { http: http.Agent; https: https.Agent } {
    const agent = this.agentFor(url);
    return { http: agent, https: agent as https.Agent };
  }

  /** Closes idle connections (a run calls this when it ends). */
  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    this.byOrigin.clear();
  }
}

let current: Network | undefined;

/** Makes `network` the one every request of this process uses (the CLI does this once per run). */
export function useNetwork(network: Network): void {
  // The previous one is left alone: requests may still be using it; its idle sockets do not hold the process.
  current = network;
}

/** The network of this run; without a CLI, Node's default trust and the proxy variables. */
export function currentNetwork(): Network {
  current ??= Network.plain();
  return current;
}
