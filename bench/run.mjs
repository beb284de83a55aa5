#!/usr/bin/env node
// `npm run bench`: hash engine throughput (bench/hash.mjs), then end-to-end uploads of a 1 GiB file
// and of 2,000 small files by koodrive-backup, sha256sum + curl, aws-cli and rclone, all to one
// emulator per data set (KooDrive API + S3 face: bench/emulator-s3.mjs) on loopback, then restores of the same bytes
// (koodrive-backup restore against curl GET + sha256sum). Prints a table; writes
// bench/results/hash.json and bench/results/e2e.json. Build first: `npm run build && npm run build:bench`.
// With --wan, each data set also goes through a modelled WAN link: the same emulator binary with
// --tls --latency 40ms (every contender trusts its certificate: --ca-file, curl cacert, aws
// --ca-bundle, rclone --ca-cert); --wan-only runs that profile alone.
// Then the file-count profile (bench/lib/file-count.mjs): 20,000 tiny files (--files N,M,… for
// other counts, e.g. 100000,200000; --no-files to skip).
//   node bench/run.mjs [--quick] [--wan | --wan-only] [--tmp DIR] [--only ours,baseline,aws,rclone,files] [--no-hash]
// [--files 20000,100000] [--no-files]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const cli = join(root, 'bin', 'koodrive-backup.js');
if (
  !existsSync(join(root, 'dist', 'cli', 'main.js')) ||
  !existsSync(join(root, 'bench', 'build', 'test', 'support', 's3-face', 's3-face.js'))
) {
  console.error(
    'bench: dist/ or bench/build/ is missing or stale; run `npm run build && npm run build:bench` first ' +
      '(the benchmark builds nothing).',
  );
  process.exit(1);
}
const { contenders } = await import('./lib/contenders.mjs');
const { restorers } = await import('./lib/restore.mjs');
const { bigFile, smallFiles } = await import('./lib/data.mjs');
const { cpuSecondsOf, hasGnuTime, peakRssMiBOf, startEmulator } = await import('./lib/proc.mjs');
const { createBucket } = await import('./lib/s3-admin.mjs');
const { printTable, verdicts } = await import('./lib/report.mjs');

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const opt = (name) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const only = opt('only')?.split(',');
const MiB = 1024 * 1024;
const plan = quick ? { bigBytes: 256 * MiB, smallCount: 300 } : { bigBytes: 1024 * MiB, smallCount: 2000 };
// Where the bytes go: loopback as it is, and/or a WAN model (HTTPS, 40 ms added to every round trip).
const WAN_LATENCY = '40ms';
const profiles = [
  ...(argv.includes('--wan-only') ? [] : [{ prefix: '', label: '', args: [] }]),
  ...(argv.includes('--wan') || argv.includes('--wan-only')
    ? [{ prefix: 'wan-', label: `, ${WAN_LATENCY} TLS`, args: ['--tls', '--latency', WAN_LATENCY] }]
    : []),
];

// 1. Hash engines, by bench/hash.mjs in its own process (its numbers are not disturbed by ours).
let hash;
if (!argv.includes('--no-hash')) {
  const hashArgs = quick
    ? ['--mib', '64', '--rounds', '1', '--no-file']
    : ['--mib', '256', '--rounds', '2', '--file-gib', '1'];
  console.log(`== hash engines (node bench/hash.mjs ${hashArgs.join(' ')})`);
  const r = spawnSync(process.execPath, [join(here, 'hash.mjs'), ...hashArgs], { stdio: 'inherit' });
  if (r.status === 0) hash = JSON.parse(await readFile(join(here, 'results', 'hash.json'), 'utf8'));
  else console.log('hash bench failed; continuing with the end-to-end runs');
}

// Peer tools that are missing are installed when that is possible (rclone from Debian, aws-cli
// from PyPI); --no-install skips that, and a contender still missing is skipped with the reason.
if (!argv.includes('--no-install')) {
  for (const c of contenders) {
    if (!c.install || (only && !only.includes(c.key)) || !c.missing()) continue;
    for (const [cmd, ...args] of c.install) {
      console.log(`bench: ${c.name} is missing; trying: ${cmd} ${args.join(' ')}`);
      if (spawnSync(cmd, args, { stdio: 'inherit' }).status === 0 && !c.missing()) break;
    }
  }
}

// 2. End to end: one fresh emulator (fresh data dir) per data set; every contender in turn.
const scratch = await mkdtemp(join(opt('tmp') ?? tmpdir(), 'kdb-bench-'));
const s3 = {
  accessKeyId: `BENCH${randomBytes(6).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(24).toString('hex'),
  region: 'us-east-1',
};
const token = randomBytes(16).toString('hex');
const userId = '1505084218764547200';
// --sets big,small picks data sets (default: both).
const sets = opt('sets')?.split(',');
const datasets = [
  { key: 'big', label: `1 file of ${plan.bigBytes / MiB} MiB`, make: (dir) => bigFile(dir, plan.bigBytes) },
  { key: 'small', label: `${plan.smallCount} files of 4-64 KiB`, make: (dir) => smallFiles(dir, plan.smallCount) },
].filter((d) => !sets || sets.includes(d.key));
const results = [];
const stopOnSignal = () => void cleanup().finally(() => process.exit(130));
let emu;
async function cleanup() {
  await emu?.stop().catch(() => undefined);
  await rm(scratch, { recursive: true, force: true });
}
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

try {
  for (const base of datasets) {
    console.log(`\n== ${base.label}: writing the data (seeded random bytes)`);
    const data = await base.make(join(scratch, `data-${base.key}`));
    Object.assign(base, data);
    for (const profile of profiles) {
      // The same bytes under another key and label per profile (wan-small: "2000 files …, 40ms TLS").
      const ds = { ...base, key: `${profile.prefix}${base.key}`, label: `${base.label}${profile.label}` };
      if (profile.args.length > 0) console.log(`\n== ${ds.label}: emulator ${profile.args.join(' ')}`);
      emu = await startEmulator({
        dataDir: join(scratch, `emu-${ds.key}`),
        token,
        userId,
        s3,
        extraArgs: profile.args,
      });
      for (const c of contenders) {
        if (only && !only.includes(c.key)) continue;
        const row = {
          dataset: ds.key,
          datasetLabel: ds.label,
          bytes: data.bytes,
          files: data.files,
          contender: c.key,
          name: c.name,
        };
        const missing = c.missing();
        if (missing) {
          console.log(`  ${c.name.padEnd(24)} skipped: ${missing}`);
          results.push({ ...row, skipped: missing });
          continue;
        }
        const bucket = `${c.key}-${ds.key}`;
        await createBucket(emu.url, s3, bucket, emu.caFile);
        const before = await emu.stats();
        const emuCpu0 = cpuSecondsOf(emu.pid);
        try {
          const r = await c.run({ cli, emu, dataset: { ...ds, ...data }, scratch, s3, token, userId, bucket });
          const after = await emu.stats();
          const delta = { filesCompleted: after.filesCompleted - before.filesCompleted, s3Requests: {} };
          // Joining parts into one file on the server: real KooDrive/S3 do it off the client's clock.
          const joinSeconds = ((after.assembleMs ?? 0) - (before.assembleMs ?? 0)) / 1000;
          for (const [k, v] of Object.entries(after.extensions.s3 ?? {}))
            delta.s3Requests[k] = v - (before.extensions.s3?.[k] ?? 0);
          const stored = c.stored(delta);
          if (stored !== data.files) throw new Error(`the emulator stored ${stored} of ${data.files} files`);
          Object.assign(row, r, {
            emulatorJoinSeconds: +joinSeconds.toFixed(2),
            emulatorCpuSeconds: +(cpuSecondsOf(emu.pid) - emuCpu0).toFixed(2),
            mibPerS: +(data.bytes / MiB / r.seconds).toFixed(1),
            putBytes: after.putBytes - before.putBytes,
          });
          logRow(c, row, r);
        } catch (err) {
          logFailure(c, row, err);
        }
        results.push(row);
      }
      // Restore: the same bytes back from the same emulator, ours against curl (both need their upload).
      const uploaded = (key) =>
        results.some((r) => r.dataset === ds.key && r.contender === key && r.seconds !== undefined);
      for (const c of restorers) {
        if (!uploaded(c.key)) continue;
        const row = {
          dataset: `${ds.key}-restore`,
          datasetLabel: `${ds.label.replace(/^1 file of /, '1 × ')}, restore`,
          bytes: data.bytes,
          files: data.files,
          contender: c.key,
          name: c.name,
        };
        try {
          const r = await c.run({ cli, emu, dataset: { ...ds, ...data }, scratch, s3, token, userId });
          if (r.restored !== data.files) throw new Error(`restored ${r.restored} of ${data.files} files`);
          Object.assign(row, r, {
            emulatorJoinSeconds: 0,
            emulatorCpuSeconds: '-',
            mibPerS: +(data.bytes / MiB / r.seconds).toFixed(1),
          });
          logRow(c, row, r);
        } catch (err) {
          logFailure(c, row, err);
        }
        results.push(row);
      }
      await rm(join(scratch, `restore-ours-${ds.key}`), { recursive: true, force: true });
      await rm(join(scratch, `restore-curl-${ds.key}`), { recursive: true, force: true });
      const emuPeak = peakRssMiBOf(emu.pid);
      await emu.stop();
      emu = undefined;
      for (const r of results)
        if (r.dataset === ds.key || r.dataset === `${ds.key}-restore`) r.emulatorPeakRssMiB = emuPeak;
      await rm(join(scratch, `emu-${ds.key}`), { recursive: true, force: true });
    }
    await rm(join(scratch, `data-${base.key}`), { recursive: true, force: true });
  }
} finally {
  await cleanup();
}

// 3. File counts (issue 16): many tiny files, a first upload, an unchanged re-run and a fresh dry
// run, with CPU per file, peak RSS and journal bytes per file. 20,000 files in the full run (2,000
// with --quick); --files 20000,100000,200000 picks the counts; --no-files (or an --only without
// "files") skips it.
const fileCounts =
  argv.includes('--no-files') || (only && !only.includes('files'))
    ? []
    : (opt('files') ?? (quick ? '2000' : '20000'))
        .split(',')
        .map(Number)
        .filter((n) => n > 0);
const fileCountRows = [];
if (fileCounts.length > 0) {
  const { fileCountProfile } = await import('./lib/file-count.mjs');
  const countScratch = await mkdtemp(join(opt('tmp') ?? tmpdir(), 'kdb-bench-files-'));
  console.log(
    `\n== file counts: ${fileCounts.join(', ')} tiny files in 100 folders (first upload, unchanged re-run, ` +
      `fresh --dry-run)`,
  );
  try {
    for (const count of fileCounts)
      fileCountRows.push(
        ...(await fileCountProfile({ cli, scratch: countScratch, count, log: (line) => console.log(line) })),
      );
  } catch (err) {
    console.log(`  file counts FAILED: ${err.message.split('\n')[0]}`);
  } finally {
    await rm(countScratch, { recursive: true, force: true });
  }
}

const run = {
  when: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  profiles: profiles.map((p) => (p.args.length ? `wan (${p.args.join(' ')})` : 'loopback')),
  node: process.version,
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  loadAverageAtEnd: (await readFile('/proc/loadavg', 'utf8').catch(() => '')).split(' ').slice(0, 3).join(' '),
  peakRssSource: hasGnuTime
    ? '/usr/bin/time -f %M (GNU time)'
    : 'not measured: install GNU time (apt-get install -y time)',
  hash: hash ? { memory: hash.memory?.results, file: hash.file } : undefined,
  results,
  fileCounts: fileCountRows,
};
run.verdicts = [...verdicts(run), ...(await import('./lib/file-count.mjs')).fileCountVerdicts(fileCountRows)];
printTable(run);
if (fileCountRows.length > 0) {
  console.log('\nFile counts (tiny files; CPU = client user + system; journal = bytes per file after the run):');
  for (const r of fileCountRows)
    console.log(
      `  ${String(r.files).padStart(7)} files  ${r.label.padEnd(30)} ${r.seconds.toFixed(2).padStart(8)} s ` +
        ` ${String(r.cpuMsPerFile ?? '?').padStart(6)} ms CPU/file  ` +
        `${String(r.peakRssMiB ?? '?').padStart(4)} MiB ` +
        `RSS${r.journalBytesPerFile !== undefined ? `  ${r.journalBytesPerFile} B journal/file` : ''}`,
    );
}
await mkdir(join(here, 'results'), { recursive: true });
await writeFile(join(here, 'results', 'e2e.json'), `${JSON.stringify(run, null, 2)}\n`);
console.log('\nwrote bench/results/e2e.json');

/** One contender's line in the run's log. */
function logRow(c, row, r) {
  console.log(
    `  ${c.name.padEnd(24)} ${r.seconds.toFixed(2).padStart(7)} s  ` +
      `${String(row.mibPerS).padStart(7)} MiB/s  peak RSS ${r.peakRssMiB ?? '?'} MiB`,
  );
}

function logFailure(c, row, err) {
  row.error = err.message;
  console.log(`  ${c.name.padEnd(24)} FAILED: ${err.message.split('\n')[0]}`);
}
