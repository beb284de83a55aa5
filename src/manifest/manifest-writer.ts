/** Writes a run's manifest to the state folder as the scan goes (streamed: memory does not grow with the tree). */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { entryLine, headerLine, type ManifestEntry, type ManifestHeader } from './manifest-format.js';

/** Entries are written in batches of about this many characters: one write per entry costs a syscall each. */
const BATCH_CHARS = 64 * 1024;

export class ManifestWriter {
  private pending = '';

  private constructor(
    private readonly path: string,
    private readonly bodyPath: string,
    private readonly body: WriteStream,
  ) {}

  /**
   * Starts a manifest whose finished form will be at `path`; entries go to a side file of this
   * process until then (the scan runs before the lock is taken, so two runs must not share it).
   */
  static async create(path: string): Promise<ManifestWriter> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const bodyPath = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.body`;
    const body = createWriteStream(bodyPath, { mode: 0o600 });
    await once(body, 'open');
    return new ManifestWriter(path, bodyPath, body);
  }

  /** Adds one entry; waits when the disk is slower than the scan. */
  async add(entry: ManifestEntry): Promise<void> {
    this.pending += entryLine(entry);
    if (this.pending.length >= BATCH_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    const text = this.pending;
    this.pending = '';
    if (text && !this.body.write(text)) await once(this.body, 'drain');
  }

  /** Ends the entries (call once the scan is done). */
  async close(): Promise<void> {
    if (this.body.closed) return;
    await this.flush();
    this.body.end();
    await once(this.body, 'close');
  }

  /** Writes header + entries to the manifest's path and returns it (again for another record, if need be). */
  async writeFor(header: Omit<ManifestHeader, 'koodriveManifest'>): Promise<string> {
    await this.close();
    const out = createWriteStream(this.path, { mode: 0o600 });
    out.write(headerLine(header));
    await pipeline(createReadStream(this.bodyPath), out);
    return this.path;
  }

  /** Drops the side file; the manifest itself stays (the journal knows it, so an unchanged one is not hashed twice). */
  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    await rm(this.bodyPath, { force: true });
  }
}
