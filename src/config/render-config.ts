import type { ConfigKey, ConfigValues, ResolvedConfig } from './config-types.js';
import { showValue, yamlValue } from './render-value.js';
import { CONFIG_KEYS, CONFIG_SCHEMA } from './schema.js';
import { envName, flagName } from './value-origin.js';

/** A value a run uses instead of the configured one (the embedded emulator, the state folder's device id). */
export interface EffectiveValue {
  value: string;
  source: string;
}

/**
 * The text of `config show`: every key, its value (secrets as ***), and where it came from;
 * `effective` replaces what a run would really use instead (see runConfigShow).
 */
export function renderConfigShow(
  config: ResolvedConfig,
  effective: Partial<Record<ConfigKey, EffectiveValue>> = {},
): string {
  const rows = CONFIG_KEYS.map((key) => {
    const used = effective[key];
    return used
      ? ([key, used.value, used.source] as const)
      : ([key, showValue(CONFIG_SCHEMA[key].kind, config[key]), config.provenance[key]] as const);
  });
  const keyWidth = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.min(48, Math.max(...rows.map((r) => r[1].length)));
  const lines = [
    'Configuration (later sources win: default < config file < KOODRIVE_* environment < flags)',
    `config file: ${config.configFile ?? '(none found)'}`,
    '',
    ...rows.map(([key, value, source]) => `${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  ${source}`),
  ];
  if (config.warnings.length > 0) lines.push('', ...config.warnings.map((w) => `warning: ${w}`));
  return `${lines.join('\n')}\n`;
}

/** Options of renderConfigTemplate. */
export interface TemplateOptions {
  /** Write secrets given in `values` into the file (for `config init` into a chmod-600 file); default false. */
  includeSecrets?: boolean;
}

/**
 * A commented .koodriverc in YAML (cosmiconfig reads .koodriverc as YAML or JSON): every key with
 * its description, env variable, flag and default; keys given in `values` are written out, the
 * rest stay commented.
 */
export function renderConfigTemplate(values: Partial<ConfigValues> = {}, options: TemplateOptions = {}): string {
  const out = [
    '# koodrive-backup configuration (YAML). Found as .koodriverc in the working folder or any folder',
    '# above it, or in the home folder; or named with --config FILE / KOODRIVE_CONFIG.',
    '# Precedence (later wins): defaults < this file < KOODRIVE_* environment < command-line flags.',
    '# Relative paths (stateDir, excludeFrom) are relative to this file. Durations: 30s, 5m, 1h;',
    '# sizes: 64MiB, 1GiB, 500MB or bytes. Reference: docs/configuration.md.',
  ];
  let group = '';
  for (const key of CONFIG_KEYS) {
    const spec = CONFIG_SCHEMA[key];
    if (spec.group !== group) {
      group = spec.group;
      out.push('', `# ---- ${group} ${'-'.repeat(Math.max(0, 86 - group.length))}`);
    }
    const given = values[key];
    const secret = spec.kind === 'secret';
    out.push(
      '',
      `# ${key}: ${spec.description}.`,
      `#   env ${envName(key)}, flag ${flagName(key)}; default: ${spec.defaultText}`,
    );
    if (given !== undefined && (!secret || options.includeSecrets)) out.push(`${key}: ${yamlValue(spec.kind, given)}`);
    else out.push(`# ${key}: ${spec.example ?? yamlValue(spec.kind, spec.default)}`);
  }
  return `${out.join('\n')}\n`;
}

/** The markdown table of every key for docs/configuration.md (kept in step with the schema by a test). */
export function renderConfigDocsTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = CONFIG_KEYS.map((key: ConfigKey) => {
    const spec = CONFIG_SCHEMA[key];
    const type = spec.kind === 'enum' ? spec.values!.map((v) => `\`${v}\``).join(' \\| ') : spec.kind;
    return (
      `| \`${key}\` | \`${envName(key)}\` | \`${flagName(key)}\` | ${type} | ${cell(spec.defaultText)} | ` +
      `${cell(spec.description)} |`
    );
  });
  return ['| key | environment | flag | type | default | description |', '|---|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}
