// Getting the same bytes back from the same emulator: `koodrive-backup restore` of the record the
// upload made, against curl downloading the objects the baseline put (then sha256sum over them, since
// restore checks every file's SHA-256 too).
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { cleanEnv, timed } from './proc.mjs';

async function filesUnder(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath ?? e.path, e.name));
  return out.sort();
}

export const restorers = [
  {
    name: 'koodrive-backup restore',
    key: 'ours',
    async run(ctx) {
      const env = cleanEnv({
        KOODRIVE_TOKEN: ctx.token,
        KOODRIVE_STATE_DIR: join(ctx.scratch, `state-${ctx.dataset.key}`),
      });
      const conn = [
        '--endpoint',
        ctx.emu.url,
        '--user-id',
        ctx.userId,
        ...(ctx.emu.caFile ? ['--ca-file', ctx.emu.caFile] : []),
      ];
      const list = spawnSync(process.execPath, [ctx.cli, 'records', 'list', '--json', ...conn], {
        env,
        encoding: 'utf8',
      });
      const records = list.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const last = records.filter((r) => r.status === 1).pop();
      if (!last) throw new Error(`no completed record to restore (${list.stderr.trim()})`);
      const dest = join(ctx.scratch, `restore-ours-${ctx.dataset.key}`);
      const r = await timed(process.execPath, [ctx.cli, 'restore', last.recordId, dest, '--quiet', ...conn], {
        env,
        cwd: ctx.scratch,
        scratch: ctx.scratch,
        label: 'koodrive-backup restore',
      });
      return { ...r, restored: (await filesUnder(dest)).length };
    },
  },
  {
    name: 'curl GET + sha256sum',
    key: 'baseline',
    async run(ctx) {
      const { s3 } = ctx;
      const dest = join(ctx.scratch, `restore-curl-${ctx.dataset.key}`);
      await mkdir(dest, { recursive: true });
      const keys = (await filesUnder(ctx.dataset.dir)).map((p) => relative(ctx.dataset.dir, p));
      const blocks = keys.map((k) =>
        [
          `url = "${ctx.emu.url}/baseline-${ctx.dataset.key}/${k}"`,
          `output = "${join(dest, k)}"`,
          'create-dirs',
          'header = "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
          `aws-sigv4 = "aws:amz:${s3.region}:s3"`,
          `user = "${s3.accessKeyId}:${s3.secretAccessKey}"`,
          'silent',
          'show-error',
          'fail',
          ...(ctx.emu.caFile ? [`cacert = "${ctx.emu.caFile}"`] : []),
        ].join('\n'),
      );
      const cfg = join(ctx.scratch, `restore-curl-${ctx.dataset.key}.cfg`);
      await writeFile(cfg, blocks.join('\nnext\n'));
      const script = join(ctx.scratch, `restore-curl-${ctx.dataset.key}.sh`);
      await writeFile(
        script,
        ['set -e', 'curl -K "$1"', 'cd "$2"', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null'].join('\n'),
      );
      const r = await timed('bash', [script, cfg, dest], {
        cwd: ctx.scratch,
        scratch: ctx.scratch,
        label: 'curl GET + sha256sum',
      });
      return { ...r, restored: (await filesUnder(dest)).length };
    },
  },
];
