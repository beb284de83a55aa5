/**
 * The emulator's self-signed certificate for --tls: <data>/tls/cert.pem (give it to clients as
 * their CA) and key.pem (0600). Kept across restarts while it is valid for a day more and names
 * the host, so a client's --ca-file stays good.
 */
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface TlsFiles {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

const LOOPBACK_NAMES = ['localhost'];
const LOOPBACK_IPS = ['127.0.0.1', '::1'];
const DAY_MS = 86_400_000;

/** The names the certificate must cover: loopback always, plus the host the emulator listens on. */
function namesFor(host: string): { dns: string[]; ips: string[] } {
  const dns = [...LOOPBACK_NAMES];
  const ips = [...LOOPBACK_IPS];
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare && bare !== '0.0.0.0' && bare !== '::') {
    if (isIP(bare)) {
      if (!ips.includes(bare)) ips.push(bare);
    } else if (!dns.includes(bare)) dns.push(bare);
  }
  return { dns, ips };
}

function stillGood(certPem: string, names: { dns: string[]; ips: string[] }): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (Date.parse(cert.validTo) < Date.now() + DAY_MS) return false;
    return (
      names.dns.every((n) => cert.checkHost(n) !== undefined) && names.ips.every((ip) => cert.checkIP(ip) !== undefined)
    );
  } catch {
    return false;
  }
}

/** Reads the certificate and key in <dataDir>/tls, making new ones when missing, expiring or not naming `host`. */
export async function ensureCertificate(dataDir: string, host: string): Promise<TlsFiles> {
  const dir = join(dataDir, 'tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const names = namesFor(host);
  const existing = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]).catch(() => undefined);
  if (existing && stillGood(existing[0], names)) return { certPath, keyPath, cert: existing[0], key: existing[1] };

  // selfsigned (on @peculiar/x509): no openssl binary needed, on any OS the tool runs on.
  const { generate } = await import('selfsigned');
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: 'KooDrive emulator (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 825 * DAY_MS),
    // Its own CA (so clients can trust it with --ca-file / --cacert / --ca-bundle) and a server
    // certificate for the loopback names; key usages as strict verifiers (OpenSSL X509_STRICT) want.
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...names.dns.map((value) => ({ type: 2, value })), ...names.ips.map((ip) => ({ type: 7, ip }))],
      },
    ],
  } as never);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Key first, private from the start; both written whole before they replace the old pair.
  await writeFile(`${keyPath}.tmp`, pems.private, { mode: 0o600 });
  await chmod(`${keyPath}.tmp`, 0o600);
  await rename(`${keyPath}.tmp`, keyPath);
  await writeFile(`${certPath}.tmp`, pems.cert, { mode: 0o644 });
  await rename(`${certPath}.tmp`, certPath);
  return { certPath, keyPath, cert: pems.cert, key: pems.private };
}
