import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emulatorOptionsFrom, registerEmulatorCommand } from '../../src/cli/commands/emulator.js';
import type { CliIo } from '../../src/cli/io.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-emu-cli-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

function fakeIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: () => string; err: () => string } {
  const chunks = { out: [] as string[], err: [] as string[] };
  const stream = (into: string[]) => {
    const s = new PassThrough();
    s.on('data', (c: Buffer) => into.push(c.toString()));
    return s as unknown as NodeJS.WriteStream;
  };
  return {
    stdout: stream(chunks.out),
    stderr: stream(chunks.err),
    env,
    cwd: dir,
    exitCode: 0,
    out: () => chunks.out.join(''),
    err: () => chunks.err.join(''),
  };
}

function program(io: CliIo): Command {
  const p = new Command('koodrive-backup')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  registerEmulatorCommand(p, io);
  return p;
}

describe('emulator CLI command', () => {
  it('turns flags and env twins into options (flags win) and merges the fault file', async () => {
    await writeFile(join(dir, 'f.json'), JSON.stringify({ seed: 1, stallMs: 5, stallRate: 0.5, failRate: 0.2 }));
    const env = {
      KOODRIVE_EMULATOR_TOKEN: 'env-token',
      KOODRIVE_EMULATOR_USER_ID: 'env-user',
      KOODRIVE_EMULATOR_PORT: '9001',
    };
    const fromEnv = await emulatorOptionsFrom({}, env, dir);
    expect(fromEnv).toEqual({
      host: '127.0.0.1',
      port: 9001,
      dataDir: join(dir, '.koodrive-emulator'),
      userId: 'env-user',
      auth: 'token',
      token: 'env-token',
    });
    const fromFlags = await emulatorOptionsFrom(
      {
        port: 0,
        data: 'emu',
        token: 'flag-token',
        userId: 'u',
        urlTtl: 5,
        lockTtl: 7,
        failRate: 0.1,
        seed: 9,
        faults: 'f.json',
        forbidSpace: true,
      },
      env,
      dir,
    );
    expect(fromFlags).toMatchObject({
      port: 0,
      dataDir: join(dir, 'emu'),
      token: 'flag-token',
      userId: 'u',
      urlTtlSeconds: 5,
      lockTtlSeconds: 7,
      forbidSpaceInName: true,
    });
    expect(fromFlags.faults).toEqual({ seed: 9, stallMs: 5, stallRate: 0.5, failRate: 0.1 });
    await expect(emulatorOptionsFrom({ faults: 'missing.json' }, {}, dir)).rejects.toThrow(/cannot read fault file/);
    // Name scope: default left to the emulator (record), env twin, flag wins; --folder collects ids.
    expect(fromEnv.nameScope).toBeUndefined();
    expect(await emulatorOptionsFrom({}, { ...env, KOODRIVE_EMULATOR_NAME_SCOPE: 'folder' }, dir)).toMatchObject({
      nameScope: 'folder',
    });
    expect(
      await emulatorOptionsFrom(
        { nameScope: 'record', folder: ['F1', 'F2'] },
        { ...env, KOODRIVE_EMULATOR_NAME_SCOPE: 'folder' },
        dir,
      ),
    ).toMatchObject({ nameScope: 'record', folders: ['F1', 'F2'] });
    await expect(emulatorOptionsFrom({}, { ...env, KOODRIVE_EMULATOR_NAME_SCOPE: 'snapshot' }, dir)).rejects.toThrow(
      /KOODRIVE_EMULATOR_NAME_SCOPE must be record or folder/,
    );
  });

  it('prints one listening line, serves, and on SIGTERM closes with state saved', async () => {
    const io = fakeIo({ KOODRIVE_EMULATOR_TOKEN: 'cli-secret-token' });
    const run = program(io).parseAsync(
      ['node', 'kb', 'emulator', '--port', '0', '--data', 'emu', '--fail-rate', '0.25', '--seed', '3'],
      { from: 'node' },
    );
    const deadline = Date.now() + 10_000;
    while (!io.out().includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    const url = /^KooDrive emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[0]!)?.[1];
    expect(url).toBeDefined();
    expect(await (await fetch(`${url}/_emulator/faults`)).json()).toEqual({ failRate: 0.25, seed: 3 });
    expect(((await (await fetch(`${url}/_emulator/stats`)).json()) as { putCount: number }).putCount).toBe(0);
    process.emit('SIGTERM', 'SIGTERM');
    await run;
    expect(io.err()).toContain('stopped');
    expect(io.out() + io.err()).not.toContain('cli-secret-token');
    expect((await stat(join(dir, 'emu', 'state.json'))).isFile()).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'emu', 'state.json'), 'utf8')).version).toBe(1);
    await expect(fetch(`${url}/_emulator/stats`)).rejects.toThrow();
  });

  it('exits with a usage error for bad flags or missing credentials, and has help with an example', async () => {
    const bad = fakeIo();
    await expect(
      program(bad).parseAsync(['node', 'kb', 'emulator', '--port', 'x'], { from: 'node' }),
    ).rejects.toBeInstanceOf(CommanderError);
    expect(bad.err()).toMatch(/--port must be a whole number/);
    const badScope = fakeIo();
    await expect(
      program(badScope).parseAsync(['node', 'kb', 'emulator', '--name-scope', 'snapshot'], { from: 'node' }),
    ).rejects.toBeInstanceOf(CommanderError);
    expect(badScope.err()).toMatch(/--name-scope/);
    const noToken = fakeIo();
    const err = await program(noToken)
      .parseAsync(['node', 'kb', 'emulator', '--port', '0', '--data', 'emu'], { from: 'node' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as CommanderError).exitCode).toBe(2);
    expect(noToken.err()).toMatch(/token mode needs a token/);
    const help = fakeIo();
    await expect(
      program(help).parseAsync(['node', 'kb', 'emulator', '--help'], { from: 'node' }),
    ).rejects.toMatchObject({ exitCode: 0 });
    expect(help.out()).toMatch(/Examples:\n\s+\$ KOODRIVE_EMULATOR_TOKEN=dev koodrive-backup emulator/);
    expect(help.out()).toContain('--fail-rate');
  });
});
