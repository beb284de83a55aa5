/**
 * The S3 face's bytes on disk (dataDir/s3/…) and its index in the emulator's state; objects never pass through memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { joinFiles } from '../../../src/emulator/file-join.js';
import type { ExtensionHost } from '../../../src/emulator/extension.js';
import type { S3BucketState, S3ObjectState, S3State, S3UploadState } from './s3-state.js';

/** Fields an object gets from the request that stored it. */
export interface ObjectHeaders {
  contentType?: string;
  meta: Record<string, string>;
}

export class S3ObjectStore {
  private readonly objectsDir: string;
  private readonly uploadsDir: string;
  private readonly tmpDir: string;
  /** The index, kept by the emulator as this extension's state. */
  readonly state: S3State;

  constructor(private readonly host: ExtensionHost) {
    this.state = (host.loadState() as S3State | undefined) ?? { buckets: {}, uploads: {} };
    const root = join(host.dataDir, 's3');
    this.objectsDir = join(root, 'objects');
    this.uploadsDir = join(root, 'uploads');
    this.tmpDir = join(root, 'tmp');
  }

  /** Creates the folders; temp files a crash left behind belong to requests never answered 200. */
  async init(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    for (const dir of [this.objectsDir, this.uploadsDir, this.tmpDir]) await mkdir(dir, { recursive: true });
  }

  /** The index changed: the emulator writes it (whole) shortly after. */
  private changed(): void {
    this.host.saveState(this.state);
  }

  bucket(name: string): S3BucketState | undefined {
    return this.state.buckets[name];
  }

  /** Creates a bucket; false when it already exists. */
  createBucket(name: string, now: Date): boolean {
    if (this.state.buckets[name]) return false;
    this.state.buckets[name] = { createdAt: now.toISOString(), objects: {} };
    this.changed();
    return true;
  }

  deleteBucket(name: string): void {
    delete this.state.buckets[name];
    this.changed();
  }

  objectPath(id: string): string {
    return join(this.objectsDir, id);
  }

  /** A fresh temp file path for a body being received. */
  tempPath(): string {
    return join(this.tmpDir, randomBytes(12).toString('hex'));
  }

  /** Makes a received temp file the object's bytes, replacing (and deleting) any previous version. */
  async commitObject(
    bucket: S3BucketState,
    key: string,
    tmp: string,
    fields: Omit<S3ObjectState, 'id'>,
  ): Promise<S3ObjectState> {
    const id = randomBytes(12).toString('hex');
    await rename(tmp, this.objectPath(id));
    const old = bucket.objects[key];
    const obj: S3ObjectState = { id, ...fields };
    bucket.objects[key] = obj;
    this.changed();
    if (old) await rm(this.objectPath(old.id), { force: true });
    return obj;
  }

  async deleteObject(bucket: S3BucketState, key: string): Promise<void> {
    const old = bucket.objects[key];
    if (!old) return;
    delete bucket.objects[key];
    this.changed();
    await rm(this.objectPath(old.id), { force: true });
  }

  /** Opens a multipart upload and returns its id. */
  async createUpload(bucket: string, key: string, headers: ObjectHeaders, now: Date): Promise<string> {
    const uploadId = randomBytes(16).toString('hex');
    await mkdir(join(this.uploadsDir, uploadId), { recursive: true });
    const upload: S3UploadState = { bucket, key, createdAt: now.toISOString(), meta: headers.meta, parts: {} };
    if (headers.contentType !== undefined) upload.contentType = headers.contentType;
    this.state.uploads[uploadId] = upload;
    this.changed();
    return uploadId;
  }

  partPath(uploadId: string, partNumber: number): string {
    return join(this.uploadsDir, uploadId, String(partNumber));
  }

  /** Makes a received temp file part `partNumber` of the upload (a re-sent part replaces the old one). */
  async commitPart(uploadId: string, partNumber: number, tmp: string, size: number, etag: string): Promise<void> {
    await rename(tmp, this.partPath(uploadId, partNumber));
    const upload = this.state.uploads[uploadId];
    if (!upload) {
      // aborted while the part was arriving
      await rm(this.partPath(uploadId, partNumber), { force: true });
      return;
    }
    upload.parts[String(partNumber)] = { size, etag };
    this.changed();
  }

  /** Joins the chosen parts, in order, into one temp file; returns its path. */
  async joinParts(uploadId: string, partNumbers: readonly number[]): Promise<string> {
    const tmp = this.tempPath();
    try {
      await joinFiles(
        tmp,
        partNumbers.map((n) => this.partPath(uploadId, n)),
      );
      return tmp;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** Forgets an upload and deletes its parts. */
  async dropUpload(uploadId: string): Promise<void> {
    delete this.state.uploads[uploadId];
    this.changed();
    await rm(join(this.uploadsDir, uploadId), { recursive: true, force: true });
  }

  /** Removes leftovers of uploads no longer in the index (e.g. aborted before a crash). */
  async sweepUploads(): Promise<void> {
    for (const dir of await readdir(this.uploadsDir))
      if (!this.state.uploads[dir]) await rm(join(this.uploadsDir, dir), { recursive: true, force: true });
  }
}

/** S3's multipart ETag: md5 of the concatenated binary part md5s, then "-<count>". */
export function multipartEtag(partEtags: readonly string[]): string {
  const md5 = createHash('md5');
  for (const e of partEtags) md5.update(Buffer.from(e.replace(/"/g, ''), 'hex'));
  return `"${md5.digest('hex')}-${partEtags.length}"`;
}
