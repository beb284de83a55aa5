import { lstat, open } from 'node:fs/promises';
import path from 'node:path';

/** The first line of a valid cache directory tag (https://bford.info/cachedir/). */
export const CACHEDIR_SIGNATURE = 'Signature: 8a477f597d28d172789f06886806bc55';

/** True when `absDir/CACHEDIR.TAG` is a regular file that starts with the cache-tag signature. */
export async function hasCacheDirTag(absDir: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path.join(absDir, 'CACHEDIR.TAG'), 'r');
    const st = await handle.stat();
    if (!st.isFile()) return false;
    // Only the signature bytes are read: a tag file may legally hold more text after it.
    const head = Buffer.alloc(CACHEDIR_SIGNATURE.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead).toString('latin1') === CACHEDIR_SIGNATURE;
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/** The first of `names` that exists (as any kind of entry) in absDir, or undefined. */
export async function presentMarker(absDir: string, names: readonly string[]): Promise<string | undefined> {
  for (const name of names) {
    try {
      await lstat(path.join(absDir, name));
      return name;
    } catch {
      // absent or unreadable: not a marker we can see
    }
  }
  return undefined;
}
