import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFaultSpec, validateFaultSpec } from '../../src/emulator/index.js';
import { CODES } from '../../src/koodrive/error-codes.js';
import { PATHS } from '../../src/koodrive/wire-types.js';
import { bytesOf, Harness, MiB, planOf, putPart, stats } from './emulator-harness.js';

let h: Harness;
afterEach(async () => h?.dispose());
const list = () => h.call('GET', `${PATHS.record}?moduleCode=100&pageSize=1`);

describe('emulator fault injection', () => {
  it('fires a rule on exactly the nth request of its kind', async () => {
    h = await Harness.start({
      faults: {
        rules: [
          { kind: 'record.list', nth: 2, status: 500 },
          { kind: 'record.list', nth: 4, status: 429 },
        ],
      },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await list()).status);
    expect(statuses).toEqual([200, 500, 200, 429, 200]);
    h.emu.faults.set({ rules: [{ kind: 'record.list', nth: 1, status: 503 }] }); // counters restart
    const r = await list();
    expect(r.status).toBe(503);
    expect(r.json.code).toBe(CODES.INJECTED_FAULT);
    expect((await stats(h)).faults.rules).toBe(3);
  });

  it('resets a PUT mid-body (bytes counted); afterHandling loses the answer of a call that took effect', async () => {
    h = await Harness.start({
      faults: {
        rules: [
          { kind: 'put', nth: 1, reset: true },
          { kind: 'lock.create', nth: 1, reset: true, afterHandling: true },
        ],
      },
    });
    await expect(h.lock()).rejects.toThrow();
    expect((await h.call('POST', PATHS.lock, { body: { moduleCode: '100' } })).json.code).toBe(CODES.LOCK_BUSY);
    h.emu.faults.expireLockNow();
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const data = bytesOf(6 * MiB, 2);
    const plan = planOf(data, 5 * MiB);
    const created = await h.createFile(lock, recordId, 'cut.bin', plan);
    const url = created.json.multiParts[0].uploadUrl as string;
    await expect(putPart(url, data, plan.parts[0]!)).rejects.toThrow();
    expect((await putPart(url, data, plan.parts[0]!)).status).toBe(200);
    const s = await stats(h);
    expect(s.putCount).toBe(2);
    expect(s.putBytes).toBeGreaterThanOrEqual(5 * MiB + 1); // the cut PUT counted too
    expect(s.putAccepted).toBe(1);
  });

  it('draws random faults deterministically from the seed', async () => {
    h = await Harness.start({ faults: { seed: 42, failRate: 0.3, status429Rate: 0.2 } });
    const run = async () => {
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await list()).status);
      return out;
    };
    const first = await run();
    expect(first).toContain(503);
    expect(first).toContain(429);
    expect(first).toContain(200);
    h.emu.faults.set({ seed: 42, failRate: 0.3, status429Rate: 0.2 });
    expect(await run()).toEqual(first);
    h.emu.faults.set({
      seed: 42,
      failRate: 0.3,
      status429Rate: 0.2,
      rules: [{ kind: 'record.list', nth: 1, status: 500 }],
    });
    const withRule = await run();
    expect(withRule[0]).toBe(500);
    expect(withRule.slice(1)).toEqual(first.slice(1)); // a rule does not shift the random sequence
    h.emu.faults.set({ status429Rate: 1 });
    const r429 = await list();
    expect(r429.headers.get('retry-after')).toBe('1');
    expect(r429.json.code).toBe(CODES.RATE_LIMITED);
  });

  it('stalls, overrides the URL life, and is driven over HTTP by /_emulator/faults', async () => {
    h = await Harness.start();
    const set = await fetch(`${h.emu.url}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ stallMs: 20, stallRate: 1, urlTtlSeconds: 5 }),
    });
    expect(set.status).toBe(200);
    const lock = await h.lock();
    const recordId = await h.record(lock);
    const data = bytesOf(100, 1);
    const created = await h.createFile(lock, recordId, 't.txt', planOf(data, 5 * MiB));
    expect(new URL(created.json.multiParts[0].uploadUrl).searchParams.get('X-Amz-Expires')).toBe('5');
    expect((await stats(h)).faults.stalls).toBe(3);
    const bad = await fetch(`${h.emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ failRate: 2 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/failRate/);
    expect((await fetch(`${h.emu.url}/_emulator/expire-locks`, { method: 'POST' })).status).toBe(200);
    expect((await h.call('POST', PATHS.record, { lock, body: { moduleCode: '100', deviceId: 'd' } })).json.code).toBe(
      CODES.LOCK_EXPIRED,
    );
  });

  it('loads a fault file and explains what is wrong with a bad one', async () => {
    h = await Harness.start();
    const good = join(h.dir, 'faults.json');
    await writeFile(
      good,
      JSON.stringify({ seed: 7, resetRate: 0.1, rules: [{ kind: 'file.complete', nth: 1, status: 503 }] }),
    );
    expect(await loadFaultSpec(good)).toEqual({
      seed: 7,
      resetRate: 0.1,
      rules: [{ kind: 'file.complete', nth: 1, status: 503 }],
    });
    const bad = join(h.dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ rules: [{ kind: 'file.nope', nth: 1 }] }));
    await expect(loadFaultSpec(bad)).rejects.toThrow(/bad\.json: faults: rules\[0\]\.kind must be one of/);
    await writeFile(bad, '{');
    await expect(loadFaultSpec(bad)).rejects.toThrow(/not valid JSON/);
    expect(() => validateFaultSpec({ failRate: 0.6, resetRate: 0.6 })).toThrow(/must not exceed 1/);
    expect(() => validateFaultSpec({ typo: 1 })).toThrow(/unknown field "typo"/);
  });
});
