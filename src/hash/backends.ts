import { nobleBackend, type HashBackend } from './sha256-stream.js';
import { loadNativeBackend } from './native-backend.js';

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
        throw new Error('the native SHA-256 backend is not available (addon not built or failed its self-test); run `node scripts/build-native.mjs` (needs a C compiler and Node headers) or use --hash-backend auto');
      }
      return native;
    }
    default:
      throw new Error(`unknown hash backend "${String(name)}"; use auto, native or noble`);
  }
}
