/** CI-native output of the built CLI: GitHub Actions, GitLab CI, and plain lines for cron. */
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { bytesOf, MiB, Sandbox, USER, writeTree, type EmulatorProcess } from './cli-unattended-harness.js';

const TOKEN = 'ci-token-3141';
const DUP = bytesOf(300_000, 5);
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
// C0 controls but \n, DEL, and the C1 range (a lone 0x9b is a CSI on some terminals)
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

const box = new Sandbox();
let home: string;
let emu: EmulatorProcess;

beforeAll(async () => {
  home = await box.dir();
  emu = await box.emulator([], box.env(home, { KOODRIVE_EMULATOR_TOKEN: TOKEN }), home);
  // A first run stores DUP, so that the CI runs get a rapid upload out of it.
  await writeTree(join(home, 'seed'), { 'dup-original.dat': DUP });
  const seeded = await box.run(['upload', 'seed', '-q'], { cwd: home, env: envFor('seed') });
  expect(seeded.code, seeded.stderr).toBe(EXIT.OK);
});
afterAll(() => box.cleanup());

function envFor(state: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return box.env(home, {
    KOODRIVE_ENDPOINT: emu.url,
    KOODRIVE_TOKEN: TOKEN,
    KOODRIVE_USER_ID: USER,
    KOODRIVE_STATE_DIR: join(home, `state-${state}`),
    ...extra,
  });
}

describe('CI-native output', () => {
  it(
    'GitHub Actions: ::group:: around the files, ::error for a failed file, a Markdown table in ' +
      '$GITHUB_STEP_SUMMARY',
    async () => {
      await writeTree(join(home, 'gh'), { 'dup.dat': DUP, 'one.bin': bytesOf(MiB, 6), 'two.bin': bytesOf(MiB, 7) });
      const summaryFile = join(home, 'step-summary.md');
      await writeFile(summaryFile, '## an earlier step\n');
      // The first PUT of this run is refused for good: exactly one of one.bin / two.bin fails.
      await emu.setFaults({ rules: [{ kind: 'put', nth: 1, status: 400 }] });
      const result = await box.run(['upload', 'gh', '--file-concurrency', '1'], {
        cwd: home,
        env: envFor('gh', { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile }),
      });
      await emu.setFaults({});
      expect(result.code, result.stderr).toBe(EXIT.PARTIAL);
      expect(result.stdout).not.toContain(TOKEN);

      const lines = result.stdout.trimEnd().split('\n');
      // files are scanned and sent as one stream: the count is in the header only when the scan ended first
      const open = lines.findIndex((l) => /^::group::Uploading (3 )?files$/.test(l));
      const close = lines.indexOf('::endgroup::');
      expect(open).toBeGreaterThanOrEqual(0);
      expect(close).toBeGreaterThan(open);
      expect(lines.filter((l) => l.startsWith('::group::'))).toHaveLength(1);
      const errors = lines.filter((l) => l.startsWith('::error '));
      expect(errors).toHaveLength(1);
      const failed = /^::error file=(one\.bin|two\.bin),title=Backup failed::.*HTTP 400/.exec(errors[0]!)?.[1];
      expect(failed).toBeDefined();
      const uploaded = failed === 'one.bin' ? 'two.bin' : 'one.bin';
      // per-file lines inside the group, the summary after it
      const inGroup = lines.slice(open + 1, close);
      expect(inGroup.some((l) => / uploaded +\S*\s*/.test(l) && l.includes(uploaded))).toBe(true);
      // a rapid upload sent nothing: counted in the summary, listed only with --verbose (issue 12 item 4)
      expect(inGroup.some((l) => l.includes('dup.dat'))).toBe(false);
      expect(lines.slice(close + 1).some((l) => /Files: +3 total: .*1 rapid/.test(l))).toBe(true);
      expect(lines.slice(close + 1).some((l) => /exit 4$/.test(l))).toBe(true);

      const md = await readFile(summaryFile, 'utf8');
      expect(md.startsWith('## an earlier step\n')).toBe(true); // appended, not overwritten
      expect(md).toContain('### KooDrive backup finished with errors: 3 files, 1 failed');
      expect(md).toContain('| Outcome | Files | Size |');
      expect(md).toContain('| Uploaded | 1 | 1.0 MiB |');
      expect(md).toContain('| Rapid upload (server had the content) | 1 | 293.0 KiB |');
      expect(md).toContain('| Failed | 1 | 1.0 MiB |');
      expect(md).toMatch(/\| \*\*Total\*\* \| \*\*3\*\* \|/);
      expect(md).toContain('| Saved by rapid upload | 293.0 KiB |');
      expect(md).toMatch(/\| Bytes sent \| [\d.]+ (KiB|MiB) \|/);
      expect(md).toMatch(/\| Duration \| [\d.]+m?s \|/);
      expect(md).toContain('#### Not backed up');
      expect(md).toMatch(new RegExp(`\\| ${failed!.replace('.', '\\.')} \\| failed \\| .*HTTP 400`));
    },
  );

  it('GitLab CI: collapsible section markers around the files', async () => {
    await writeTree(join(home, 'gl'), { 'g1.txt': 'gitlab one\n', 'g2.txt': 'gitlab two\n' });
    const result = await box.run(['upload', 'gl'], { cwd: home, env: envFor('gl', { GITLAB_CI: 'true' }) });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const start = /\x1b\[0Ksection_start:(\d+):koodrive_upload\[collapsed=true\]\r\x1b\[0KUploading (2 )?files\n/.exec(
      result.stdout,
    );
    const end = /\x1b\[0Ksection_end:(\d+):koodrive_upload\r\x1b\[0K\n/.exec(result.stdout);
    expect(start).not.toBeNull();
    expect(end).not.toBeNull();
    expect(end!.index).toBeGreaterThan(start!.index);
    expect(Number(end![1])).toBeGreaterThanOrEqual(Number(start![1]));
    expect(Math.abs(Number(start![1]) - Date.now() / 1000)).toBeLessThan(120); // unix seconds
    const inside = result.stdout.slice(start!.index + start![0].length, end!.index);
    expect(inside).toMatch(/uploaded +g1\.txt/);
    expect(inside).toMatch(/uploaded +g2\.txt/);
    expect(result.stdout).not.toContain('::group::');
  });

  it('GitHub Actions, dry run: the planned files are counted once, not also as skipped', async () => {
    await writeTree(join(home, 'dry'), { 'p1.txt': 'planned one\n', 'p2.txt': 'planned two\n' });
    const summaryFile = join(home, 'dry-summary.md');
    const result = await box.run(['upload', 'dry', '--dry-run'], {
      cwd: home,
      env: envFor('dry', { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile }),
    });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    expect(result.stdout).toMatch(/done: 2 files \(2 would send \(dry run\), 0 failed\)/);
    const md = await readFile(summaryFile, 'utf8');
    expect(md).toContain('| Skipped | 0 | 0 B |');
    expect(md).toContain('| Would send (dry run, nothing sent) | 2 | 24 B |');
  });

  it('plain output for cron: a timestamp on every line, no control characters even from hostile names', async () => {
    await writeTree(join(home, 'cron'), {
      'report.txt': 'plain\n',
      'evil\u001b[31mred\u0007.txt': 'escape in the name\n',
      'tab\there.txt': 'tab in the name\n',
    });
    await symlink('report.txt', join(home, 'cron', 'link.txt')); // a notice line
    const result = await box.run(['upload', 'cron'], { cwd: home, env: envFor('cron') });
    expect(result.code, result.stderr).toBe(EXIT.OK);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) expect(line).toMatch(TIMESTAMP);
    expect(result.stdout).not.toMatch(CONTROL);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/notice: symlink \S*cron\/link\.txt: symbolic link not followed/);
    expect(result.stdout).toMatch(/uploaded +evil.*red.*\.txt/);
    expect(result.stdout).not.toContain('::');
    expect(result.stdout).not.toContain('section_start');
  });
});
