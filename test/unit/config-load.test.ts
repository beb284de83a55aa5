import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { AUTO_RENAME } from '../../src/backup/create-request.js';
import { loadConfig } from '../../src/config/load-config.js';
import { CONFIG_KEYS } from '../../src/config/schema.js';

let home: string;
let project: string;
let cwd: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'kd-config-'));
  project = path.join(home, 'project');
  cwd = path.join(project, 'sub', 'deeper');
  mkdirSync(cwd, { recursive: true });
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const write = (file: string, text: string) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text, { mode: 0o600 });
};

describe('loadConfig: defaults', () => {
  it('gives every key its default, with provenance "default", frozen', async () => {
    const config = await loadConfig({ cwd, env: { HOME: home } });
    expect(config).toMatchObject({
      endpoint: 'https://intl.myhuaweicloud-koodrive.com',
      auth: 'token',
      token: undefined,
      bareToken: false,
      proofSeed: 'userId',
      parentFolder: 'root',
      stateDir: path.join(home, '.local/state/koodrive-backup'),
      concurrency: 8,
      fileConcurrency: 4,
      partSize: 'auto',
      onConflict: 'skip-identical',
      include: [],
      exclude: [],
      timeout: 60_000,
      retries: 6,
      clockSkew: 0,
      lockRenewInterval: 180_000,
      waitLock: 0,
      resume: true,
      checksum: false,
      bwlimit: undefined,
      maxSize: undefined,
      configFile: undefined,
      warnings: [],
    });
    expect(config.hashWorkers).toBe(Math.min(2, os.availableParallelism()));
    expect(Object.keys(config.provenance).sort()).toEqual([...CONFIG_KEYS].sort());
    expect(new Set(Object.values(config.provenance))).toEqual(new Set(['default']));
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.include)).toBe(true);
    expect(Object.isFrozen(config.provenance)).toBe(true);
    expect(() => {
      (config as { concurrency: number }).concurrency = 1;
    }).toThrow(TypeError);
  });

  it('puts the state folder under XDG_STATE_HOME when set', async () => {
    const config = await loadConfig({ cwd, env: { HOME: home, XDG_STATE_HOME: '/var/xdg' } });
    expect(config.stateDir).toBe('/var/xdg/koodrive-backup');
  });
});

describe('loadConfig: precedence file < env < flags, with provenance', () => {
  it('lets each later source win, key by key', async () => {
    const rc = path.join(project, '.koodriverc');
    write(
      rc,
      'concurrency: 3\nfileConcurrency: 2\nretries: 1\ninclude: ["*.jpg"]\nendpoint: "http://127.0.0.1:9000/"\n',
    );
    const config = await loadConfig({
      cwd,
      env: { HOME: home, KOODRIVE_FILE_CONCURRENCY: '5', KOODRIVE_RETRIES: '7', KOODRIVE_TIMEOUT: '' },
      flags: { retries: '9', json: true, dryRun: true, resume: false },
    });
    expect(config.configFile).toBe(rc);
    expect([
      config.concurrency,
      config.fileConcurrency,
      config.retries,
      config.include,
      config.endpoint,
      config.resume,
    ]).toEqual([3, 5, 9, ['*.jpg'], 'http://127.0.0.1:9000', false]);
    expect(config.provenance).toMatchObject({
      concurrency: `file:${rc}`,
      fileConcurrency: 'env:KOODRIVE_FILE_CONCURRENCY',
      retries: 'flag:--retries',
      resume: 'flag:--no-resume',
      timeout: 'default',
    });
  });

  it('parses env values of every kind', async () => {
    const config = await loadConfig({
      cwd,
      env: {
        HOME: home,
        KOODRIVE_AUTH: 'app',
        KOODRIVE_APP_ID: 'app-1',
        KOODRIVE_APP_SECRET: 'shh-secret',
        KOODRIVE_USER_ID: '1505084218764547200',
        KOODRIVE_PART_SIZE: '64MiB',
        KOODRIVE_BWLIMIT: '20MiB/s',
        KOODRIVE_CLOCK_SKEW: '-2m',
        KOODRIVE_WAIT_LOCK: '10m',
        KOODRIVE_EXCLUDE: '*.{tmp,bak},node_modules/',
        KOODRIVE_EXCLUDE_CACHES: 'yes',
        KOODRIVE_MAX_SIZE: '1GiB',
        KOODRIVE_ON_CONFLICT: 'fail',
        KOODRIVE_STATE_DIR: 'state',
        KOODRIVE_CHECKSUM: 'on',
      },
    });
    expect(config).toMatchObject({
      auth: 'app',
      appId: 'app-1',
      userId: '1505084218764547200',
      partSize: 64 * 1024 ** 2,
      bwlimit: 20 * 1024 ** 2,
      clockSkew: -120_000,
      waitLock: 600_000,
      exclude: ['*.{tmp,bak}', 'node_modules/'],
      excludeCaches: true,
      maxSize: 1024 ** 3,
      onConflict: 'fail',
      stateDir: path.join(cwd, 'state'),
      checksum: true,
    });
    expect(config.appSecret?.reveal()).toBe('shh-secret');
    expect(AUTO_RENAME[config.onConflict]).toBe(3);
  });

  it('resolves relative paths from a file against the file, and ~ against HOME', async () => {
    write(
      path.join(project, '.koodriverc.json'),
      JSON.stringify({ stateDir: 'st', excludeFrom: ['lists/ex.txt', '~/ex2.txt'] }),
    );
    const config = await loadConfig({ cwd, env: { HOME: home } });
    expect(config.stateDir).toBe(path.join(project, 'st'));
    expect(config.excludeFrom).toEqual([path.join(project, 'lists/ex.txt'), path.join(home, 'ex2.txt')]);
  });
});

describe('loadConfig: finding the file', () => {
  it('takes the nearest file upward from cwd', async () => {
    write(path.join(project, '.koodriverc.yaml'), 'retries: 2\n');
    write(path.join(project, 'sub', 'koodrive.config.cjs'), 'module.exports = { retries: 3 };\n');
    const config = await loadConfig({ cwd, env: { HOME: home } });
    expect(config.retries).toBe(3);
    expect(config.configFile).toBe(path.join(project, 'sub', 'koodrive.config.cjs'));
  });

  it('reads the koodrive key of package.json and skips a package.json without it', async () => {
    write(path.join(project, 'sub', 'package.json'), JSON.stringify({ name: 'x' }));
    write(path.join(project, 'package.json'), JSON.stringify({ name: 'y', koodrive: { partSize: '8MiB' } }));
    const config = await loadConfig({ cwd, env: { HOME: home } });
    expect(config.partSize).toBe(8 * 1024 ** 2);
    expect(config.provenance.partSize).toBe(`file:${path.join(project, 'package.json')}`);
  });

  it('falls back to the home folder when cwd is outside it', async () => {
    write(path.join(home, '.koodriverc'), 'retries: 4\n');
    const outside = mkdtempSync(path.join(os.tmpdir(), 'kd-config-outside-'));
    try {
      const config = await loadConfig({ cwd: outside, env: { HOME: home }, stopDir: outside });
      expect(config.retries).toBe(4);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('loads exactly the --config file, and KOODRIVE_CONFIG when no flag', async () => {
    write(path.join(project, '.koodriverc'), 'retries: 2\n');
    write(path.join(home, 'custom.yml'), 'retries: 11\n');
    write(path.join(home, 'other.json'), '{"retries": 12}');
    const byFlag = await loadConfig({
      cwd,
      env: { HOME: home, KOODRIVE_CONFIG: '../other.json' },
      configPath: path.join(home, 'custom.yml'),
    });
    expect([byFlag.retries, byFlag.configFile]).toEqual([11, path.join(home, 'custom.yml')]);
    const byEnv = await loadConfig({ cwd: home, env: { HOME: home, KOODRIVE_CONFIG: 'other.json' } });
    expect(byEnv.retries).toBe(12);
  });

  it('treats an empty or all-comment file as no values', async () => {
    write(path.join(home, 'empty.yml'), '# nothing here\n');
    const config = await loadConfig({ cwd, env: { HOME: home }, configPath: path.join(home, 'empty.yml') });
    expect(config.configFile).toBe(path.join(home, 'empty.yml'));
    expect(config.retries).toBe(6);
  });
});

describe('loadConfig: warnings about secrets', () => {
  it('warns about a secret on the command line and in a file others can read', async () => {
    const rc = path.join(project, '.koodriverc');
    write(rc, 'appSecret: "file-secret-value"\n');
    chmodSync(rc, 0o644);
    const config = await loadConfig({ cwd, env: { HOME: home }, flags: { token: 'flag-token-value' } });
    expect(config.warnings).toEqual([
      'token was given with --token, where other users of this machine can see it in the process list; use ' +
        'KOODRIVE_TOKEN instead',
      `config file ${rc} holds appSecret and other users may read it; run chmod 600 ${rc}`,
    ]);
    chmodSync(rc, 0o600);
    expect((await loadConfig({ cwd, env: { HOME: home } })).warnings).toEqual([]);
  });
});

describe('scanOptionsOf', () => {
  it('hands the filter keys to the scanner unchanged', async () => {
    const { scanOptionsOf } = await import('../../src/config/scan-options-of.js');
    const config = await loadConfig({
      cwd,
      env: { HOME: home, KOODRIVE_EXCLUDE: '*.tmp', KOODRIVE_MAX_SIZE: '1KiB', KOODRIVE_ONE_FILE_SYSTEM: 'true' },
      flags: { excludeFrom: ['ex.txt'], followSymlinks: true },
    });
    expect(scanOptionsOf(config, { reportExcluded: true })).toEqual({
      include: [],
      exclude: ['*.tmp'],
      excludeFrom: [path.join(cwd, 'ex.txt')],
      excludeIfPresent: [],
      excludeCaches: false,
      maxSize: 1024,
      minSize: undefined,
      oneFileSystem: true,
      followSymlinks: true,
      reportExcluded: true,
    });
  });
});
