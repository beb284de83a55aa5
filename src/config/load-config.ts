import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from './config-error.js';
import { findConfigFile, loadConfigFile, type ConfigFile } from './config-file.js';
import type { ConfigKey, ConfigSource, ConfigValues, ResolvedConfig } from './config-types.js';
import { CONFIG_KEYS, CONFIG_SCHEMA, defaultValue } from './schema.js';
import { unknownEnvWarnings, unknownKeyMessage } from './unknown-key.js';
import { envName, flagName, kebab, originLabel, type ValueOrigin } from './value-origin.js';
import { homeOf, parseValue } from './value-parsers.js';

/** Inputs of loadConfig; nothing is read from process.env or process.cwd() behind the caller's back. */
export interface LoadConfigOptions {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Flags as commander gives them (camelCase keys); undefined = not given. Keys not in the schema are ignored. */
  flags?: Readonly<Record<string, unknown>>;
  /** --config FILE: load exactly this file instead of searching. */
  configPath?: string;
  /** Where the upward search for a config file stops; default the home folder. */
  stopDir?: string;
  /** Read no config file at all: defaults, environment and flags only (`config init`). */
  ignoreConfigFile?: boolean;
}

const SECRET_KEYS: readonly ConfigKey[] = CONFIG_KEYS.filter((k) => CONFIG_SCHEMA[k].kind === 'secret');

/**
 * Resolves the configuration: defaults, then the config file, then KOODRIVE_* variables, then
 * flags (later wins). Throws ConfigError naming the key, its source and the fix.
 */
export async function loadConfig(opts: LoadConfigOptions): Promise<ResolvedConfig> {
  const { cwd, env, flags = {} } = opts;
  const home = homeOf(env);
  const file = await readFile(opts, home);
  if (file) {
    const unknown = Object.keys(file.values).find((k) => !(k in CONFIG_SCHEMA));
    if (unknown !== undefined) throw new ConfigError(unknownKeyMessage(unknown, file.path), unknown, file.path);
  }
  const values: Record<string, unknown> = {};
  const provenance: Record<string, ConfigSource> = {};
  const origins: Record<string, ValueOrigin> = {};
  for (const key of CONFIG_KEYS) {
    const spec = CONFIG_SCHEMA[key];
    const layers: [ValueOrigin, unknown, string][] = [];
    if (file) layers.push([{ type: 'file', path: file.path }, file.values[key], path.dirname(file.path)]);
    const fromEnv = env[envName(key)];
    if (fromEnv !== '') layers.push([{ type: 'env', name: envName(key) }, fromEnv, cwd]);
    const fromFlag = flags[key];
    const flag = spec.kind === 'bool' && fromFlag === false ? `--no-${kebab(key)}` : flagName(key);
    layers.push([{ type: 'flag', name: flag }, fromFlag, cwd]);
    values[key] = defaultValue(key, { env });
    provenance[key] = 'default';
    origins[key] = { type: 'default' };
    for (const [origin, raw, baseDir] of layers) {
      // null: YAML "key:" with nothing after it, which reads as "not set".
      if (raw === undefined || raw === null) continue;
      values[key] = parseValue(spec, raw, { key, origin, baseDir, home });
      provenance[key] = sourceOf(origin);
      origins[key] = origin;
    }
  }
  const typed = values as unknown as ConfigValues;
  checkSizeBounds(typed, origins);
  const warnings = [...unknownEnvWarnings(env), ...(await secretWarnings(origins))];
  return Object.freeze({
    ...typed,
    include: Object.freeze([...typed.include]),
    exclude: Object.freeze([...typed.exclude]),
    excludeFrom: Object.freeze([...typed.excludeFrom]),
    excludeIfPresent: Object.freeze([...typed.excludeIfPresent]),
    provenance: Object.freeze(provenance as Record<ConfigKey, ConfigSource>),
    configFile: file?.path,
    warnings: Object.freeze(warnings),
  });
}

async function readFile(opts: LoadConfigOptions, home: string): Promise<ConfigFile | undefined> {
  if (opts.ignoreConfigFile) return undefined;
  if (opts.configPath !== undefined) return loadConfigFile(opts.configPath, opts.cwd, '--config');
  const fromEnv = opts.env.KOODRIVE_CONFIG;
  if (fromEnv) return loadConfigFile(fromEnv, opts.cwd, 'KOODRIVE_CONFIG');
  return findConfigFile(opts.cwd, opts.stopDir ?? home, home);
}

function sourceOf(origin: ValueOrigin): ConfigSource {
  switch (origin.type) {
    case 'default':
      return 'default';
    case 'file':
      return `file:${origin.path}`;
    case 'env':
      return `env:${origin.name}`;
    case 'flag':
      return `flag:${origin.name}` as ConfigSource;
  }
}

function checkSizeBounds(values: ConfigValues, origins: Record<string, ValueOrigin>): void {
  if (values.minSize !== undefined && values.maxSize !== undefined && values.minSize > values.maxSize) {
    const min = originLabel(origins.minSize!);
    const max = originLabel(origins.maxSize!);
    throw new ConfigError(
      `minSize from ${min} (${values.minSize} bytes) is larger than maxSize from ${max} ` +
        `(${values.maxSize} bytes), so no file would be kept; lower minSize or raise maxSize`,
      'minSize',
      min,
    );
  }
}

/** Secrets on the command line or in a file others can read: allowed, but the user should know. */
async function secretWarnings(origins: Record<string, ValueOrigin>): Promise<string[]> {
  const warnings: string[] = [];
  for (const key of SECRET_KEYS) {
    const origin = origins[key]!;
    if (origin.type === 'flag') {
      warnings.push(
        `${key} was given with ${origin.name}, where other users of this machine can see it in the process ` +
          `list; use ${envName(key)} instead`,
      );
    }
    if (origin.type === 'file') {
      const mode = await stat(origin.path).then(
        (s) => s.mode,
        () => 0,
      );
      if ((mode & 0o077) !== 0)
        warnings.push(
          `config file ${origin.path} holds ${key} and other users may read it; run chmod 600 ${origin.path}`,
        );
    }
  }
  return warnings;
}
