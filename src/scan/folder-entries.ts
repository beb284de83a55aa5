import { opendir } from 'node:fs/promises';

/**
 * The names in one folder, sorted by the bytes of their UTF-8 form, so that every run walks in the
 * same order whatever the filesystem returns. Only this one folder's names are held in memory;
 * the handle is closed before the caller descends, so deep trees do not pile up open descriptors.
 */
export async function readSortedNames(absDir: string): Promise<string[]> {
  const keyed: { name: string; key: Buffer }[] = [];
  const dir = await opendir(absDir);
  for await (const entry of dir) keyed.push({ name: entry.name, key: Buffer.from(entry.name, 'utf8') });
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return keyed.map((k) => k.name);
}
