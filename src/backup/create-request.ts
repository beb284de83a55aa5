import type { FilePlan } from '../hash/file-plan.js';
import type { AutoRename, CreateFileRequest } from '../koodrive/wire-types.js';
import { toDescription, toServerFileName } from '../names/file-name.js';
import type { LocalFile } from '../scan/local-file.js';

/** How clashes with an existing name are handled, as the user says it. */
export type OnConflict = 'rename' | 'fail' | 'skip-identical';

export const AUTO_RENAME: Record<OnConflict, AutoRename> = { rename: 2, fail: 3, 'skip-identical': 4 };

export interface RequestOptions {
  onConflict: OnConflict;
  parentFolder?: string;
  containerId?: string;
}

/** The create-backup-file body for a planned file: the one place the wire shape is built. */
export function buildCreateFileRequest(file: LocalFile, plan: FilePlan, opts: RequestOptions): CreateFileRequest {
  const description = toDescription(file.relPath);
  const baseName = description.split('/').pop() ?? description;
  const request: CreateFileRequest = {
    fileName: toServerFileName(baseName),
    sha256: plan.sha256,
    length: plan.length,
    ...(plan.proofCode !== undefined ? { proofCode: plan.proofCode } : {}),
    uploadMode: 'multipart',
    uploadType: 1,
    autoRename: AUTO_RENAME[opts.onConflict],
    multiParts: plan.parts.map((p) => ({
      partNumber: p.partNumber,
      partSize: p.partSize,
      partOffset: p.partOffset,
      hashCtx: [...p.hashCtx],
    })),
    parentFolder: [opts.parentFolder ?? 'root'],
    description,
  };
  if (opts.containerId) request.containerId = opts.containerId;
  return request;
}
