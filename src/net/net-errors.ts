/** Certificate and proxy errors in words (pure: no I/O), for messages and retry decisions. */

/** What a certificate problem tells the user to do. */
export const CERTIFICATE_FIX =
  'if you trust this server, add the CA that signed its certificate with --ca-file <pem> (or ' +
  'KOODRIVE_CA_FILE, caFile in the config, or NODE_EXTRA_CA_CERTS=<pem>)';

/** OpenSSL / Node codes of a certificate that did not verify. */
const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_REVOKED',
  'INVALID_PURPOSE',
]);

/** True for an error (or its cause) that says the server's certificate was not trusted. */
export function isCertificateError(err: unknown): boolean {
  for (
    let e = err, depth = 0;
    typeof e === 'object' && e !== null && depth < 4;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CERT_CODES.has(code)) return true;
  }
  return false;
}

/** "certificate problem: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)" for a certificate error. */
export function certificateReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message.split('\n')[0]! : String(err);
  const code = typeof e.code === 'string' && !message.includes(e.code) ? ` (${e.code})` : '';
  return `certificate problem: ${message}${code}`;
}

/** Hides the user:password@ of every URL in `text` (proxy URLs carry credentials). */
export function redactUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@'"]*@/gi, '$1***@');
}
