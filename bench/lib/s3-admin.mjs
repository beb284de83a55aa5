// Untimed set-up on the emulator's S3 face: create a bucket with one SigV4-signed request.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { canonicalRequest, requestSignature, signingKey } from '../build/test/support/s3-face/sigv4.js';

const EMPTY = createHash('sha256').update('').digest('hex');

/** PUT /<bucket> on the S3 face; throws unless it answers 200. */
export async function createBucket(baseUrl, creds, bucket, caFile) {
  const url = new URL(`/${bucket}`, baseUrl);
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const region = creds.region ?? 'us-east-1';
  const headers = { host: url.host, 'x-amz-content-sha256': EMPTY, 'x-amz-date': amzDate };
  const names = Object.keys(headers).sort();
  const canonical = canonicalRequest({
    method: 'PUT',
    canonicalUri: url.pathname,
    canonicalQuery: '',
    canonicalHeaders: names.map((n) => `${n}:${headers[n]}\n`).join(''),
    signedHeaders: names,
    payloadHash: EMPTY,
  });
  const scope = `${date}/${region}/s3/aws4_request`;
  const signature = requestSignature(signingKey(creds.secretAccessKey, date, region, 's3'), amzDate, scope, canonical);
  const authorization =
    `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, ` +
    `Signature=${signature}`;
  const status = await new Promise((resolve, reject) => {
    // agent: false: a pooled keep-alive socket may be closed by the server just as it is reused.
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(
      url,
      {
        method: 'PUT',
        agent: false,
        ...(caFile ? { ca: readFileSync(caFile, 'utf8') } : {}),
        headers: { ...headers, authorization, 'content-length': '0' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end();
  });
  if (status !== 200) throw new Error(`creating bucket ${bucket} on the S3 face answered HTTP ${status}`);
}
