/**
 * Issue 15: the emulator is the client's independent stand-in for KooDrive. If it checked
 * signatures, proofCodes, names or parts with the client's own functions, a bug shared by both
 * would pass every test. So no file under src/emulator/ may import the client's modules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const EMULATOR = join(ROOT, 'src', 'emulator');
const CLIENT_FOLDERS = [
  'hash',
  'names',
  'auth',
  'backup',
  'koodrive',
  'transfer',
  'scan',
  'cli',
  'restore',
  'verify',
  'manifest',
  'report',
  'config',
];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module specifier of import/export-from statements and dynamic import(), type-only ones included. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  for (const m of source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) found.push(m[1]!);
  return found;
}

/** The client folder a relative specifier of `file` lands in, or undefined when it stays in the emulator. */
function clientFolderOf(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const target = relative(join(ROOT, 'src'), resolve(join(file, '..'), spec));
  const top = target.split(sep)[0]!;
  return CLIENT_FOLDERS.includes(top) ? top : undefined;
}

describe('emulator import boundary', () => {
  it('finds import specifiers of every form (the scanner itself works)', () => {
    const sample = [
      "import { a } from '../hash/x.js';",
      "import type { B } from '../koodrive/wire-types.js';",
      "export { c } from '../names/file-name.js';",
      "const m = await import('../auth/app-signature.js');",
      "import '../scan/index.js';",
      'import {\n  d,\n  e,\n} from "../backup/journal.js";',
    ].join('\n');
    expect(specifiers(sample)).toEqual([
      '../hash/x.js',
      '../koodrive/wire-types.js',
      '../names/file-name.js',
      '../backup/journal.js',
      '../auth/app-signature.js',
      '../scan/index.js',
    ]);
    const nested = join(EMULATOR, 'rules', 'x.ts');
    expect(clientFolderOf(nested, '../../hash/part-rules.js')).toBe('hash');
    expect(clientFolderOf(nested, '../reply.js')).toBeUndefined();
  });

  it('no file under src/emulator/ imports from the client (hash, names, auth, backup, koodrive, …)', () => {
    const files = tsFiles(EMULATOR);
    expect(files.length).toBeGreaterThan(20);
    const crossings = files.flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter((spec) => clientFolderOf(file, spec) !== undefined)
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    expect(crossings).toEqual([]);
  });

  it('the shipped src/ holds no S3 face: that is test equipment (test/support/s3-face/, issue 14)', () => {
    const files = tsFiles(join(ROOT, 'src'));
    // What only the S3 face speaks: its operations and its request signature (presigned OBS URLs
    // carry X-Amz-* query fields, never an Authorization header or x-amz-content-sha256).
    const faceMarks = /ListObjectsV2|CreateMultipartUpload|x-amz-content-sha256|aws-chunked|s3Face\b/;
    const found = files.filter((file) => faceMarks.test(readFileSync(file, 'utf8'))).map((f) => relative(ROOT, f));
    expect(found).toEqual([]);
    const outside = files.flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter(
          (spec) =>
            spec.startsWith('.') && relative(join(ROOT, 'src'), resolve(join(file, '..'), spec)).startsWith('..'),
        )
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    expect(outside).toEqual([]);
  });
});
