/** Certificate errors in words, proxy credentials never shown, and the per-URL proxy choice (issue 11). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { certificateReason, isCertificateError, redactUrlCredentials } from '../../src/net/net-errors.js';
import { Network } from '../../src/net/network.js';
import { classifyNetworkError } from '../../src/retry/retry-policy.js';

describe('certificate errors', () => {
  const selfSigned = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });

  it('are recognised, also as the cause of a wrapping error', () => {
    expect(isCertificateError(selfSigned)).toBe(true);
    expect(isCertificateError(Object.assign(new Error('request failed'), { cause: selfSigned }))).toBe(true);
    expect(
      isCertificateError(
        Object.assign(new Error('Hostname/IP does not match'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }),
      ),
    ).toBe(true);
    expect(isCertificateError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(false);
  });

  it('say they are a certificate problem, are never retried, and name the fix', () => {
    expect(certificateReason(selfSigned)).toBe(
      'certificate problem: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
    );
    const c = classifyNetworkError(selfSigned);
    expect(c.transient).toBe(false);
    expect(c.reason).toMatch(/certificate problem.*--ca-file.*NODE_EXTRA_CA_CERTS/);
  });
});

describe('proxy credentials', () => {
  it('are hidden in every URL of a message', () => {
    expect(redactUrlCredentials('via http://user:p%40ss@proxy:3128 and https://tok@h/x')).toBe(
      'via http://***@proxy:3128 and https://***@h/x',
    );
    expect(redactUrlCredentials('http://proxy:3128/ has none')).toBe('http://proxy:3128/ has none');
  });
});

describe('Network.proxyFor', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('follows HTTPS_PROXY / HTTP_PROXY and NO_PROXY, lower case too', () => {
    vi.stubEnv('https_proxy', 'http://u:pw@127.0.0.1:3128');
    vi.stubEnv('HTTP_PROXY', 'http://127.0.0.1:3129');
    vi.stubEnv('NO_PROXY', 'direct.example');
    const net = Network.plain();
    expect(net.proxyFor('https://api.example/x')?.port).toBe('3128');
    expect(net.proxyFor('http://api.example/x')?.port).toBe('3129');
    expect(net.proxyFor('https://direct.example/x')).toBeUndefined();
    // One keep-alive agent per (scheme, proxy), shared by every request of the run.
    expect(net.agentFor('https://api.example/a')).toBe(net.agentFor('https://api.example/b'));
    expect(net.agentFor('https://direct.example/a')).not.toBe(net.agentFor('https://api.example/a'));
    net.destroy();
  });

  it('refuses a CA file that is missing or holds no certificate, naming it', async () => {
    await expect(Network.open({ caFile: '/no/such/ca.pem' })).rejects.toThrow(
      /cannot read the CA file \/no\/such\/ca\.pem/,
    );
    await expect(Network.open({ caFile: import.meta.filename })).rejects.toThrow(/holds no PEM certificate/);
  });
});
