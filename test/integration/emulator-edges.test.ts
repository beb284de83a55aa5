/**
 * The emulator over HTTP at the reference's edges, with literal expectations (issue 15): exactly
 * 10000 parts and a 250-character name are accepted, 10001 and 251 refused; an app signature
 * computed outside the project (test/fixtures/vectors) is accepted as it is.
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import {
  SIGN_HEADERS,
  SIGN_SECRET,
  SIGNATURE_VECTORS,
  type SignatureVector,
} from '../fixtures/vectors/known-answers.js';
import { Harness, MiB } from './emulator-harness.js';

// Literal codes from the reference §2.4 and docs/emulator.md: not read from either side's table.
const PARAMETER_INVALID = 13000102;
const NAME_TOO_LONG = 13000417;
const AUTH_FAILED = 13990001;
const RECORD_NOT_FOUND = 13990020;

describe('emulator: 10000 parts and 250 characters', () => {
  let h: Harness;
  let lock: string;
  let recordId: string;
  beforeAll(async () => {
    h = await Harness.start();
    lock = await h.lock();
    recordId = await h.record(lock);
  });
  afterAll(async () => h.dispose());

  const part = 5 * MiB;
  const plan = (n: number) => ({
    sha256: 'ab'.repeat(32),
    length: n * part,
    proofCode: 'cd'.repeat(32),
    parts: Array.from({ length: n }, (_, i) => ({
      partNumber: i + 1,
      partOffset: i * part,
      partSize: part,
      hashCtx: i === 0 ? [] : [1, 2, 3, 4, 5, 6, 7, 4294967295],
    })),
  });

  it('accepts a create with exactly 10000 parts (URLs for the first 100) and refuses 10001', async () => {
    const ok = await h.createFile(lock, recordId, 'big.bin', plan(10000));
    expect(ok.json.code, JSON.stringify(ok.json).slice(0, 300)).toBe(0);
    expect(ok.json.multiParts).toHaveLength(10000);
    expect(ok.json.multiParts.filter((p: { uploadUrl?: string }) => p.uploadUrl).length).toBe(100);
    const refused = await h.createFile(lock, recordId, 'bigger.bin', plan(10001));
    expect(refused.status).toBe(400);
    expect(refused.json.code).toBe(PARAMETER_INVALID);
    expect(refused.json.msg).toMatch(/10001 parts; at most 10000/);
  });

  it('accepts a 250-character fileName and refuses 251 with 13000417', async () => {
    const small = {
      sha256: 'ef'.repeat(32),
      length: 10,
      proofCode: '01'.repeat(32),
      parts: [{ partNumber: 1, partOffset: 0, partSize: 10, hashCtx: [] }],
    };
    const name250 = `${'n'.repeat(246)}.txt`;
    expect(name250).toHaveLength(250);
    const ok = await h.createFile(lock, recordId, name250, small);
    expect(ok.json).toMatchObject({ code: 0, fileName: name250 });
    const tooLong = await h.createFile(lock, recordId, `n${name250}`, small);
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.code).toBe(NAME_TOO_LONG);
  });
});

describe('emulator: app signatures computed outside the project', () => {
  let emu: RunningEmulator;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kd-emu-sig-'));
    emu = await startEmulator({
      dataDir: dir,
      auth: 'app',
      appId: 'vector-app',
      appSecret: SIGN_SECRET,
      userId: SIGN_HEADERS['x-user-id'],
      now: () => new Date('2025-12-18T01:33:00Z'), // 24 s after the vectors' X-Date
    });
  });
  afterAll(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Sends the vector's request with its literal headers (Host included) and the given signature. */
  function send(v: SignatureVector, signature: string): Promise<{ status: number; json: Record<string, unknown> }> {
    const query = v.query.map(([k, val]) => `${encodeURIComponent(k)}=${encodeURIComponent(val)}`).join('&');
    return new Promise((resolve, reject) => {
      const req = request(
        `${emu.url}${v.path}${query ? `?${query}` : ''}`,
        {
          method: v.method,
          headers: {
            ...SIGN_HEADERS,
            authorization: `HMAC-SHA256 AppId=vector-app,SignedHeaders=host;x-date;x-user-id,Signature=${signature}`,
            ...(v.body ? { 'content-type': 'application/json' } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
          );
        },
      );
      req.on('error', reject);
      req.end(v.body);
    });
  }

  it('accepts the list vector and answers it', async () => {
    const r = await send(SIGNATURE_VECTORS[0]!, SIGNATURE_VECTORS[0]!.signature);
    expect(r.json.code, JSON.stringify(r.json)).toBe(0);
  });

  it('accepts the signature of a query with spaces and "+" (the cursor is refused, not the signature)', async () => {
    const v = SIGNATURE_VECTORS[1]!;
    const r = await send(v, v.signature);
    expect(r.json.code, JSON.stringify(r.json)).toBe(PARAMETER_INVALID);
    expect(r.json.msg).toMatch(/cursor/);
  });

  it('accepts the POST vector (the unknown record is refused next)', async () => {
    const v = SIGNATURE_VECTORS[2]!;
    expect((await send(v, v.signature)).json.code).toBe(RECORD_NOT_FOUND);
  });

  it.each(SIGNATURE_VECTORS)('refuses "$name" with one hex digit changed', async (v) => {
    const wrong = (v.signature[0] === '0' ? '1' : '0') + v.signature.slice(1);
    const r = await send(v, wrong);
    expect(r.status).toBe(401);
    expect(r.json.code).toBe(AUTH_FAILED);
  });
});
