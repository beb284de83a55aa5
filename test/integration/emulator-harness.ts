/** Shared set-up for the emulator tests: a started emulator on a temp dir, a clock, and a tiny client. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planParts, type WirePart } from '../../src/hash/part-rules.js';
import { proofCodeOf } from '../../src/hash/proof-code.js';
import { nobleBackend, toHex } from '../../src/hash/sha256-stream.js';
import { formatXDate, LOCK_HEADER, PATHS } from '../../src/koodrive/wire-types.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';

export const USER = '1505084218764547200';
export const TOKEN = 'test-token-4f1c';
export const MiB = 1024 * 1024;

export interface Plan {
  sha256: string;
  length: number;
  proofCode?: string;
  parts: WirePart[];
}

/** The plan a client would send: sha256, proofCode (seeded with `seed`) and hashCtx per part. */
export function planOf(data: Uint8Array, partSize: number, seed = USER): Plan {
  const hash = nobleBackend.create();
  const parts = planParts(data.byteLength, partSize).map((p) => {
    const hashCtx = p.partNumber === 1 ? [] : hash.midstate();
    hash.update(data.subarray(p.partOffset, p.partOffset + p.partSize));
    return { ...p, hashCtx };
  });
  const plan: Plan = { sha256: toHex(hash.digest()), length: data.byteLength, parts };
  const proofCode = proofCodeOf(seed, data);
  if (proofCode) plan.proofCode = proofCode;
  return plan;
}

export { patternBytes as bytesOf } from '../fixtures/pattern-bytes.js';

export interface CallOptions {
  body?: unknown;
  lock?: string;
  headers?: Record<string, string | undefined>;
}

export interface Answer {
  status: number;
  json: Record<string, any>;
  headers: Headers;
}

export class Harness {
  /** The emulator's clock; tests move it forward instead of sleeping. */
  nowMs = Date.now();
  emu!: RunningEmulator;

  private constructor(
    readonly dir: string,
    private readonly opts: Partial<EmulatorOptions>,
  ) {}

  static async start(opts: Partial<EmulatorOptions> = {}): Promise<Harness> {
    const h = new Harness(await mkdtemp(join(tmpdir(), 'kd-emu-')), opts);
    await h.restart();
    return h;
  }

  /** (Re)starts the emulator on the same data dir. */
  async restart(): Promise<void> {
    this.emu = await startEmulator({
      dataDir: this.dir,
      userId: USER,
      token: TOKEN,
      now: () => new Date(this.nowMs),
      ...this.opts,
    });
  }

  async stop(): Promise<void> {
    await this.emu.close();
  }

  async dispose(): Promise<void> {
    await this.emu.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** One API call with valid headers unless overridden (a header set to undefined is left out). */
  async call(method: string, path: string, o: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    const merged: Record<string, string | undefined> = {
      authorization: `Bearer ${TOKEN}`,
      'x-user-id': USER,
      'x-date': formatXDate(new Date(this.nowMs)),
      ...(o.lock ? { [LOCK_HEADER]: o.lock } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...o.headers,
    };
    for (const [k, v] of Object.entries(merged)) if (v !== undefined) headers[k] = v;
    const init: RequestInit = { method, headers };
    if (o.body !== undefined) init.body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    const res = await fetch(this.emu.url + path, init);
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : {}, headers: res.headers };
  }

  async lock(moduleCode = '100'): Promise<string> {
    const r = await this.call('POST', PATHS.lock, { body: { moduleCode } });
    if (r.json.code !== 0) throw new Error(`lock: ${JSON.stringify(r.json)}`);
    return r.json.data.lockId as string;
  }

  async record(lock: string): Promise<string> {
    const r = await this.call('POST', PATHS.record, {
      lock,
      body: { moduleCode: '100', deviceId: 'dev-1', properties: '{"tool":"test"}' },
    });
    if (r.json.code !== 0) throw new Error(`record: ${JSON.stringify(r.json)}`);
    return r.json.data.recordId as string;
  }

  /** createBackupFile with a plan; extra fields override. */
  async createFile(
    lock: string,
    recordId: string,
    name: string,
    plan: Plan,
    extra: Record<string, unknown> = {},
  ): Promise<Answer> {
    const body = {
      fileName: name,
      sha256: plan.sha256,
      length: plan.length,
      proofCode: plan.proofCode,
      uploadMode: 'multipart',
      uploadType: 1,
      autoRename: 2,
      parentFolder: ['root'],
      description: `dir/${name}`,
      multiParts: plan.parts,
      ...extra,
    };
    return this.call('POST', PATHS.recordFile(recordId), { lock, body });
  }

  async complete(fileId: string, sha256?: string): Promise<Answer> {
    return this.call('POST', PATHS.completeFile, { body: sha256 ? { fileId, sha256 } : { fileId } });
  }
}

/** PUTs one part's bytes to its URL. */
export async function putPart(
  url: string,
  data: Uint8Array,
  part: { partOffset: number; partSize: number },
): Promise<{ status: number; text: string; etag: string | null }> {
  const res = await fetch(url, {
    method: 'PUT',
    body: data.subarray(part.partOffset, part.partOffset + part.partSize),
    headers: { 'content-length': String(part.partSize) },
  });
  return { status: res.status, text: await res.text(), etag: res.headers.get('etag') };
}

export async function stats(h: Harness): Promise<Record<string, any>> {
  return (await fetch(`${h.emu.url}/_emulator/stats`)).json() as Promise<Record<string, any>>;
}
