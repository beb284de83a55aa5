import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseReason } from '../../src/config/config-file.js';
import { loadConfig } from '../../src/config/load-config.js';

let home: string;
beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'kd-config-valid-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function failure(run: () => Promise<unknown>): Promise<ConfigError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('validation messages from the environment', () => {
  const table: [string, string, string][] = [
    [
      'KOODRIVE_CONCURRENCY',
      'abc',
      'concurrency from KOODRIVE_CONCURRENCY must be a whole number from 1 to 64, got "abc"',
    ],
    [
      'KOODRIVE_CONCURRENCY',
      '65',
      'concurrency from KOODRIVE_CONCURRENCY must be a whole number from 1 to 64, got "65"',
    ],
    [
      'KOODRIVE_FILE_CONCURRENCY',
      '1.5',
      'fileConcurrency from KOODRIVE_FILE_CONCURRENCY must be a whole number from 1 to 64, got "1.5"',
    ],
    [
      'KOODRIVE_HASH_WORKERS',
      '0',
      'hashWorkers from KOODRIVE_HASH_WORKERS must be a whole number from 1 to 64, got "0"',
    ],
    ['KOODRIVE_RETRIES', '-1', 'retries from KOODRIVE_RETRIES must be a whole number from 0 to 100, got "-1"'],
    [
      'KOODRIVE_ENDPOINT',
      'ftp://example.com',
      'endpoint from KOODRIVE_ENDPOINT must be an http(s) URL such as ' +
        'https://intl.myhuaweicloud-koodrive.com, got "ftp://example.com"',
    ],
    [
      'KOODRIVE_ENDPOINT',
      'not a url',
      'endpoint from KOODRIVE_ENDPOINT must be an http(s) URL such as ' +
        'https://intl.myhuaweicloud-koodrive.com, got "not a url"',
    ],
    ['KOODRIVE_AUTH', 'oauth', 'auth from KOODRIVE_AUTH must be one of token, app, got "oauth"'],
    [
      'KOODRIVE_PROOF_SEED',
      'token',
      'proofSeed from KOODRIVE_PROOF_SEED must be one of userId, authorization, authorizationBareToken, got "token"',
    ],
    [
      'KOODRIVE_ON_CONFLICT',
      'overwrite',
      'onConflict from KOODRIVE_ON_CONFLICT must be one of rename, fail, skip-identical, got "overwrite"',
    ],
    [
      'KOODRIVE_BARE_TOKEN',
      'maybe',
      'bareToken from KOODRIVE_BARE_TOKEN must be true or false (also yes/no, on/off, 1/0), got "maybe"',
    ],
    [
      'KOODRIVE_PART_SIZE',
      '100',
      'partSize from KOODRIVE_PART_SIZE must be auto or a size from 5MiB to 5GiB in steps of 64 bytes, got ' +
        '"100" (part size 100 is below the 5 MiB minimum)',
    ],
    [
      'KOODRIVE_PART_SIZE',
      '6GiB',
      'partSize from KOODRIVE_PART_SIZE must be auto or a size from 5MiB to 5GiB in steps of 64 bytes, got ' +
        '"6GiB" (part size 6442450944 is above the 5 GiB maximum)',
    ],
    [
      'KOODRIVE_PART_SIZE',
      '5000001',
      'partSize from KOODRIVE_PART_SIZE must be auto or a size from 5MiB to 5GiB in steps of 64 bytes, got ' +
        '"5000001" (part size 5000001 is below the 5 MiB minimum)',
    ],
    [
      'KOODRIVE_PART_SIZE',
      'huge',
      'partSize from KOODRIVE_PART_SIZE must be auto or a size from 5MiB to 5GiB in steps of 64 bytes, got "huge"',
    ],
    [
      'KOODRIVE_MAX_SIZE',
      '10 parsecs',
      'maxSize from KOODRIVE_MAX_SIZE must be a size such as 10MiB, 500MB or a number of bytes, got "10 parsecs"',
    ],
    [
      'KOODRIVE_BWLIMIT',
      'fast',
      'bwlimit from KOODRIVE_BWLIMIT must be a rate such as 20MiB/s or 500KiB/s (a bare number is KiB/s), ' +
        'or 0 for no limit, got "fast"',
    ],
    [
      'KOODRIVE_TIMEOUT',
      '0s',
      'timeout from KOODRIVE_TIMEOUT must be a duration such as 30s, 5m or 1h from 1s to 1h, got "0s"',
    ],
    [
      'KOODRIVE_TIMEOUT',
      'soon',
      'timeout from KOODRIVE_TIMEOUT must be a duration such as 30s, 5m or 1h from 1s to 1h, got "soon"',
    ],
    [
      'KOODRIVE_LOCK_RENEW_INTERVAL',
      '10m',
      'lockRenewInterval from KOODRIVE_LOCK_RENEW_INTERVAL must be a duration such as 30s, 5m or 1h from ' +
        '10s to 9m, got "10m"',
    ],
    [
      'KOODRIVE_WAIT_LOCK',
      '-5s',
      'waitLock from KOODRIVE_WAIT_LOCK must be a duration such as 30s, 5m or 1h from 0s to 24h, got "-5s"',
    ],
    [
      'KOODRIVE_CLOCK_SKEW',
      '2h',
      'clockSkew from KOODRIVE_CLOCK_SKEW must be a duration such as 30s or -2m from -1h to 1h, got "2h"',
    ],
  ];
  it.each(table)('%s=%j', async (name, value, message) => {
    const err = await failure(() => loadConfig({ cwd: home, env: { HOME: home, [name]: value } }));
    expect(err.message).toBe(message);
    expect(err.source).toBe(name);
  });
});

describe('validation messages from flags and files', () => {
  it('names the flag', async () => {
    const err = await failure(() => loadConfig({ cwd: home, env: { HOME: home }, flags: { concurrency: '0' } }));
    expect(err.message).toBe('concurrency from --concurrency must be a whole number from 1 to 64, got "0"');
    expect(err.key).toBe('concurrency');
  });

  const fileTable: [string, string][] = [
    ['retries: 101\n', 'retries from FILE must be a whole number from 0 to 100, got 101'],
    [
      'userId: 1505084218764547200\n',
      'userId from FILE must be a string in quotes (a bare number can lose digits), got 1505084218764547000',
    ],
    ['token: ""\n', 'token from FILE must be a non-empty string'],
    ['include: 5\n', 'include from FILE must be a list of non-empty strings, got 5'],
    ['exclude: ["ok", ""]\n', 'exclude from FILE must be a list of non-empty strings, got ["ok",""]'],
    ['stateDir: ["a"]\n', 'stateDir from FILE must be a path, got ["a"]'],
    ['timeout: -3\n', 'timeout from FILE must be a duration such as 30s, 5m or 1h from 1s to 1h, got -3'],
    ['resume: "perhaps"\n', 'resume from FILE must be true or false (also yes/no, on/off, 1/0), got "perhaps"'],
    ['concurency: 4\n', 'unknown key "concurency" in config file FILE; did you mean "concurrency"?'],
    ['user_id: "1"\n', 'unknown key "user_id" in config file FILE; did you mean "userId"?'],
    ['colour: blue\n', 'unknown key "colour" in config file FILE; see docs/configuration.md for the keys'],
    ['- a\n- b\n', 'config file FILE must hold a mapping of keys to values (e.g. concurrency: 8), not a list'],
    [
      'minSize: 10MiB\nmaxSize: 1MiB\n',
      'minSize from FILE (10485760 bytes) is larger than maxSize from FILE (1048576 bytes), so no file ' +
        'would be kept; lower minSize or raise maxSize',
    ],
  ];
  it.each(fileTable)('file %j', async (text, message) => {
    const file = path.join(home, 'case.yml');
    writeFileSync(file, text);
    const err = await failure(() => loadConfig({ cwd: home, env: { HOME: home }, configPath: file }));
    expect(err.message).toBe(message.replaceAll('FILE', file));
  });

  it('reports a syntax error without echoing the file (it may hold a token)', async () => {
    const dir = path.join(home, 'syntax');
    mkdirSync(dir, { recursive: true });
    const json = path.join(dir, '.koodriverc.json');
    writeFileSync(json, '{"token": "tok-SECRET-123", bad}');
    const err = await failure(() => loadConfig({ cwd: dir, env: { HOME: dir } }));
    // The parser's wording varies with the Node version; what matters is the file, the reason, and no token.
    expect(err.message).toMatch(/^config file \S+\.koodriverc\.json cannot be read: [^\n]*JSON[^\n]*; fix its syntax$/);
    expect(err.message).not.toContain('SECRET');
    const yaml = path.join(dir, 'bad.yaml');
    writeFileSync(yaml, 'token: tok-SECRET-123\n  bad: [\n');
    const err2 = await failure(() => loadConfig({ cwd: dir, env: { HOME: dir }, configPath: yaml }));
    expect(err2.message).toBe(
      `config file ${yaml} cannot be read: bad indentation of a mapping entry (2:6); fix its syntax`,
    );
    expect(err2.message).not.toContain('SECRET');
    expect(parseReason(`Unexpected token 'x', "{"token": "tok-SECRET-123" x"... is not valid JSON`)).not.toContain(
      'SECRET',
    );
  });

  it('refuses a --config file that does not exist, and one that is a folder', async () => {
    const err = await failure(() => loadConfig({ cwd: home, env: { HOME: home }, configPath: './missing.yml' }));
    expect(err.message).toBe('config file ./missing.yml given with --config does not exist; check the path');
    const err2 = await failure(() => loadConfig({ cwd: home, env: { HOME: home, KOODRIVE_CONFIG: '.' } }));
    expect(err2.message).toBe('config file . given with KOODRIVE_CONFIG is not a file; give the path of a .koodriverc');
  });

  it('never puts a secret value into a message', async () => {
    const err = await failure(() => loadConfig({ cwd: home, env: { HOME: home, KOODRIVE_TOKEN: ' ' } }));
    expect(err.message).toBe('token from KOODRIVE_TOKEN must be a non-empty string');
  });
});
