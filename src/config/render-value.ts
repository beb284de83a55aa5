import { formatBytes } from '../util/size.js';
import { Secret } from '../util/secret.js';
import { formatDuration } from './duration-text.js';
import type { ValueKind } from './value-parsers.js';

/** A resolved value as `config show` prints it; secrets always as "***". */
export function showValue(kind: ValueKind, value: unknown): string {
  if (value === undefined) return '(not set)';
  if (value instanceof Secret) return '***';
  switch (kind) {
    case 'size':
      return `${value} (${formatBytes(value as number)})`;
    case 'part-size':
      return value === 'auto' ? 'auto' : `${value} (${formatBytes(value as number)})`;
    case 'rate':
      return `${formatBytes(value as number)}/s`;
    case 'duration':
    case 'signed-duration':
      return formatDuration(value as number);
    case 'list':
    case 'path-list':
      return (value as readonly string[]).length === 0 ? '[]' : JSON.stringify(value);
    default:
      return String(value);
  }
}

/** A value as YAML text for the template (JSON scalars and flow lists are valid YAML). */
export function yamlValue(kind: ValueKind, value: unknown): string {
  if (value instanceof Secret) return JSON.stringify(value.reveal());
  switch (kind) {
    case 'duration':
    case 'signed-duration':
      return JSON.stringify(formatDuration(value as number));
    case 'rate':
      return JSON.stringify(`${value}B/s`); // a bare number would read as KiB/s
    default:
      return JSON.stringify(value);
  }
}
