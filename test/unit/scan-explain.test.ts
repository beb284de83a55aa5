import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainFilters } from '../../src/scan/explain-filters.js';
import type { ScanOptions } from '../../src/scan/scan-options.js';
import { walk } from '../../src/scan/walk.js';

let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kd-scan-explain-'));
  const spec: Record<string, string> = {
    'r/.koodriveignore': 'secret/\n',
    'r/a.jpg': 'a',
    'r/a.tmp': 't',
    'r/big.jpg': 'x'.repeat(100),
    'r/notes.txt': 'n',
    'r/photos/b.jpg': 'b',
    'r/photos/.nobackup': '',
    'r/secret/key.jpg': 'k',
    'r/node_modules/m/i.jpg': 'm',
    'single.jpg': 's',
  };
  for (const [rel, content] of Object.entries(spec)) {
    mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
    writeFileSync(path.join(tmp, rel), content);
  }
  symlinkSync('a.jpg', path.join(tmp, 'r/pics.jpg'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const opts: ScanOptions = {
  include: ['*.jpg'],
  exclude: ['*.tmp', 'node_modules'],
  excludeIfPresent: ['.nobackup'],
  maxSize: 50,
};

describe('explainFilters', () => {
  it('names the rule that kept or dropped each path', async () => {
    const answers = await explainFilters(['r', 'single.jpg'], { ...opts, cwd: tmp }, [
      'r/a.jpg',
      'r/a.tmp',
      'r/notes.txt',
      'r/big.jpg',
      'r/photos/b.jpg',
      'r/secret/key.jpg',
      'r/node_modules/m/i.jpg',
      'r/pics.jpg',
      'r/not-there.tmp',
      'single.jpg',
      'elsewhere/x.jpg',
      'r',
      path.join(tmp, 'r/a.jpg'),
    ]);
    expect(answers).toEqual([
      { path: 'r/a.jpg', kept: true, rule: 'include "*.jpg"' },
      { path: 'r/a.tmp', kept: false, rule: 'exclude "*.tmp"' },
      { path: 'r/notes.txt', kept: false, rule: 'no include pattern matched' },
      { path: 'r/big.jpg', kept: false, rule: 'max-size 50 B (file is 100 B)' },
      { path: 'r/photos/b.jpg', kept: false, rule: 'exclude-if-present ".nobackup", on folder photos' },
      { path: 'r/secret/key.jpg', kept: false, rule: '.koodriveignore "secret/", on folder secret' },
      { path: 'r/node_modules/m/i.jpg', kept: false, rule: 'exclude "node_modules", on folder node_modules' },
      { path: 'r/pics.jpg', kept: false, rule: 'symbolic link, not followed (--follow-symlinks)' },
      { path: 'r/not-there.tmp', kept: false, rule: 'exclude "*.tmp" (path not found; judged by its name as a file)' },
      { path: 'single.jpg', kept: true, rule: 'include "*.jpg"' },
      { path: 'elsewhere/x.jpg', kept: false, rule: 'outside every backup root' },
      { path: 'r', kept: true, rule: 'backup root' },
      { path: path.join(tmp, 'r/a.jpg'), kept: true, rule: 'include "*.jpg"' },
    ]);
  });

  it('agrees with the walk on every file of the tree', async () => {
    const walked: string[] = [];
    for await (const item of walk(['r'], { ...opts, cwd: tmp }))
      if (item.type === 'file') walked.push(`r/${item.file.relPath}`);
    const candidates = [
      'r/.koodriveignore',
      'r/a.jpg',
      'r/a.tmp',
      'r/big.jpg',
      'r/notes.txt',
      'r/photos/b.jpg',
      'r/secret/key.jpg',
      'r/node_modules/m/i.jpg',
    ];
    const answers = await explainFilters(['r'], { ...opts, cwd: tmp }, candidates);
    expect(answers.filter((a) => a.kept).map((a) => a.path)).toEqual(walked);
  });
});
