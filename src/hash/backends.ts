import { nobleBackend, type HashBackend } from './sha256-stream.js';
import { loadNativeBackend, nativeAddonStatus } from './native-backend.js';

export type BackendName = 'auto' | 'native' | 'noble';

let cachedNative: HashBackend | null | undefined;

/** The native backend if the addon is built and passes its self-test, else undefined (cached). */
export function nativeBackendIfAvailable(): HashBackend | undefined {
  if (cachedNative === undefined) cachedNative = loadNativeBackend() ?? null;
  return cachedNative ?? undefined;
}

/** The fastest backend that works here: the native addon, falling back to noble. */
export function bestBackend(): HashBackend {
  return nativeBackendIfAvailable() ?? nobleBackend;
}

/** Picks a backend by name; 'native' throws with the fix when the addon cannot be used. */
export function backendByName(name: BackendName): HashBackend {
  switch (name) {
    case 'auto':
      return bestBackend();
    case 'noble':
      return nobleBackend;
    case 'native': {
      const native = nativeBackendIfAvailable();
      if (!native) {
        throw new Error(
          `the native SHA-256 backend is not available: ` +
            `${nativeAddonStatus().detail}; install a C compiler and run \`npm rebuild koodrive-backup\` ` +
            `(add --global for a global install), or use --hash-backend auto (docs/install.md)`,
        );
      }
      return native;
    }
    default:
      throw new Error(`unknown hash backend "${String(name)}"; use auto, native or noble`);
  }
}

/** One line naming the engine `name` gives here and why, e.g. "native (prebuilt Node-API addon for linux-x64)". */
export function describeHashEngine(name: BackendName = 'auto'): string {
  if (name === 'noble') return 'noble (portable JavaScript, chosen with --hash-backend noble)';
  const status = nativeAddonStatus();
  if (status.usable) return `native (${status.detail})`;
  return (
    (name === 'native' ? 'none: --hash-backend native cannot run' : 'noble (portable JavaScript, about 9× slower)') +
    `; ${status.detail}`
  );
}
