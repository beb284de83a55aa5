#!/usr/bin/env node
// The optional native SHA-256 addon (native/).
//
// At install (npm's "install" script): a prebuilt Node-API binary shipped in the package
// (native/prebuilds/<platform>-<arch>/, made by `npm pack`) is used when it loads and passes its
// self-test, so no compiler is needed; otherwise the addon is built from source with node-gyp. It
// must never fail an install: whatever goes wrong, it prints one line and exits 0, and
// koodrive-backup then uses its portable (slower) hash backend. Set KOODRIVE_SKIP_NATIVE=1 to skip
// the build; pass --verbose to see node-gyp's output.
//
// With --prebuild (npm's "prepack" script): builds native/prebuilds/<platform>-<arch>/ with
// prebuildify and self-tests it; this one fails loudly (exit 1), since a package without its
// prebuilt binary would make every compiler-less install 9× slower.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const addonPath = join(nativeDir, 'build', 'Release', 'koodrive_sha256.node');
const require = createRequire(import.meta.url);
const verbose = process.argv.includes('--verbose');
const say = (line) => console.log(`koodrive-backup: ${line}`);

/** node-gyp's entry script: the one npm hands us, npm's bundled one, or a local install. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  const prefix = join(dirname(process.execPath), '..');
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  );
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    /* not installed locally */
  }
  const npmRoot = spawnSync('npm', ['root', '-g'], {
    encoding: 'utf8',
    timeout: 20_000,
    shell: process.platform === 'win32',
  });
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

/** Loads an addon and checks a digest and a midstate against node:crypto and known words. */
function addonWorks(path) {
  let addon;
  try {
    addon = require(path);
  } catch {
    return false; // wrong platform, missing symbols: not usable here
  }
  const data = new Uint8Array(320).map((_, i) => i % 251);
  const ctx = new Uint8Array(addon.ctxSize);
  addon.init(ctx);
  addon.update(ctx, data.subarray(0, 128));
  const words = new Uint32Array(8);
  addon.getState(ctx, words);
  addon.update(ctx, data.subarray(128));
  const digest = new Uint8Array(32);
  addon.final(ctx, digest);
  return (
    words[0] === 0x593253ad &&
    words[7] === 0xd05eacbc &&
    Buffer.from(digest).toString('hex') === createHash('sha256').update(data).digest('hex')
  );
}

/** The prebuilt binary node-gyp-build would pick for this platform, or undefined. */
function prebuiltAddon() {
  process.env.PREBUILDS_ONLY = '1'; // read by node-gyp-build when first loaded: skip native/build
  try {
    const path = require('node-gyp-build').resolve(nativeDir);
    return path.includes(`${sep}prebuilds${sep}`) ? path : undefined;
  } catch {
    return undefined; // none for this platform (or node-gyp-build missing): build from source
  }
}

/** prepack: prebuildify into native/prebuilds, then self-test what it made. Exits 1 on failure. */
function prebuild() {
  let bin;
  try {
    bin = require.resolve('prebuildify/bin.js');
  } catch {
    console.error(
      'koodrive-backup: prebuildify is not installed; run npm ci (it installs the dev dependencies) before npm pack',
    );
    process.exit(1);
  }
  // npm puts its node-gyp on PATH for lifecycle scripts; outside npm, name the one we find.
  const nodeGyp = findNodeGyp();
  const nodeDir = findNodeDir();
  const env = {
    ...process.env,
    ...(nodeGyp && !process.env.npm_lifecycle_event ? { PREBUILD_NODE_GYP: nodeGyp } : {}),
    ...(nodeDir ? { npm_config_nodedir: nodeDir } : {}),
  };
  const run = spawnSync(process.execPath, [bin, '--napi', '--strip'], {
    cwd: nativeDir,
    env,
    stdio: verbose ? 'inherit' : 'pipe',
    encoding: 'utf8',
    timeout: 300_000,
  });
  const made = run.status === 0 ? prebuiltAddon() : undefined;
  if (!made || !addonWorks(made)) {
    const tail = `${run.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    console.error(
      `koodrive-backup: the prebuilt native addon could not be made ` +
        `(${run.error?.message ?? (tail || `exit ${run.status}`)}); install a C compiler, python3 and make, ` +
        `then run npm pack again`,
    );
    process.exit(1);
  }
  say(`prebuilt native SHA-256 addon ready: ${made.slice(root.length + 1)}`);
  process.exit(0);
}

function main() {
  const shipped = prebuiltAddon();
  if (shipped && addonWorks(shipped))
    return say(`using the prebuilt native SHA-256 backend (${shipped.slice(root.length + 1)}); nothing to compile`);
  if (process.env.KOODRIVE_SKIP_NATIVE === '1')
    return say('native SHA-256 backend skipped (KOODRIVE_SKIP_NATIVE=1); using the portable one');
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return say('native SHA-256 backend not built (node-gyp not found); using the portable one');
  const nodeDir = findNodeDir();
  const args = [nodeGyp, 'rebuild', ...(nodeDir ? [`--nodedir=${nodeDir}`] : [])];
  const started = Date.now();
  const build = spawnSync(process.execPath, args, {
    cwd: nativeDir,
    encoding: 'utf8',
    timeout: 180_000,
    stdio: verbose ? 'inherit' : 'pipe',
  });
  if (build.status !== 0 || !existsSync(addonPath)) {
    const output = `${build.stderr ?? ''}\n${build.stdout ?? ''}`.split('\n').map((l) => l.trim());
    const why =
      build.error?.message ??
      output.find((l) => /error/i.test(l) && !/^gyp (ERR|info)/.test(l)) ??
      output.find((l) => /ERR!/.test(l)) ??
      `exit ${build.status}`;
    return say(`native SHA-256 backend not built (${why.slice(0, 160)}); using the portable one`);
  }
  if (!addonWorks(addonPath)) {
    rmSync(addonPath, { force: true });
    return say('native SHA-256 backend built but failed its self-test and was removed; using the portable one');
  }
  return say(`native SHA-256 backend built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv.includes('--prebuild')) prebuild();

try {
  main();
} catch (err) {
  say(
    `native SHA-256 backend not built (${String(err?.message ?? err)
      .split('\n')[0]
      .slice(0, 160)}); using the portable one`,
  );
}
process.exit(0);
