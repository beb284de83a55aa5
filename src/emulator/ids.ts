/** Ids in the shapes KooDrive's examples show (all strings; record ids exceed 2^53). */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';

/** `<uuid>@<moduleCode>`, as in the reference's lock example. */
export function newLockId(moduleCode: string): string {
  return `${randomUUID()}@${moduleCode}`;
}

/** A 19-digit numeric string, like 1842862763295184641. */
export function newRecordId(): string {
  let digits = '18';
  for (let i = 0; i < 17; i++) digits += String(randomInt(10));
  return digits;
}

/** `F` + 32 URL-safe characters, like FmHi5mWOmHsgHs8hrOKpC-IslaiKmJh7I. */
export function newFileId(): string {
  return `F${randomBytes(24).toString('base64url')}`;
}

/** 32 upper-case hex digits, the OBS multipart upload id. */
export function newUploadId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** The user's space id, stable for a user id. */
export function containerIdOf(userId: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(userId).digest('hex').slice(0, 15)}`)
    .toString()
    .padStart(19, '1')
    .slice(0, 19);
  return `IAAFfyRNd07vFgAAA${digits}`;
}

/** A parent folder as the server resolves it ("root" → prefix + root + containerId). */
export function resolvedFolderId(folder: string, containerId: string): string {
  return folder === 'root' ? `DE13Tu8WAAAAroot${containerId}` : folder;
}
