declare module 'proxy-from-env' {
  /** The proxy URL for `url` per HTTPS_PROXY/HTTP_PROXY/ALL_PROXY and NO_PROXY (and lower case), or "". */
  export function getProxyForUrl(url: string | URL): string;
}
