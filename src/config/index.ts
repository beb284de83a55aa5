/** The configuration's public surface. */
export { loadConfig, type LoadConfigOptions } from './load-config.js';
export { scanOptionsOf } from './scan-options-of.js';
export {
  renderConfigShow,
  renderConfigTemplate,
  renderConfigDocsTable,
  type TemplateOptions,
} from './render-config.js';
export { ConfigError } from './config-error.js';
export { CONFIG_SCHEMA, CONFIG_KEYS, type KeySpec } from './schema.js';
export { SEARCH_PLACES } from './config-file.js';
export { envName, flagName } from './value-origin.js';
export type { ConfigKey, ConfigSource, ConfigValues, ResolvedConfig } from './config-types.js';
