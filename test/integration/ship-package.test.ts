/**
 * Issue 13 items 1 and 2: the packed tarball installs globally into a fresh prefix on a machine
 * with no compiler on PATH, runs, and hashes with the prebuilt native addon; without a prebuilt
 * binary for the platform it still installs and says it uses the portable engine.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baseEnv,
  COMPILERS,
  copySource,
  foundOn,
  noCompilerBin,
  packLikeDockerfile,
  REPO,
  run,
  type RunResult,
} from './ship-pack.js';

const here = `${platform()}-${arch()}`;
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

let work = '';
let tarball = '';
let pack: RunResult;
let install: RunResult;
let bin = '';
let prefix = '';
let installed = '';

/** PATH for the installed tool: its prefix's bin and node/npm/sh, nothing else. */
const toolEnv = (extra: Record<string, string> = {}) =>
  baseEnv({ PATH: `${join(prefix, 'bin')}:${bin}`, HOME: join(work, 'home'), ...extra });
const tool = (args: string[], extra: Record<string, string> = {}) =>
  run(join(prefix, 'bin', 'koodrive-backup'), args, { cwd: work, env: toolEnv(extra), timeoutMs: 60_000 });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kdb-ship-'));
  const src = join(work, 'src');
  copySource(src);
  ({ tarball, result: pack } = await packLikeDockerfile(src));
  bin = noCompilerBin(join(work, 'bin'));
  prefix = join(work, 'prefix');
  installed = join(prefix, 'lib', 'node_modules', 'koodrive-backup');
  if (tarball) {
    // npm's cache stays the user's (a registry mirror and its CA come from the environment as usual).
    install = await run('npm', ['install', '--global', '--prefix', prefix, '--foreground-scripts', tarball], {
      cwd: work,
      env: baseEnv({ PATH: bin }),
    });
    console.log(
      `ship-package: tarball ` +
        `${(statSync(tarball).size / 1024).toFixed(0)} KiB, packed in ${(pack.ms / 1000).toFixed(1)} s, ` +
        `installed in ${(install.ms / 1000).toFixed(1)} s`,
    );
  }
}, 420_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("npm pack (run as the Dockerfile's build stage runs it)", () => {
  it('makes a tarball with the built CLI and the prebuilt addon for this platform, no build leftovers', async () => {
    expect(pack.code, `${pack.stdout}\n${pack.stderr}`).toBe(0);
    expect(pack.stdout).toContain(`koodrive-backup-${version}.tgz`); // npm's own name, before the Dockerfile renames it
    expect(tarball).not.toBe('');
    const list = await run('tar', ['-tzf', tarball], { cwd: work, env: baseEnv() });
    const files = list.stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/bin/koodrive-backup.js');
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/scripts/build-native.mjs');
    expect(files.filter((f) => f.startsWith(`package/native/prebuilds/${here}/`) && f.endsWith('.node'))).toHaveLength(
      1,
    );
    expect(
      files.filter(
        (f) =>
          f.startsWith('package/native/build/') ||
          f.startsWith('package/src/') ||
          f.startsWith('package/test/') ||
          f.startsWith('package/node_modules/'),
      ),
    ).toEqual([]);
  });
});

describe('npm install --global of the tarball, with no compiler on PATH', () => {
  it('the PATH the install gets really has no compiler, make or python', () => {
    expect(foundOn(bin, COMPILERS)).toEqual([]);
    expect(foundOn(bin, ['node', 'npm', 'sh'])).toEqual(['node', 'npm', 'sh']);
  });

  it('installs without compiling: the prebuilt addon is taken', () => {
    expect(install.code, `${install.stdout}\n${install.stderr}`).toBe(0);
    expect(install.stdout + install.stderr).toContain(
      `using the prebuilt native SHA-256 backend (native/prebuilds/${here}/`,
    );
    expect(existsSync(join(installed, 'native', 'build'))).toBe(false);
  });

  it('--version prints the package version', async () => {
    const r = await tool(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('config show names the native engine and where it came from', async () => {
    const r = await tool(['config', 'show']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`hash engine: native (prebuilt Node-API addon for ${here})`);
    const json = await tool(['config', 'show', '--json']);
    expect((JSON.parse(json.stdout) as { hashEngine: string }).hashEngine).toBe(
      `native (prebuilt Node-API addon for ${here})`,
    );
  });

  it(
    'an --emulator upload with --hash-backend native succeeds (large file hashed in the worker pool too) and ' +
      'verifies',
    async () => {
      const data = join(work, 'data');
      mkdirSync(data);
      writeFileSync(join(data, 'small.txt'), 'hello from a packed install\n');
      writeFileSync(join(data, 'large.bin'), Buffer.alloc(3 * 1024 * 1024 + 17, 0x5a)); // > 1 MiB: hashed in a worker
      const state = join(work, 'state');
      const up = await tool([
        'upload',
        data,
        '--emulator',
        '--hash-backend',
        'native',
        '--verbose',
        '--state-dir',
        state,
      ]);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toContain(`koodrive-backup: hash engine: native (prebuilt Node-API addon for ${here})`);
      expect(up.stdout + up.stderr).toMatch(/2 total: 2 uploaded, 0 failed/);
      const record = /Record:\s+(\d+)/.exec(up.stdout + up.stderr)?.[1];
      expect(record, up.stderr).toBeDefined();
      const verify = await tool(['verify', data, '--record-id', record!, '--emulator', '--state-dir', state]);
      expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0);
    },
  );

  // Last: it removes the prebuilt binary, as on a platform the package has none for.
  it(
    'without a prebuilt binary for the platform and no compiler: rebuild falls back, says so, and uploads ' +
      'with the portable engine',
    async () => {
      rmSync(join(installed, 'native', 'prebuilds'), { recursive: true, force: true });
      const rebuild = await run(
        'npm',
        ['rebuild', '--global', '--prefix', prefix, '--foreground-scripts', 'koodrive-backup'],
        { cwd: work, env: baseEnv({ PATH: bin }) },
      );
      expect(rebuild.code, rebuild.stderr).toBe(0);
      expect(rebuild.stdout + rebuild.stderr).toMatch(
        /native SHA-256 backend not built \(.+\); using the portable one/,
      );

      const data = join(work, 'data-noble');
      mkdirSync(data);
      writeFileSync(join(data, 'a.txt'), 'portable\n');
      const up = await tool(['upload', data, '--emulator', '--verbose', '--state-dir', join(work, 'state-noble')]);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toContain(
        `koodrive-backup: hash engine: noble (portable JavaScript, about 9× slower); no prebuilt native ` +
          `addon for ${here}`,
      );

      const forced = await tool([
        'upload',
        data,
        '--emulator',
        '--hash-backend',
        'native',
        '--state-dir',
        join(work, 'state-noble'),
      ]);
      expect(forced.code).not.toBe(0);
      expect(forced.stderr.trim().split('\n')).toHaveLength(1);
      expect(forced.stderr).toMatch(
        /the native SHA-256 backend is not available: .*install a C compiler and run `npm rebuild koodrive-backup`/,
      );
    },
  );
});
