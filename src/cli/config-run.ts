import { randomBytes } from 'node:crypto';
import { access, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  ConfigError,
  CONFIG_KEYS,
  CONFIG_SCHEMA,
  loadConfig,
  renderConfigShow,
  renderConfigTemplate,
  type ConfigKey,
  type ConfigValues,
  type ResolvedConfig,
} from '../config/index.js';
import { EXIT } from './exit-codes.js';
import { describeHashEngine } from '../hash/backends.js';
import { readFileSync } from 'node:fs';
import type { EffectiveValue } from '../config/render-config.js';
import { isInteractive, targetSettingsOf } from './api-session.js';
import { usesEmbeddedEmulator } from './target.js';
import { InterruptedError } from './interrupts.js';
import type { CliIo } from './io.js';
import { createPrompter, type Prompter } from './prompt.js';
import { runReporting } from './report-failure.js';
import { UsageError } from './usage-error.js';

/** `config show`: every resolved value (secrets as ***) and where it came from. */
export function runConfigShow(flags: Record<string, unknown>, io: CliIo): Promise<number> {
  return runReporting(io, flags, async () => {
    // Warnings are part of what show prints, so they are not written to stderr as well.
    const config = await loadConfig({
      cwd: io.cwd,
      env: io.env,
      flags,
      ...(typeof flags.config === 'string' ? { configPath: flags.config } : {}),
    });
    const effective = effectiveValues(config, flags.emulator === true, io);
    const hashEngine = describeHashEngine('auto'); // not a config key, but what decides hashing speed here
    if (flags.json !== true) {
      io.stdout.write(`${renderConfigShow(config, effective)}\nhash engine: ${hashEngine}\n`);
      return EXIT.OK;
    }
    // Secret values serialise as "***" (Secret.toJSON).
    const values = Object.fromEntries(
      CONFIG_KEYS.map((key) => [key, { value: config[key] ?? null, source: config.provenance[key] }]),
    );
    io.stdout.write(
      JSON.stringify({
        configFile: config.configFile ?? null,
        values,
        effective,
        warnings: config.warnings,
        hashEngine,
      }) + '\n',
    );
    return EXIT.OK;
  });
}

/**
 * What an upload run would use where the configuration does not say it: the embedded emulator (with
 * --emulator, or nothing configured on a terminal) and the device id kept in the state folder.
 * Nothing is created: a missing device id is said to come with the first upload.
 */
export function effectiveValues(
  config: ResolvedConfig,
  emulator: boolean,
  io: CliIo,
): Partial<Record<ConfigKey, EffectiveValue>> {
  const out: Partial<Record<ConfigKey, EffectiveValue>> = {};
  const settings = targetSettingsOf(config, emulator, { env: io.env, interactive: isInteractive(io) });
  let embedded = false;
  try {
    embedded = usesEmbeddedEmulator(settings);
  } catch {
    // nothing configured outside a terminal: upload would refuse; the configured default stands
  }
  if (embedded) {
    const why = emulator ? 'flag:--emulator' : 'nothing configured, on a terminal: what upload uses';
    out.endpoint = { value: `embedded emulator (data in ${join(config.stateDir, 'emulator')})`, source: why };
  }
  if (config.provenance.deviceId === 'default') {
    const path = join(config.stateDir, 'device-id');
    let id = '';
    try {
      id = readFileSync(path, 'utf8').trim();
    } catch {
      // not made yet
    }
    out.deviceId = id
      ? { value: id, source: `state:${path}` }
      : { value: '(made by the first upload)', source: `state:${path}` };
  }
  return out;
}

interface Question {
  key: ConfigKey;
  text: (config: ResolvedConfig) => string;
  secret?: boolean;
  when?: (config: ResolvedConfig) => boolean;
}

// Only what a first connection needs; everything else stays commented in the template.
const QUESTIONS: readonly Question[] = [
  { key: 'endpoint', text: (c) => `KooDrive endpoint [${c.endpoint}]: ` },
  { key: 'auth', text: () => 'Authentication, token or app [token]: ' },
  { key: 'userId', text: () => 'KooDrive user id, sent as X-User-Id (Enter to leave it out): ' },
  {
    key: 'token',
    secret: true,
    when: (c) => c.auth === 'token',
    text: () => 'Access token (input hidden; Enter to leave it to KOODRIVE_TOKEN): ',
  },
  { key: 'appId', when: (c) => c.auth === 'app', text: () => 'AppId: ' },
  {
    key: 'appSecret',
    secret: true,
    when: (c) => c.auth === 'app',
    text: () => 'AppSecret (input hidden; Enter to leave it to KOODRIVE_APP_SECRET): ',
  },
];

/** Where a value written by `config init` came from, for the closing line. */
type Given = 'typed' | string;

/**
 * `config init [file]`: writes a commented .koodriverc holding the values given as flags or
 * KOODRIVE_* variables and, on a terminal, the ones typed at the prompts. Never replaces a file
 * without --force; mode 0600 when the file holds a secret.
 */
export function runConfigInit(
  file: string | undefined,
  flags: Record<string, unknown>,
  io: CliIo,
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<number> {
  return runReporting(io, flags, async () => {
    const target = resolve(io.cwd, file ?? '.koodriverc');
    // The config loader picks its parser by extension; the template is YAML.
    if (!['', '.yaml', '.yml'].includes(extname(target))) {
      throw new UsageError(
        `config init writes YAML, which ` +
          `${basename(target)} would not be read as; name the file .koodriverc, or use a .yaml or .yml extension`,
      );
    }
    const force = flags.force === true;
    if (!force && (await exists(target)))
      throw new UsageError(
        `${target} already exists; pass --force to replace it, or name another file (config init FILE)`,
      );
    const answers: Record<string, string> = {};
    const load = () =>
      loadConfig({ cwd: io.cwd, env: io.env, flags: { ...flags, ...answers }, ignoreConfigFile: true });
    let config = await load();
    if (flags.input !== false && stdin.isTTY === true) {
      const prompter = createPrompter(stdin, io.stderr, true);
      try {
        config = await askMissing(prompter, config, answers, load, io);
      } catch (err) {
        if (err instanceof InterruptedError) return EXIT.INTERRUPTED;
        throw err;
      } finally {
        prompter.close();
      }
    }
    // A secret typed at the hidden prompt travels as a flag internally, but was never on a command line.
    const typedFlagWarning = (w: string) =>
      Object.keys(answers).some((key) => w.startsWith(`${key} was given with --`));
    for (const warning of config.warnings.filter((w) => !typedFlagWarning(w)))
      io.stderr.write(`koodrive-backup: warning: ${warning}\n`);
    const values: Partial<Record<ConfigKey, unknown>> = {};
    const given: Array<[ConfigKey, Given]> = [];
    for (const key of CONFIG_KEYS) {
      const source = config.provenance[key];
      if (source === 'default') continue;
      values[key] = config[key];
      given.push([key, key in answers ? 'typed' : source.replace(/^(env|flag):/, '$1 ')]);
    }
    const holdsSecret = given.some(([key]) => CONFIG_SCHEMA[key].kind === 'secret');
    await writeConfigFile(
      target,
      renderConfigTemplate(values as Partial<ConfigValues>, { includeSecrets: true }),
      holdsSecret ? 0o600 : 0o644,
      force,
    );
    if (flags.quiet !== true) {
      const list =
        given.length > 0
          ? given.map(([key, from]) => `${key} (${from})`).join(', ')
          : 'no values (every key commented out)';
      io.stdout.write(`wrote ${target}${holdsSecret ? ' (mode 0600: it holds a secret)' : ''}: ${list}\n`);
    }
    return EXIT.OK;
  });
}

/** Asks for each missing value; an answer the config rejects is explained and asked again (3 tries). */
async function askMissing(
  prompter: Prompter,
  initial: ResolvedConfig,
  answers: Record<string, string>,
  load: () => Promise<ResolvedConfig>,
  io: CliIo,
): Promise<ResolvedConfig> {
  let config = initial;
  for (const question of QUESTIONS) {
    if (config.provenance[question.key] !== 'default' || (question.when && !question.when(config))) continue;
    for (let attempt = 1; ; attempt++) {
      const answer = await prompter.ask(question.text(config), { secret: question.secret === true });
      if (answer === '') break;
      answers[question.key] = answer;
      try {
        config = await load();
        break;
      } catch (err) {
        delete answers[question.key];
        if (!(err instanceof ConfigError) || attempt >= 3) throw err;
        // The message names the value's origin as a flag; say it in the prompt's words instead.
        io.stderr.write(`  ${err.message.replace(/ from --[a-z-]+/, '')}; try again\n`);
      }
    }
  }
  return config;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Writes the file with the given mode. Without force, 'wx' refuses an existing file even when one
 * appeared since the check; with force, a temp file renamed over the old one, so its mode is ours.
 */
async function writeConfigFile(target: string, text: string, mode: number, force: boolean): Promise<void> {
  if (!force) {
    await writeFile(target, text, { mode, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') throw new UsageError(`${target} already exists; pass --force to replace it`);
      throw err;
    });
    return;
  }
  const temp = join(dirname(target), `.koodriverc-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, text, { mode, flag: 'wx' });
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
