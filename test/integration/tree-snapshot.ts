/**
 * A folder tree as a comparable value: every entry below a root with its kind, content hash, mode,
 * mtime (files and folders, whole milliseconds) and link target. Two trees restored right are equal.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeEntry {
  path: string;
  kind: 'file' | 'folder' | 'link';
  sha256?: string;
  mode?: number;
  mtimeMs?: number;
  target?: string;
}

/** Every entry below `root` (not the root itself), sorted by path. */
export async function snapshotTree(root: string, opts: { folderTimes?: boolean } = {}): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const visit = async (dir: string, rel: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const abs = join(dir, name);
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(abs);
      if (st.isSymbolicLink()) out.push({ path, kind: 'link', target: await readlink(abs) });
      else if (st.isDirectory()) {
        await visit(abs, path);
        out.push({
          path,
          kind: 'folder',
          mode: st.mode & 0o7777,
          ...(opts.folderTimes !== false ? { mtimeMs: Math.trunc(st.mtimeMs) } : {}),
        });
      } else {
        const sha256 = createHash('sha256')
          .update(await readFile(abs))
          .digest('hex');
        out.push({ path, kind: 'file', sha256, mode: st.mode & 0o7777, mtimeMs: Math.trunc(st.mtimeMs) });
      }
    }
  };
  await visit(root, '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
