/** Presigned part URLs: when they expire and how an expired one answers (pure; reference §4.3, §5.4). */

/** Refresh a URL this long before it expires, so that a slow PUT does not outlive it. */
export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

/** X-Amz-Date + X-Amz-Expires of a SigV4 query-signed URL, as times; undefined unless it carries both. */
function signedLife(uploadUrl: string): { expiresAtMs: number; ttlMs: number } | undefined {
  const q = uploadUrl.indexOf('?');
  if (q < 0) return undefined;
  // Only the query is read (not a whole URL parse): this runs before every PUT of every small file.
  const hash = uploadUrl.indexOf('#', q);
  const params = new URLSearchParams(uploadUrl.slice(q + 1, hash < 0 ? undefined : hash));
  // S3 treats query parameter names case-sensitively but some signers lower-case them.
  let date: string | undefined;
  let expires: string | undefined;
  for (const [k, v] of params) {
    const name = k.toLowerCase();
    if (name === 'x-amz-date') date ??= v;
    else if (name === 'x-amz-expires') expires ??= v;
  }
  const m = date ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date) : null;
  if (!m || !expires || !/^\d+$/.test(expires)) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const signedAt = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!);
  const ttlMs = Number(expires) * 1000;
  return Number.isNaN(signedAt) ? undefined : { expiresAtMs: signedAt + ttlMs, ttlMs };
}

/**
 * When a SigV4 query-signed URL stops working: X-Amz-Date (yyyyMMddTHHmmssZ, UTC) plus
 * X-Amz-Expires seconds. Undefined when the URL does not carry both (then we cannot know).
 */
export function expiresAt(uploadUrl: string): Date | undefined {
  const life = signedLife(uploadUrl);
  return life && new Date(life.expiresAtMs);
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
  const life = signedLife(uploadUrl);
  if (!life) return false;
  const nowMs = typeof now === 'number' ? now : now.getTime();
  return life.expiresAtMs - nowMs <= marginMs;
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
  const life = signedLife(uploadUrl);
  if (!life) return true;
  return life.expiresAtMs - now > Math.min(DEFAULT_REFRESH_MARGIN_MS, life.ttlMs / 4);
}
