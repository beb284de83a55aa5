// The four ways the same bytes reach the same emulator: koodrive-backup, sha256sum + curl, aws-cli, rclone.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { available, cleanEnv, timed } from './proc.mjs';

/** curl config lines for one signed PUT of `file` to `url` with the payload's sha256 (signed). */
function curlTransfer(ctx, url, file, sha256) {
  const { s3 } = ctx;
  return [
    `url = "${url}"`,
    `upload-file = "${file}"`,
    `header = "x-amz-content-sha256: ${sha256}"`,
    `aws-sigv4 = "aws:amz:${s3.region}:s3"`,
    `user = "${s3.accessKeyId}:${s3.secretAccessKey}"`,
    'silent',
    'show-error',
    'fail',
    'output = "/dev/null"',
    ...(ctx.emu.caFile ? [`cacert = "${ctx.emu.caFile}"`] : []),
  ].join('\n');
}

export const contenders = [
  {
    name: 'koodrive-backup upload',
    key: 'ours',
    missing: () => undefined,
    async run(ctx) {
      const stateDir = join(ctx.scratch, `state-${ctx.dataset.key}`);
      const env = cleanEnv({ KOODRIVE_TOKEN: ctx.token, KOODRIVE_STATE_DIR: stateDir });
      const ca = ctx.emu.caFile ? ['--ca-file', ctx.emu.caFile] : [];
      return timed(
        process.execPath,
        [ctx.cli, 'upload', ctx.dataset.dir, '--endpoint', ctx.emu.url, '--user-id', ctx.userId, '--quiet', ...ca],
        { env, cwd: ctx.scratch, scratch: ctx.scratch, label: 'koodrive-backup upload' },
      );
    },
    // Every file, and the record's manifest (new content in a fresh emulator, so uploaded and completed).
    stored: (delta) => delta.filesCompleted - 1,
  },
  {
    name: 'sha256sum + curl -T',
    key: 'baseline',
    missing: () =>
      !available('sha256sum') ? 'sha256sum is not installed' : !available('curl') ? 'curl is not installed' : undefined,
    async run(ctx) {
      // sha256sum hashes every file first (one process), then one curl sends them all in order on
      // one keep-alive connection, each a SigV4 PutObject whose x-amz-content-sha256 is that hash.
      const cfgDir = join(ctx.scratch, `curl-${ctx.dataset.key}`);
      await mkdir(cfgDir, { recursive: true });
      const script = join(cfgDir, 'baseline.sh');
      const base = `${ctx.emu.url}/${ctx.bucket}`;
      const block = curlTransfer(ctx, `${base}/@P@`, '@P@', '@H@').replace(/\n/g, '\\n');
      await writeFile(
        script,
        [
          'set -e',
          'cd "$1"',
          // sort for a stable order; file names are plain (d000/f00000.bin), no escaping needed
          `find . -type f | sort | xargs sha256sum | awk -v block='${block.replace(/'/g, "'\\''")}' ` +
            `'{ p = substr($2, 3); b = block; gsub(/@P@/, p, b); gsub(/@H@/, $1, b); ` +
            `if (NR > 1) print "next"; print b }' > "$2"`,
          'exec curl -K "$2"',
        ].join('\n'),
        { mode: 0o600 },
      );
      return timed('sh', [script, ctx.dataset.dir, join(cfgDir, 'transfers.cfg')], {
        env: cleanEnv({}),
        scratch: ctx.scratch,
        label: 'sha256sum + curl',
      });
    },
    stored: (delta) => delta.s3Requests.PutObject ?? 0,
  },
  {
    name: 'aws s3 cp --recursive',
    key: 'aws',
    missing: () =>
      available('aws')
        ? undefined
        : 'aws (aws-cli) is not installed, and pip could not install it (pip install awscli)',
    // aws-cli from PyPI when missing (the benchmark's --no-install leaves the machine as it is).
    install: [
      ['pip3', 'install', '-q', 'awscli'],
      ['pip', 'install', '-q', 'awscli'],
    ],
    async run(ctx) {
      const cfg = join(ctx.scratch, 'aws-config');
      await writeFile(cfg, `[default]\nregion = ${ctx.s3.region}\ns3 =\n  addressing_style = path\n`);
      const env = cleanEnv({
        AWS_ACCESS_KEY_ID: ctx.s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ctx.s3.secretAccessKey,
        AWS_DEFAULT_REGION: ctx.s3.region,
        AWS_CONFIG_FILE: cfg,
        AWS_SHARED_CREDENTIALS_FILE: join(ctx.scratch, 'no-aws-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
      });
      const args = [
        's3',
        'cp',
        '--recursive',
        '--only-show-errors',
        '--no-progress',
        ctx.dataset.dir,
        `s3://${ctx.bucket}/`,
        '--endpoint-url',
        ctx.emu.url,
        ...(ctx.emu.caFile ? ['--ca-bundle', ctx.emu.caFile] : []),
      ];
      return timed('aws', args, { env, scratch: ctx.scratch, label: 'aws s3 cp' });
    },
    stored: (delta) => (delta.s3Requests.PutObject ?? 0) + (delta.s3Requests.CompleteMultipartUpload ?? 0),
  },
  {
    name: 'rclone copy',
    key: 'rclone',
    missing: () =>
      available('rclone', ['version'])
        ? undefined
        : 'rclone is not installed, and apt-get could not install it (needs root and a Debian mirror: ' +
          'apt-get install -y rclone)',
    // rclone from Debian when missing.
    install: [
      [
        'sh',
        '-c',
        'apt-get install -y -qq rclone >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq ' +
          'rclone >/dev/null)',
      ],
    ],
    async run(ctx) {
      // An on-the-fly remote from env; AWS_CA_BUNDLE is left out (rclone 1.60 refuses it on plain http).
      const env = cleanEnv({
        RCLONE_CONFIG_EMU_TYPE: 's3',
        RCLONE_CONFIG_EMU_PROVIDER: 'Other',
        RCLONE_CONFIG_EMU_ACCESS_KEY_ID: ctx.s3.accessKeyId,
        RCLONE_CONFIG_EMU_SECRET_ACCESS_KEY: ctx.s3.secretAccessKey,
        RCLONE_CONFIG_EMU_ENDPOINT: ctx.emu.url,
        RCLONE_CONFIG_EMU_REGION: ctx.s3.region,
        RCLONE_CONFIG_EMU_FORCE_PATH_STYLE: 'true',
      });
      return timed(
        'rclone',
        [
          'copy',
          '--config',
          join(ctx.scratch, 'no-rclone.conf'),
          '-q',
          ...(ctx.emu.caFile ? ['--ca-cert', ctx.emu.caFile] : []),
          ctx.dataset.dir,
          `emu:${ctx.bucket}`,
        ],
        { env, scratch: ctx.scratch, label: 'rclone copy' },
      );
    },
    stored: (delta) => (delta.s3Requests.PutObject ?? 0) + (delta.s3Requests.CompleteMultipartUpload ?? 0),
  },
];
