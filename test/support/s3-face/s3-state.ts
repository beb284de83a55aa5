/** What the S3 face keeps in state.json (under "s3"): buckets, object index, open multipart uploads. */

/** One stored object; its bytes are in dataDir/s3/objects/<id>. */
export interface S3ObjectState {
  id: string;
  size: number;
  /** Quoted, as S3 answers it: "<md5>" or "<md5 of part md5s>-<n>". */
  etag: string;
  lastModified: string;
  contentType?: string;
  /** x-amz-meta-* headers, names lower-cased without the prefix. */
  meta: Record<string, string>;
}

export interface S3BucketState {
  createdAt: string;
  objects: Record<string, S3ObjectState>;
}

export interface S3PartState {
  size: number;
  etag: string;
}

/** An open multipart upload; its parts are in dataDir/s3/uploads/<uploadId>/<n>. */
export interface S3UploadState {
  bucket: string;
  key: string;
  createdAt: string;
  contentType?: string;
  meta: Record<string, string>;
  parts: Record<string, S3PartState>;
}

export interface S3State {
  buckets: Record<string, S3BucketState>;
  uploads: Record<string, S3UploadState>;
}
