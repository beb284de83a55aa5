/** Strict checks of JSON body fields; each failure is a PARAMETER_INVALID naming the field. */
import { CODES } from './codes.js';
import type { WirePart } from './wire.js';
import { ApiError } from './reply.js';

export type JsonObject = Record<string, unknown>;

function invalid(message: string): ApiError {
  return new ApiError(CODES.PARAMETER_INVALID, message);
}

/** Parses a body as a JSON object; an empty body counts as {} when `emptyOk`. */
export function jsonObject(body: Buffer, contentType: string | undefined, emptyOk = false): JsonObject {
  if (body.length === 0) {
    if (emptyOk) return {};
    throw new ApiError(CODES.BAD_REQUEST, 'the request body is empty; send a JSON object');
  }
  if (contentType !== undefined && !/^application\/json\b/i.test(contentType)) {
    throw new ApiError(CODES.BAD_REQUEST, `Content-Type is "${contentType}"; send application/json`);
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError(CODES.BAD_REQUEST, 'the request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError(CODES.BAD_REQUEST, 'the request body must be a JSON object');
  }
  return value as JsonObject;
}

/** A mandatory non-empty string field. */
export function requiredString(obj: JsonObject, name: string): string {
  const value = obj[name];
  if (typeof value !== 'string' || value === '') throw invalid(`${name} is required and must be a non-empty string`);
  return value;
}

/** An optional string field (undefined when absent). */
export function optionalString(obj: JsonObject, name: string): string | undefined {
  const value = obj[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return value;
}

/** moduleCode 100 (folder), 101 (album) or 102 (address book). */
export function moduleCodeOf(value: unknown, where = 'moduleCode'): string {
  if (value !== '100' && value !== '101' && value !== '102') {
    throw invalid(`${where} must be "100", "101" or "102"`);
  }
  return value;
}

/** The `properties` string must hold JSON (reference §3.4). */
export function propertiesOf(obj: JsonObject): string | undefined {
  const properties = optionalString(obj, 'properties');
  if (properties === undefined) return undefined;
  try {
    JSON.parse(properties);
  } catch {
    throw invalid('properties must be a JSON-formatted string');
  }
  return properties;
}

/** The multiParts array, checked for shape (the layout rules are checked by multiPartsProblem). */
export function wirePartsOf(obj: JsonObject, max = 10_000): WirePart[] {
  const value = obj.multiParts;
  if (!Array.isArray(value)) throw invalid('multiParts is required and must be an array of parts');
  if (value.length > max) throw invalid(`multiParts has ${value.length} parts; at most ${max} are allowed`);
  return value.map((raw: unknown, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw invalid(`multiParts[${i}] must be an object`);
    const p = raw as JsonObject;
    for (const field of ['partNumber', 'partSize', 'partOffset'] as const) {
      if (typeof p[field] !== 'number' || !Number.isSafeInteger(p[field]))
        throw invalid(`multiParts[${i}].${field} must be an integer`);
    }
    const ctx = p.hashCtx ?? [];
    if (!Array.isArray(ctx)) throw invalid(`multiParts[${i}].hashCtx must be an array of 8 numbers (or [] for part 1)`);
    return {
      partNumber: p.partNumber as number,
      partSize: p.partSize as number,
      partOffset: p.partOffset as number,
      hashCtx: ctx as number[],
    };
  });
}

/** pageSize 1..100 and an optional cursor ≤ 1000 characters (reference §3.5, §3.10). */
export function pageOf(query: ReadonlyMap<string, string>): { pageSize: number; cursor?: string } {
  const text = query.get('pageSize');
  if (text === undefined) throw invalid('pageSize is required (1..100)');
  if (!/^\d+$/.test(text) || +text < 1 || +text > 100) throw invalid(`pageSize ${text} is not an integer in 1..100`);
  const cursor = query.get('cursor');
  if (cursor !== undefined && cursor.length > 1000) throw invalid('cursor is longer than 1000 characters');
  return cursor ? { pageSize: +text, cursor } : { pageSize: +text };
}

/** Cursors are "c<index>"; anything else is refused. */
export function cursorIndex(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const m = /^c(\d{1,9})$/.exec(cursor);
  if (!m) throw invalid('cursor is not one this server issued; pass nextCursor from the previous page');
  return +m[1]!;
}
