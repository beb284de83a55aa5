import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { renderConfigDocsTable, renderConfigShow, renderConfigTemplate } from '../../src/config/render-config.js';
import { CONFIG_KEYS } from '../../src/config/schema.js';
import { Secret } from '../../src/util/secret.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Set KOODRIVE_UPDATE_DOCS=1 to rewrite .koodriverc.example and the table in docs/configuration.md from the schema.
const update = process.env.KOODRIVE_UPDATE_DOCS === '1';
const TABLE_START =
  '<!-- config-table:start (generated from src/config/schema.ts; see test/unit/config-render.test.ts) -->';
const TABLE_END = '<!-- config-table:end -->';

let home: string;
beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'kd-config-render-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('renderConfigShow', () => {
  it('lists every key with its value and source', async () => {
    const config = await loadConfig({
      cwd: home,
      env: { HOME: home, KOODRIVE_PART_SIZE: '64MiB', KOODRIVE_USER_ID: '1505084218764547200' },
      flags: { timeout: '90s', bwlimit: '20MiB/s', exclude: ['*.tmp'] },
    });
    const text = renderConfigShow(config);
    const rows = new Map(
      text
        .split('\n')
        .filter((l) => /^[a-zA-Z]+ {2,}/.test(l))
        .map((l) => [l.split(/ +/)[0], l.replace(/ +/g, ' ')]),
    );
    expect([...rows.keys()]).toEqual(CONFIG_KEYS);
    expect(text).toContain('config file: (none found)');
    expect(rows.get('partSize')).toBe('partSize 67108864 (64.0 MiB) env:KOODRIVE_PART_SIZE');
    expect(rows.get('userId')).toBe('userId 1505084218764547200 env:KOODRIVE_USER_ID');
    expect(rows.get('timeout')).toBe('timeout 90s flag:--timeout');
    expect(rows.get('bwlimit')).toBe('bwlimit 20.0 MiB/s flag:--bwlimit');
    expect(rows.get('exclude')).toBe('exclude ["*.tmp"] flag:--exclude');
    expect(rows.get('token')).toBe('token (not set) default');
    expect(rows.get('lockRenewInterval')).toBe('lockRenewInterval 3m default');
  });
});

describe('renderConfigTemplate', () => {
  it('documents every key, and all-commented it loads as the defaults', async () => {
    const text = renderConfigTemplate();
    for (const key of CONFIG_KEYS) expect(text).toMatch(new RegExp(`^# ${key}: `, 'm'));
    const file = path.join(home, 'template.yml');
    writeFileSync(file, text);
    const config = await loadConfig({ cwd: home, env: { HOME: home }, configPath: file });
    expect(new Set(Object.values(config.provenance))).toEqual(new Set(['default']));
  });

  it('writes given values that load back to the same values; secrets only when asked', async () => {
    const values = {
      endpoint: 'http://127.0.0.1:8080',
      userId: '1505084218764547200',
      concurrency: 12,
      partSize: 16 * 1024 ** 2,
      bwlimit: 1024 ** 2,
      timeout: 90_000,
      clockSkew: -120_000,
      exclude: ['*.tmp', 'a "quoted" name'],
      resume: false,
      token: new Secret('tok-write-me-only-when-asked'),
    };
    const file = path.join(home, 'given.yml');
    writeFileSync(file, renderConfigTemplate(values));
    const config = await loadConfig({ cwd: home, env: { HOME: home }, configPath: file });
    expect(config).toMatchObject({ ...values, token: undefined });
    expect(config.provenance.token).toBe('default');
    writeFileSync(file, renderConfigTemplate(values, { includeSecrets: true }));
    expect((await loadConfig({ cwd: home, env: { HOME: home }, configPath: file })).token?.reveal()).toBe(
      'tok-write-me-only-when-asked',
    );
  });
});

describe('generated documents stay in step with the schema', () => {
  it('.koodriverc.example is the rendered template', () => {
    const file = path.join(repo, '.koodriverc.example');
    if (update) writeFileSync(file, renderConfigTemplate());
    expect(readFileSync(file, 'utf8')).toBe(renderConfigTemplate());
  });

  it('docs/configuration.md holds the rendered key table', () => {
    const file = path.join(repo, 'docs/configuration.md');
    const doc = readFileSync(file, 'utf8');
    const start = doc.indexOf(TABLE_START);
    const end = doc.indexOf(TABLE_END);
    expect(start, 'docs/configuration.md lacks the config-table markers').toBeGreaterThanOrEqual(0);
    const table = `${TABLE_START}\n${renderConfigDocsTable()}\n${TABLE_END}`;
    if (update) writeFileSync(file, doc.slice(0, start) + table + doc.slice(end + TABLE_END.length));
    const current = readFileSync(file, 'utf8');
    expect(current).toContain(table);
    for (const key of CONFIG_KEYS) expect(current).toContain(`| \`${key}\` |`);
  });
});
