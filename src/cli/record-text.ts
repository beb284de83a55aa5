import type { BackupRecord } from '../koodrive/wire-types.js';
import { sanitizeText } from '../report/terminal-text.js';

const STATUS_WORDS: Readonly<Record<number, string>> = { 0: 'not completed', 1: 'completed', 2: 'to be deleted' };
const MODULE_WORDS: Readonly<Record<string, string>> = { '100': 'folder backup' };

/** A record's status in words (reference: 0 new, 1 completed, 2 to be deleted). */
export function recordStatusText(status: number): string {
  return STATUS_WORDS[status] ?? `status ${status}`;
}

/** The readable summary `records get` prints: one "label  value" line per known field. */
export function renderRecord(record: BackupRecord): string {
  const rows: Array<[string, string | undefined]> = [
    ['record', record.recordId],
    ['status', `${recordStatusText(record.status)} (${record.status})`],
    [
      'module',
      MODULE_WORDS[record.moduleCode] ? `${record.moduleCode} (${MODULE_WORDS[record.moduleCode]})` : record.moduleCode,
    ],
    ['created', record.createTime],
    ['ended', record.endTime],
    ['device', deviceText(record)],
    ['version', record.version === undefined ? undefined : String(record.version)],
    ['properties', record.properties],
  ];
  return rows
    .filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '')
    .map(([label, value]) => `${label.padEnd(10)}  ${sanitizeText(value)}\n`)
    .join('');
}

/**
 * One line per record for `records list`: id, status, creation time, device, and (like `restic
 * snapshots`) the host and backed-up paths that upload wrote into the record's properties.
 */
export function recordLine(record: BackupRecord): string {
  const made = madeBy(record);
  const where = made ? `  ${sanitizeText(made.host ?? '-')}  ${sanitizeText(made.roots.join(', '))}` : '';
  return (
    `${record.recordId}  ${recordStatusText(record.status).padEnd(13)}  ${record.createTime ?? '-'}  ` +
    `${sanitizeText(record.deviceInfo?.deviceId ?? '-')}${where}\n`
  );
}

/** Host and roots from properties written by koodrive-backup; undefined for records made otherwise. */
function madeBy(record: BackupRecord): { host?: string; roots: string[] } | undefined {
  try {
    const p = JSON.parse(record.properties ?? '') as { tool?: unknown; host?: unknown; roots?: unknown };
    if (p.tool !== 'koodrive-backup' || !Array.isArray(p.roots)) return undefined;
    return { ...(typeof p.host === 'string' ? { host: p.host } : {}), roots: p.roots.map(String) };
  } catch {
    return undefined;
  }
}

function deviceText(record: BackupRecord): string | undefined {
  const d = record.deviceInfo;
  if (!d) return undefined;
  const extra = [d.deviceName, d.deviceOS].filter((v) => v !== undefined && v !== '').join(', ');
  return extra ? `${d.deviceId} (${extra})` : d.deviceId;
}
