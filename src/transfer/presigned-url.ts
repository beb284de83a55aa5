/** Presigned part URLs: when they expire and how an expired one answers (pure; reference §4.3, §5.4). */

/** Refresh a URL this long before it expires, so that a slow PUT does not outlive it. */
export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * When a SigV4 query-signed URL stops working: X-Amz-Date (yyyyMMddTHHmmssZ, UTC) plus
 * X-Amz-Expires seconds. Undefined when the URL does not carry both (then we cannot know).
 */
export function expiresAt(uploadUrl: string): Date | undefined {
  let params: URLSearchParams;
  try {
    params = new URL(uploadUrl).searchParams;
  } catch {
    return undefined;
  }
  // S3 treats query parameter names case-sensitively but some signers lower-case them.
  const get = (name: string): string | undefined => {
    for (const [k, v] of params) if (k.toLowerCase() === name.toLowerCase()) return v;
    return undefined;
  };
  const date = get('X-Amz-Date');
  const expires = get('X-Amz-Expires');
  const m = date ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date) : null;
  if (!m || !expires || !/^\d+$/.test(expires)) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const signedAt = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!);
  return Number.isNaN(signedAt) ? undefined : new Date(signedAt + Number(expires) * 1000);
}

/**
 * True when a part needs a fresh URL before it is sent: none was given, or it expires within
 * `marginMs` of `now`. A URL without expiry information is used as it is (a 403 will tell).
 */
export function needsRefresh(
  uploadUrl: string | undefined,
  now: Date | number,
  marginMs: number = DEFAULT_REFRESH_MARGIN_MS,
): boolean {
  if (!uploadUrl) return true;
  const at = expiresAt(uploadUrl);
  if (!at) return false;
  const nowMs = typeof now === 'number' ? now : now.getTime();
  return at.getTime() - nowMs <= marginMs;
}

/**
 * True when a PUT answer means "this URL has expired, ask for a new one": HTTP 403 whose S3/OBS
 * error body says AccessDenied or mentions expiry. Other 403s (SignatureDoesNotMatch, …) are not.
 */
export function isExpiredResponse(status: number, body: string): boolean {
  if (status !== 403) return false;
  return (
    /expired/i.test(body) || /<Code>\s*AccessDenied\s*<\/Code>/i.test(body) || /"code"\s*:\s*"AccessDenied"/i.test(body)
  );
}

/** The URL with its query (signature, credential) cut off, safe to show in messages. */
export function redactUrl(uploadUrl: string): string {
  try {
    const u = new URL(uploadUrl);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * True while a part URL may still be used: until a quarter of its life (at most 5 minutes) before
 * it expires, so a PUT started now ends before it does. A URL without expiry information is fresh.
 */
export function isUrlFresh(uploadUrl: string, now: number = Date.now()): boolean {
  if (!expiresAt(uploadUrl)) return true;
  const ttlMs = Number(new URL(uploadUrl).searchParams.get('X-Amz-Expires') ?? '3600') * 1000;
  return !needsRefresh(uploadUrl, now, Math.min(DEFAULT_REFRESH_MARGIN_MS, ttlMs / 4));
}
