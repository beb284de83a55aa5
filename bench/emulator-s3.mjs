#!/usr/bin/env node
// The emulator with the S3 face (test/support/s3-face/, an emulator extension), for the benchmark's
// S3 contenders: `koodrive-backup emulator`'s options and output (same option parsing, same
// "listening on" line), plus the face's credential. Build first: `npm run build && npm run build:bench`.
//   KOODRIVE_EMULATOR_TOKEN=t KOODRIVE_EMULATOR_S3_SECRET_KEY=s node bench/emulator-s3.mjs \
//     --s3-access-key <id> [--s3-region r] [--port n] [--data dir] [--user-id id] [--tls] [--latency 40ms]
import { parseArgs } from 'node:util';
import { emulatorOptionsFrom, runEmulator } from '../dist/cli/commands/emulator.js';
import { parseDuration } from '../dist/util/size.js';
import { s3Face } from './build/test/support/s3-face/s3-face.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    data: { type: 'string' },
    'user-id': { type: 'string' },
    tls: { type: 'boolean' },
    latency: { type: 'string' },
    's3-access-key': { type: 'string' },
    's3-region': { type: 'string' },
  },
});
const accessKeyId = values['s3-access-key'];
const secretAccessKey = process.env.KOODRIVE_EMULATOR_S3_SECRET_KEY;
if (!accessKeyId || !secretAccessKey) {
  console.error('emulator-s3: give --s3-access-key and KOODRIVE_EMULATOR_S3_SECRET_KEY');
  process.exit(2);
}
const flags = {
  ...(values.port !== undefined ? { port: Number(values.port) } : {}),
  ...(values.data !== undefined ? { data: values.data } : {}),
  ...(values['user-id'] !== undefined ? { userId: values['user-id'] } : {}),
  ...(values.tls ? { tls: true } : {}),
  ...(values.latency !== undefined ? { latency: parseDuration(values.latency) } : {}),
};
const options = await emulatorOptionsFrom(flags, process.env, process.cwd());
const region = values['s3-region'] ?? 'us-east-1';
options.extensions = [s3Face({ accessKeyId, secretAccessKey, region })];
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stop.abort());
process.stderr.write(`S3 face on the same port (SigV4, path-style, region ${region}) for access key ${accessKeyId}\n`);
await runEmulator(options, process, stop.signal);
