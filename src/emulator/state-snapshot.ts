/**
 * state.json: the whole emulator state as one JSON document, laid out one record or file per line
 * so that it is written and read a line at a time (a million files never become one string).
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import type { EmulatorState } from './state.js';
import { textLines } from './text-lines.js';

/** The state as JSON text, piece by piece; `logGen` names the change log that continues it. */
function* snapshotText(state: EmulatorState, logGen: number): Generator<string> {
  const { records, files, ...rest } = state;
  yield `${JSON.stringify({ ...rest, logGen }).slice(0, -1)},\n"records":{`;
  let sep = '\n';
  for (const id in records) {
    yield `${sep}${JSON.stringify(id)}:${JSON.stringify(records[id])}`;
    sep = ',\n';
  }
  yield '\n},\n"files":{';
  sep = '\n';
  for (const id in files) {
    yield `${sep}${JSON.stringify(id)}:${JSON.stringify(files[id])}`;
    sep = ',\n';
  }
  yield '\n}}\n';
}

/**
 * Writes the snapshot to a temp file (0600), syncs it, runs `beforeRename` (the caller logs what
 * changed meanwhile) and renames it over `path`: a crash leaves the old snapshot or the new one.
 * Returns the bytes written.
 */
export async function writeSnapshot(
  path: string,
  state: EmulatorState,
  logGen: number,
  beforeRename: () => Promise<void>,
): Promise<number> {
  const tmp = `${path}.tmp-${process.pid}-${logGen}`;
  const handle = await open(tmp, 'w', 0o600);
  let bytes = 0;
  try {
    let chunk = '';
    for (const piece of snapshotText(state, logGen)) {
      chunk += piece;
      if (chunk.length >= 256 * 1024) {
        bytes += (await handle.write(chunk)).bytesWritten;
        chunk = '';
      }
    }
    bytes += (await handle.write(chunk)).bytesWritten;
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await beforeRename();
  await rename(tmp, path);
  return bytes;
}

export interface Snapshot {
  state: EmulatorState;
  /** The first change log that applies on top (0 for a state.json written before logs existed). */
  logGen: number;
}

type Section = 'head' | 'records' | 'files' | 'end';

/**
 * Reads state.json, or undefined when there is none. A file in the line layout above is parsed a
 * line at a time; any other JSON (an older emulator's, or one edited by hand) is parsed whole.
 */
export async function readSnapshot(path: string): Promise<Snapshot | undefined> {
  try {
    const state = await parseLines(textLines(path));
    if (state) return toSnapshot(state);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (!(err instanceof SyntaxError)) throw err;
  }
  return toSnapshot(JSON.parse(await readFile(path, 'utf8')) as EmulatorState & { logGen?: number });
}

function toSnapshot(raw: EmulatorState & { logGen?: number }): Snapshot {
  const { logGen, ...state } = raw;
  return { state, logGen: typeof logGen === 'number' && Number.isSafeInteger(logGen) && logGen >= 0 ? logGen : 0 };
}

/** Parses the line layout; undefined (or a SyntaxError) when the text is laid out otherwise. */
async function parseLines(lines: AsyncIterable<string>): Promise<(EmulatorState & { logGen?: number }) | undefined> {
  let section: Section = 'head';
  let state: (EmulatorState & { logGen?: number }) | undefined;
  for await (const line of lines) {
    if (section === 'head') {
      if (!line.endsWith(',')) return undefined;
      state = JSON.parse(`${line.slice(0, -1)}}`) as EmulatorState & { logGen?: number };
      state.records = {};
      state.files = {};
      section = 'records';
      continue;
    }
    if (line === '"records":{' && section === 'records' && Object.keys(state!.records).length === 0) continue;
    if (line === '},') {
      section = 'files';
      continue;
    }
    if (line === '"files":{' && section === 'files') continue;
    if (line === '}}') {
      section = 'end';
      continue;
    }
    if (section === 'end') {
      if (line.trim() !== '') return undefined;
      continue;
    }
    const [id, value] = entryOf(line.endsWith(',') ? line.slice(0, -1) : line);
    (section === 'records' ? state!.records : state!.files)[id] = value as never;
  }
  return section === 'end' ? state : undefined;
}

/**
 * One `"id":{…}` line. Ids are plain (digits, base64url), so the value is parsed alone: wrapping
 * the line in braces would make an object with a new key shape per line, a third slower.
 */
function entryOf(line: string): [string, unknown] {
  const colon = line.indexOf('":');
  const id = line.slice(1, colon);
  if (id === '__proto__') throw new SyntaxError('__proto__ is not an id'); // read whole instead
  if (line[0] !== '"' || colon < 0 || /["\\]/.test(id)) {
    const wrapped = JSON.parse(`{${line}}`) as Record<string, unknown>;
    const [only] = Object.entries(wrapped);
    if (!only || Object.keys(wrapped).length !== 1) throw new SyntaxError('not one "id":value entry');
    return only;
  }
  return [id, JSON.parse(line.slice(colon + 2))];
}
