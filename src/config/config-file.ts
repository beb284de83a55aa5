import { stripVTControlCharacters } from 'node:util';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { cosmiconfig, type CosmiconfigResult } from 'cosmiconfig';
import { ConfigError } from './config-error.js';

/** Where a config file may live in each folder searched (cosmiconfig module name "koodrive"). */
export const SEARCH_PLACES: readonly string[] = [
  'package.json',
  '.koodriverc',
  '.koodriverc.json',
  '.koodriverc.yaml',
  '.koodriverc.yml',
  '.koodriverc.js',
  '.koodriverc.cjs',
  '.koodriverc.mjs',
  '.config/koodriverc',
  '.config/koodriverc.json',
  '.config/koodriverc.yaml',
  '.config/koodriverc.yml',
  'koodrive.config.js',
  'koodrive.config.cjs',
  'koodrive.config.mjs',
];

/** Extensions cosmiconfig has a loader for ('' = no extension: YAML or JSON). */
export const READABLE_EXTENSIONS: readonly string[] = ['', '.yaml', '.yml', '.json', '.js', '.cjs', '.mjs'];

/** A config file's path and the mapping it holds. */
export interface ConfigFile {
  path: string;
  values: Readonly<Record<string, unknown>>;
}

// searchStrategy 'none' searches one folder; we walk the folders ourselves so the stop folder and
// the home folder come from the injected environment, not from the process.
// Created on first use: cosmiconfig() reads its own meta-config from the process's folder.
let explorerInstance: ReturnType<typeof cosmiconfig> | undefined;
const explorer = () =>
  (explorerInstance ??= cosmiconfig('koodrive', {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'none',
    cache: false,
  }));

/**
 * Searches cwd and each folder above it, up to stopDir (or the filesystem root), then the home
 * folder if it was not on the way; the first config file found wins.
 */
export async function findConfigFile(cwd: string, stopDir: string, home: string): Promise<ConfigFile | undefined> {
  const folders: string[] = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    folders.push(dir);
    if (dir === path.resolve(stopDir) || path.dirname(dir) === dir) break;
  }
  if (!folders.includes(path.resolve(home))) folders.push(path.resolve(home));
  for (const dir of folders) {
    const found = await guard(dir, () => explorer().search(dir));
    if (found) return toConfigFile(found);
  }
  return undefined;
}

/** Loads exactly this file (--config FILE); a missing file is an error, not a silent default. */
export async function loadConfigFile(file: string, cwd: string, via: string): Promise<ConfigFile> {
  const abs = path.resolve(cwd, file);
  try {
    if (!(await stat(abs)).isFile())
      throw new ConfigError(`config file ${file} given with ${via} is not a file; give the path of a .koodriverc`);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`config file ${file} given with ${via} does not exist; check the path`);
  }
  const extension = path.extname(abs).toLowerCase();
  if (!READABLE_EXTENSIONS.includes(extension)) {
    throw new ConfigError(
      `config file ${file} given with ${via} has the extension "${extension}", which koodrive-backup cannot read; ` +
        `rename it to .yaml, .yml, .json, .js, .cjs or .mjs, or to a name without extension (read as YAML ` +
        `or JSON)`,
    );
  }
  const found = await guard(abs, () => explorer().load(abs));
  return found ? toConfigFile(found) : { path: abs, values: {} };
}

function toConfigFile(found: NonNullable<CosmiconfigResult>): ConfigFile {
  const values: unknown = found.config;
  if (found.isEmpty || values === undefined || values === null) return { path: found.filepath, values: {} };
  if (typeof values !== 'object' || Array.isArray(values)) {
    throw new ConfigError(
      `config file ${found.filepath} must hold a mapping of keys to values (e.g. concurrency: 8), not ` +
        `${Array.isArray(values) ? 'a list' : typeof values}`,
    );
  }
  return { path: found.filepath, values: values as Record<string, unknown> };
}

/** Turns a parse error (YAML, JSON, a throwing .js file) into a one-line ConfigError naming the file. */
async function guard(where: string, load: () => Promise<CosmiconfigResult>): Promise<CosmiconfigResult> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const file = (err as { filepath?: string }).filepath ?? where;
    throw new ConfigError(
      `config file ${file} cannot be read: ${parseReason(String((err as Error).message ?? err))}; fix its syntax`,
    );
  }
}

/**
 * The reason of a parser's message without its code frame or quoted text: those echo the file's
 * lines, and the file may hold a token.
 */
export function parseReason(message: string): string {
  // Parsers colour their code frame when they think a terminal (or CI) is watching.
  const lines = stripVTControlCharacters(message)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const reason = lines.find(
    (l) => !/^(JSON|YAML) Error in /.test(l) && !/^>?\s*\d+\s*\|/.test(l) && !/^[|\-^\s]+$/.test(l),
  );
  if (reason === undefined) return 'syntax error';
  // Quoted text may be a piece of the file: keep the words before it only.
  const cut = reason.replace(/\s*while parsing .*$/, '').replace(/\s*["'`].*$/, ' …');
  return cut.trim() === '…' ? 'syntax error' : cut;
}
