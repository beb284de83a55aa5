/** The server of a dry run: there is none, and any call says so (a dry run makes no call by design). */
import type { RunApi } from './run-backup.js';

function refused(call: string): never {
  throw new Error(`a dry run makes no server call, yet it tried to ${call}`);
}

export const DRY_RUN_API: RunApi = {
  createRecord: async () => refused('create a record'),
  getRecord: async () => refused('read a record'),
  createBackupFile: async () => refused('create a file'),
  getUploadUrls: async () => refused('get upload URLs'),
  completeFile: async () => refused('complete a file'),
  createLock: async () => refused('take the lock'),
  renewLock: async () => refused('renew the lock'),
  releaseLock: async () => refused('release the lock'),
  setLock: () => undefined,
  listBackupFiles: () => refused('list a record'),
  completeRecord: async () => refused('complete a record'),
};
