// The file-count profile (issue 16): many tiny files in 100 folders, backed up by koodrive-backup to
// a fresh emulator: a first upload, an unchanged re-run and a dry run with fresh state, each with
// wall time, client CPU per file, peak RSS and journal bytes per file.
//   node bench/lib/file-count.mjs [--files 20000[,100000]] [--tmp DIR] [--keep]   (standalone)
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, startEmulator, timed } from './proc.mjs';

/** Writes `count` files of 16–1,024 bytes in 100 folders (d00/f000000.bin …). */
export async function tinyFiles(dir, count, seed = 3) {
  const key = createHash('sha256').update(`koodrive-bench-tiny-${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const folders = 100;
  for (let d = 0; d < folders; d++) await mkdir(join(dir, `d${String(d).padStart(2, '0')}`), { recursive: true });
  let bytes = 0;
  const pending = [];
  for (let i = 0; i < count; i++) {
    const body = cipher.update(Buffer.alloc(16 + ((i * 7919) % 1009)));
    bytes += body.length;
    pending.push(
      writeFile(join(dir, `d${String(i % folders).padStart(2, '0')}`, `f${String(i).padStart(6, '0')}.bin`), body),
    );
    if (pending.length >= 256) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return { dir, files: count, bytes };
}

function journalBytes(stateDir) {
  const dir = join(stateDir, 'journals');
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.ndjson'))
      .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

/** Runs the three measurements for one file count; returns one row per run. */
export async function fileCountProfile({ cli, scratch, count, log = console.log }) {
  const token = randomBytes(16).toString('hex');
  const userId = '1505084218764547200';
  const s3 = {
    accessKeyId: `BENCH${randomBytes(6).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(24).toString('hex'),
  };
  const data = await tinyFiles(join(scratch, `tiny-${count}`), count);
  const emu = await startEmulator({ dataDir: join(scratch, `emu-tiny-${count}`), token, userId, s3 });
  const rows = [];
  try {
    const stateDir = join(scratch, `state-tiny-${count}`);
    const env = { ...cleanEnv(), KOODRIVE_TOKEN: token, KOODRIVE_STATE_DIR: stateDir };
    const args = (extra) => [cli, 'upload', data.dir, '--endpoint', emu.url, '--user-id', userId, '--quiet', ...extra];
    const runs = [
      { key: 'first', label: 'first upload', extra: [], env },
      { key: 'unchanged', label: 'unchanged re-run', extra: [], env },
      {
        key: 'dry-run',
        label: '--dry-run --json, fresh state',
        extra: ['--dry-run', '--json'],
        env: { ...env, KOODRIVE_STATE_DIR: join(scratch, `state-dry-${count}`) },
      },
    ];
    for (const r of runs) {
      const t = await timed(process.execPath, args(r.extra), {
        env: r.env,
        cwd: scratch,
        scratch,
        label: `upload (${r.label})`,
      });
      const jBytes = r.key === 'dry-run' ? undefined : journalBytes(stateDir);
      const row = {
        files: count,
        run: r.key,
        label: r.label,
        seconds: +t.seconds.toFixed(2),
        cpuSeconds: t.cpuSeconds,
        cpuMsPerFile: t.cpuSeconds !== undefined ? +((t.cpuSeconds * 1000) / count).toFixed(3) : undefined,
        peakRssMiB: t.peakRssMiB,
        journalBytesPerFile: jBytes !== undefined ? Math.round(jBytes / count) : undefined,
      };
      rows.push(row);
      log(
        `  ${String(count).padStart(7)} files  ${r.label.padEnd(30)} ${row.seconds.toFixed(2).padStart(7)} ` +
          `s  CPU ${String(row.cpuSeconds ?? '?').padStart(6)} s (${row.cpuMsPerFile ?? '?'} ms/file)  peak ` +
          `RSS ${row.peakRssMiB ?? '?'} ` +
          `MiB${row.journalBytesPerFile !== undefined ? `  journal ${row.journalBytesPerFile} B/file` : ''}`,
      );
    }
  } finally {
    await emu.stop();
    await rm(join(scratch, `emu-tiny-${count}`), { recursive: true, force: true });
    await rm(data.dir, { recursive: true, force: true });
  }
  return rows;
}

/** Verdicts for issue 16's goals. */
export function fileCountVerdicts(rows) {
  const out = [];
  const at = (files, run) => rows.find((r) => r.files === files && r.run === run);
  for (const files of [...new Set(rows.map((r) => r.files))]) {
    const first = at(files, 'first');
    const again = at(files, 'unchanged');
    if (files <= 20_000 && first?.peakRssMiB !== undefined)
      out.push({
        target: `${files} files: peak RSS < 200 MiB (first, re-run)`,
        value: `${first.peakRssMiB} / ${again?.peakRssMiB ?? '?'} MiB`,
        met: first.peakRssMiB < 200 && (again?.peakRssMiB ?? 0) < 200,
      });
    if (files > 20_000 && first?.peakRssMiB !== undefined)
      out.push({
        target: `${files} files: peak RSS < 300 MiB (first, re-run)`,
        value: `${first.peakRssMiB} / ${again?.peakRssMiB ?? '?'} MiB`,
        met: first.peakRssMiB < 300 && (again?.peakRssMiB ?? 0) < 300,
      });
    if (first?.journalBytesPerFile !== undefined)
      out.push({
        target: `${files} files: journal ≤ 200 B per file`,
        value: `${again?.journalBytesPerFile ?? first.journalBytesPerFile} B`,
        met: (again?.journalBytesPerFile ?? first.journalBytesPerFile) <= 200,
      });
    if (again?.cpuMsPerFile !== undefined)
      out.push({
        target: `${files} files: unchanged re-run CPU < 0.2 ms per file`,
        value: `${again.cpuMsPerFile} ms`,
        met: again.cpuMsPerFile < 0.2,
      });
  }
  const sizes = [...new Set(rows.map((r) => r.files))].sort((a, b) => a - b);
  if (sizes.length > 1) {
    const a = at(sizes[0], 'first');
    const b = at(sizes.at(-1), 'first');
    if (a?.peakRssMiB !== undefined && b?.peakRssMiB !== undefined) {
      const slope = ((b.peakRssMiB - a.peakRssMiB) * 1024 * 1024) / (sizes.at(-1) - sizes[0]);
      out.push({
        target: 'peak RSS slope (first upload)',
        value: `${slope.toFixed(0)} B per file`,
        met: true,
        informative: true,
      });
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const opt = (name) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
  const counts = (opt('files') ?? '20000').split(',').map(Number);
  const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'koodrive-backup.js');
  const scratch = await mkdtemp(join(opt('tmp') ?? tmpdir(), 'kdb-files-'));
  const rows = [];
  try {
    for (const count of counts) rows.push(...(await fileCountProfile({ cli, scratch, count })));
  } finally {
    if (!argv.includes('--keep')) await rm(scratch, { recursive: true, force: true });
  }
  for (const v of fileCountVerdicts(rows))
    console.log(`  ${v.informative ? '      ' : v.met ? 'met   ' : 'MISSED'} ${v.target.padEnd(52)} ${v.value}`);
  const out = opt('json');
  if (out) await writeFile(out, `${JSON.stringify(rows, null, 2)}\n`);
}
