/** Issue 12 item 26: the README tour and docs/ci.md say what works for a new user. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../..');
const read = (rel: string) => readFileSync(join(REPO, rel), 'utf8');

describe('README and docs/ci.md (issue 12 item 26)', () => {
  it('tour step 5 starts a standalone emulator and then points the tool at it', () => {
    const readme = read('README.md');
    const step5 = readme.slice(readme.indexOf('# 5.'), readme.indexOf('```', readme.indexOf('# 5.')));
    const port = /emulator --port (\d+)[^\n]*--token (\S+) --user-id (\S+)/.exec(step5);
    expect(port, step5).not.toBeNull();
    const [, p, token, user] = port!;
    expect(step5).toContain(`KOODRIVE_ENDPOINT=http://127.0.0.1:${p}`);
    expect(step5).toContain(`KOODRIVE_TOKEN=${token}`);
    expect(step5).toContain(`KOODRIVE_USER_ID=${user}`);
    expect(step5).toMatch(/koodrive-backup upload /);
  });

  it('the native addon is C, and the README says so', () => {
    expect(readdirSync(join(REPO, 'native')).filter((f) => /\.(c|cc|cpp)$/.test(f))).toEqual(['sha256_addon.c']);
    expect(read('README.md')).not.toContain('C++');
    expect(read('README.md')).toMatch(/A C compiler is optional/);
  });

  it('docs/ci.md installs from a packed tarball or the repository, not from the npm registry', () => {
    const ci = read('docs/ci.md');
    expect(ci).not.toMatch(/npm install --global koodrive-backup(\s|$)/m);
    expect(ci).toContain('npm pack');
    expect(ci).toMatch(/npm install --global \.\/vendor\/koodrive-backup-[\d.]+\.tgz/);
    const pkg = JSON.parse(read('package.json')) as { files: string[]; version: string };
    expect(pkg.files).toContain('dist'); // the tarball carries the built CLI
    expect(ci).toContain(`koodrive-backup-${pkg.version}.tgz`);
  });
});
