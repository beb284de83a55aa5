import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { renderConfigShow, renderConfigTemplate } from '../../src/config/render-config.js';
import type { ResolvedConfig } from '../../src/config/config-types.js';

const TOKEN = 'tok-9f8e7d6c5b4a-never-print-me';
const APP_SECRET = 'app-secret-0a1b2c3d-never-print-me';
let home: string;
let config: ResolvedConfig;

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'kd-config-secret-'));
  config = await loadConfig({
    cwd: home,
    env: { HOME: home, KOODRIVE_TOKEN: TOKEN },
    flags: { appSecret: APP_SECRET },
  });
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('secrets in the resolved config', () => {
  it('are wrapped, and reveal() gives the value', () => {
    expect(config.token?.reveal()).toBe(TOKEN);
    expect(config.appSecret?.reveal()).toBe(APP_SECRET);
  });

  it.each([
    ['JSON.stringify', () => JSON.stringify(config)],
    ['util.inspect', () => inspect(config, { depth: 10, showHidden: true })],
    ['template literal', () => `${config.token} ${config.appSecret}`],
    ['string concatenation', () => 'token=' + config.token],
    ['String()', () => String(config.appSecret)],
    ['config show', () => renderConfigShow(config)],
    ['config template', () => renderConfigTemplate({ token: config.token, appSecret: config.appSecret })],
    ['warnings', () => config.warnings.join('\n')],
  ])('never print through %s', (_how, render) => {
    const text = render();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(APP_SECRET);
  });

  it('print as *** where they appear', () => {
    expect(`${config.token}`).toBe('***');
    expect(JSON.parse(JSON.stringify(config)).token).toBe('***');
    expect(renderConfigShow(config)).toMatch(/^token +\*\*\* +env:KOODRIVE_TOKEN$/m);
  });
});
