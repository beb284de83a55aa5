/** The Authorization header for both auth modes (reference Part 1 "Authentication", §8). */
import { appAuthorization, type SignableRequest } from '../auth/app-signature.js';
import { Secret } from '../util/secret.js';

export { Secret };

/** How we prove who we are: a user token (interactive use) or an AppId/AppSecret pair (cron, CI). */
export type Credentials =
  | { mode: 'token'; token: Secret; bareToken?: boolean; source?: string }
  | { mode: 'app'; appId: string; appSecret: Secret; source?: string };

/**
 * The Authorization value for one request. Token mode: `Bearer <token>` (or the bare token);
 * app mode: the HMAC-SHA256 signature over method, path, query, host/x-date/x-user-id and body.
 */
export function authorizationFor(credentials: Credentials, req: SignableRequest): string {
  if (credentials.mode === 'token') {
    const token = credentials.token.reveal();
    return credentials.bareToken ? token : `Bearer ${token}`;
  }
  return appAuthorization(credentials.appId, credentials.appSecret.reveal(), req);
}

/** The secret values of these credentials, for redacting them out of any text we show. */
export function secretsOf(credentials: Credentials): Secret[] {
  return credentials.mode === 'token' ? [credentials.token] : [credentials.appSecret];
}

/** What the user should check when the server rejects these credentials. */
/** `source` names where the secret came from (KOODRIVE_TOKEN, --token, a config file's path). */
export function credentialsHint(credentials: Credentials): string {
  if (credentials.mode === 'token') {
    const from =
      credentials.source === undefined || credentials.source === 'KOODRIVE_TOKEN'
        ? 'KOODRIVE_TOKEN'
        : credentials.source.startsWith('--')
          ? `the token given with ${credentials.source}`
          : `the token in ${credentials.source}`;
    return `check ${from} (tokens expire after 20 idle minutes) and the user id`;
  }
  const where =
    credentials.source === undefined || credentials.source === 'KOODRIVE_APP_SECRET'
      ? 'KOODRIVE_APP_ID / KOODRIVE_APP_SECRET'
      : credentials.source.startsWith('--')
        ? credentials.source
        : `${credentials.source}`;
  return `check the app id and secret (${where}) and the user id`;
}
