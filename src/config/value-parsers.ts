import os from 'node:os';
import path from 'node:path';
import { partSizeProblem } from '../hash/part-rules.js';
import { parseRate, parseSize } from '../util/size.js';
import { Secret } from '../util/secret.js';
import { ConfigError } from './config-error.js';
import { formatDuration, parseSignedDuration } from './duration-text.js';
import { originLabel, type ValueOrigin } from './value-origin.js';

export type ValueKind =
  | 'string'
  | 'url'
  | 'secret'
  | 'bool'
  | 'int'
  | 'size'
  | 'part-size'
  | 'rate'
  | 'duration'
  | 'signed-duration'
  | 'list'
  | 'path'
  | 'path-list'
  | 'enum';

/** How a key's raw value is read and checked. */
export interface ValueRule {
  kind: ValueKind;
  /** enum: the allowed values. */
  values?: readonly string[];
  /** int: inclusive bounds; durations: inclusive bounds in ms. */
  min?: number;
  max?: number;
}

/** What a parser needs besides the raw value: names for the message, folders for relative paths. */
export interface ParseContext {
  key: string;
  origin: ValueOrigin;
  /** Relative paths resolve here: the config file's folder, else the working directory. */
  baseDir: string;
  home: string;
}

/** Parses and checks one raw value (string from env/flags, any JSON/YAML value from a file). */
export function parseValue(rule: ValueRule, raw: unknown, ctx: ParseContext): unknown {
  const fail = (expected: string, detail?: string): never => {
    const got = rule.kind === 'secret' ? '' : `, got ${shown(raw)}`;
    const more = detail ? ` (${detail})` : '';
    throw new ConfigError(
      `${ctx.key} from ${originLabel(ctx.origin)} must be ${expected}${got}${more}`,
      ctx.key,
      originLabel(ctx.origin),
    );
  };
  switch (rule.kind) {
    case 'string':
      if (typeof raw === 'number') fail('a string in quotes (a bare number can lose digits)');
      if (typeof raw !== 'string' || raw.trim() === '') fail('a non-empty string');
      return (raw as string).trim();
    case 'secret':
      if (raw instanceof Secret && !raw.isEmpty) return raw;
      if (typeof raw !== 'string' || raw.trim() === '') fail('a non-empty string');
      return new Secret((raw as string).trim());
    case 'url':
      return parseUrl(raw) ?? fail('an http(s) URL such as https://intl.myhuaweicloud-koodrive.com');
    case 'enum':
      if (typeof raw !== 'string' || !rule.values?.includes(raw)) fail(`one of ${rule.values?.join(', ')}`);
      return raw;
    case 'bool':
      return parseBool(raw) ?? fail('true or false (also yes/no, on/off, 1/0)');
    case 'int': {
      const n =
        typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\+?\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < (rule.min ?? 0) || n > (rule.max ?? Number.MAX_SAFE_INTEGER)) {
        fail(`a whole number from ${rule.min ?? 0} to ${rule.max ?? Number.MAX_SAFE_INTEGER}`);
      }
      return n;
    }
    case 'size':
      return bytesOf(raw) ?? fail('a size such as 10MiB, 500MB or a number of bytes');
    case 'part-size': {
      if (raw === 'auto') return 'auto';
      const expected = 'auto or a size from 5MiB to 5GiB in steps of 64 bytes';
      const bytes = bytesOf(raw) ?? fail(expected);
      const problem = partSizeProblem(bytes);
      return problem ? fail(expected, problem) : bytes;
    }
    case 'rate': {
      if (raw === 0 || (typeof raw === 'string' && /^\s*(0|off|unlimited)\s*$/i.test(raw))) return undefined;
      // A bare number is KiB/s, as in rclone and restic: `--bwlimit 10` means 10 KiB/s, not 10 B/s.
      const bare =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw)
            ? Number.parseFloat(raw)
            : undefined;
      const rate =
        bare !== undefined
          ? Number.isFinite(bare)
            ? Math.round(bare * 1024)
            : undefined
          : typeof raw === 'string'
            ? attempt(() => parseRate(raw))
            : undefined;
      return rate !== undefined && rate > 0
        ? rate
        : fail('a rate such as 20MiB/s or 500KiB/s (a bare number is KiB/s), or 0 for no limit');
    }
    case 'duration':
    case 'signed-duration': {
      const signed = rule.kind === 'signed-duration';
      const ms = durationOf(raw, signed);
      const min = rule.min ?? 0;
      const max = rule.max ?? Number.MAX_SAFE_INTEGER;
      const range = rule.max !== undefined ? ` from ${formatDuration(min)} to ${formatDuration(max)}` : '';
      if (ms === undefined || ms < min || ms > max)
        fail(`a duration such as ${signed ? '30s or -2m' : '30s, 5m or 1h'}${range}`);
      return ms;
    }
    case 'list':
    case 'path-list': {
      const items = listOf(raw, ctx.origin.type === 'env') ?? fail('a list of non-empty strings');
      return Object.freeze(rule.kind === 'path-list' ? items.map((p) => resolvePath(p, ctx)) : items);
    }
    case 'path':
      if (typeof raw !== 'string' || raw.trim() === '') fail('a path');
      return resolvePath((raw as string).trim(), ctx);
  }
}

function parseUrl(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const url = new URL(raw.trim());
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return url.toString().replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

function parseBool(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (raw === 1 || raw === 0) return raw === 1;
  if (typeof raw !== 'string') return undefined;
  const word = raw.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(word)) return true;
  if (['false', 'no', 'off', '0'].includes(word)) return false;
  return undefined;
}

function bytesOf(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
  return typeof raw === 'string' ? attempt(() => parseSize(raw)) : undefined;
}

/** A bare number in a file means seconds, as a bare number in a string does. */
function durationOf(raw: unknown, signed: boolean): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) && (signed || raw >= 0) ? Math.round(raw * 1000) : undefined;
  if (typeof raw !== 'string') return undefined;
  if (!signed && raw.trim().startsWith('-')) return undefined;
  return attempt(() => parseSignedDuration(raw));
}

/** A list; from the environment, one string split on commas outside braces ("*.{jpg,png},*.tmp"). */
function listOf(raw: unknown, fromEnv: boolean): string[] | undefined {
  const items = Array.isArray(raw)
    ? raw
    : typeof raw === 'string'
      ? fromEnv
        ? splitOutsideBraces(raw)
        : [raw]
      : undefined;
  if (!items || !items.every((i): i is string => typeof i === 'string' && i.trim() !== '')) return undefined;
  return items.map((i) => i.trim());
}

function splitOutsideBraces(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '{') depth++;
    if (ch === '}') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out.filter((s) => s.trim() !== '');
}

function resolvePath(p: string, ctx: ParseContext): string {
  const expanded = p === '~' ? ctx.home : p.startsWith('~/') ? path.join(ctx.home, p.slice(2)) : p;
  return path.resolve(ctx.baseDir, expanded);
}

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function shown(raw: unknown): string {
  const text =
    typeof raw === 'string'
      ? JSON.stringify(raw)
      : raw instanceof Secret
        ? '***'
        : (JSON.stringify(raw) ?? String(raw));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The home folder from the given environment (so tests and config stay hermetic). */
export function homeOf(env: Readonly<Record<string, string | undefined>>): string {
  return env.HOME && env.HOME !== '' ? env.HOME : os.homedir();
}
