#!/usr/bin/env node
// Builds the optional native SHA-256 addon (native/) with node-gyp. Run at install time; it must
// never fail an install: whatever goes wrong, it prints one line and exits 0, and koodrive-backup
// then uses its portable (slower) hash backend. Set KOODRIVE_SKIP_NATIVE=1 to skip the build;
// pass --verbose to see node-gyp's output.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const addonPath = join(nativeDir, 'build', 'Release', 'koodrive_sha256.node');
const verbose = process.argv.includes('--verbose');
const say = (line) => console.log(`koodrive-backup: ${line}`);

/** node-gyp's entry script: the one npm hands us, npm's bundled one, or a local install. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  const prefix = join(dirname(process.execPath), '..');
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch { /* not installed locally */ }
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8', timeout: 20_000, shell: process.platform === 'win32' });
  if (npmRoot.status === 0 && npmRoot.stdout.trim()) {
    candidates.push(join(npmRoot.stdout.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  return candidates.find((c) => c && existsSync(c));
}

/** Node's headers on this machine, so node-gyp never tries to download them. */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/** Loads the fresh addon and checks a digest and a midstate against node:crypto and known words. */
function addonWorks() {
  const addon = createRequire(import.meta.url)(addonPath);
  const data = new Uint8Array(320).map((_, i) => i % 251);
  const ctx = new Uint8Array(addon.ctxSize);
  addon.init(ctx);
  addon.update(ctx, data.subarray(0, 128));
  const words = new Uint32Array(8);
  addon.getState(ctx, words);
  addon.update(ctx, data.subarray(128));
  const digest = new Uint8Array(32);
  addon.final(ctx, digest);
  return words[0] === 0x593253ad && words[7] === 0xd05eacbc
    && Buffer.from(digest).toString('hex') === createHash('sha256').update(data).digest('hex');
}

function main() {
  if (process.env.KOODRIVE_SKIP_NATIVE === '1') return say('native SHA-256 backend skipped (KOODRIVE_SKIP_NATIVE=1); using the portable one');
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return say('native SHA-256 backend not built (node-gyp not found); using the portable one');
  const nodeDir = findNodeDir();
  const args = [nodeGyp, 'rebuild', ...(nodeDir ? [`--nodedir=${nodeDir}`] : [])];
  const started = Date.now();
  const build = spawnSync(process.execPath, args, { cwd: nativeDir, encoding: 'utf8', timeout: 180_000, stdio: verbose ? 'inherit' : 'pipe' });
  if (build.status !== 0 || !existsSync(addonPath)) {
    const output = `${build.stderr ?? ''}\n${build.stdout ?? ''}`.split('\n').map((l) => l.trim());
    const why = build.error?.message ?? output.find((l) => /error/i.test(l) && !/^gyp (ERR|info)/.test(l)) ?? output.find((l) => /ERR!/.test(l)) ?? `exit ${build.status}`;
    return say(`native SHA-256 backend not built (${why.slice(0, 160)}); using the portable one`);
  }
  if (!addonWorks()) {
    rmSync(addonPath, { force: true });
    return say('native SHA-256 backend built but failed its self-test and was removed; using the portable one');
  }
  return say(`native SHA-256 backend built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (err) {
  say(`native SHA-256 backend not built (${String(err?.message ?? err).split('\n')[0].slice(0, 160)}); using the portable one`);
}
process.exit(0);
