/**
 * The "Folders and names" rules of the reference (src/names/file-name.ts) with literal names: the
 * fullwidth twins, the description path, and why a local file cannot be named on the server.
 */
import { describe, expect, it } from 'vitest';
import {
  fileNameProblem,
  localNameProblem,
  MANIFEST_DESCRIPTION,
  MAX_DESCRIPTION_LENGTH,
  MAX_NAME_LENGTH,
  toDescription,
  toServerFileName,
} from '../../src/names/file-name.js';

describe('toServerFileName', () => {
  it('maps each forbidden character to its fullwidth twin, every occurrence, and keeps the rest', () => {
    expect(toServerFileName('a<b>c|d:e"f*g?h/i\\j')).toBe('a＜b＞c｜d：e＂f＊g？h／i＼j');
    expect(toServerFileName('::')).toBe('：：');
    expect(toServerFileName('plain name.txt')).toBe('plain name.txt');
  });
});

describe('fileNameProblem', () => {
  it('names each rule', () => {
    expect(fileNameProblem('')).toBe('fileName is empty');
    expect(fileNameProblem('.')).toBe('fileName "." is not allowed');
    expect(fileNameProblem('..')).toBe('fileName ".." is not allowed');
    expect(fileNameProblem('a?b')).toBe('fileName "a?b" contains the forbidden character "?"');
    expect(fileNameProblem('a\\b')).toBe('fileName "a\\b" contains the forbidden character "\\"');
    expect(fileNameProblem('a b')).toBeUndefined();
    expect(fileNameProblem('a b', { forbidSpace: true })).toBe('fileName "a b" contains a space');
    expect(fileNameProblem('ab', { forbidSpace: true })).toBeUndefined();
    expect(fileNameProblem('...')).toBeUndefined();
    expect(MAX_NAME_LENGTH).toBe(250);
    expect(MAX_DESCRIPTION_LENGTH).toBe(512);
  });
});

describe('toDescription', () => {
  it('POSIX path relative to the root, empty segments dropped, backslash kept', () => {
    expect(toDescription('/a//b/c.txt/')).toBe('a/b/c.txt');
    expect(toDescription('x\\y')).toBe('x\\y');
    expect(toDescription('')).toBe('');
  });
});

describe('localNameProblem', () => {
  it('a path up to 512 characters is fine, 513 is refused with the path named', () => {
    const ok = `${'d/'.repeat(200)}${'f'.repeat(112)}`;
    expect(ok).toHaveLength(512);
    expect(localNameProblem(ok)).toBeUndefined();
    expect(localNameProblem(`${ok}g`)).toBe(
      `path "${ok}g" is longer than 512 characters, the limit of the description field`,
    );
  });

  it('the manifest path is reserved', () => {
    expect(MANIFEST_DESCRIPTION).toBe('.koodrive-backup/manifest.ndjson');
    expect(localNameProblem('.koodrive-backup/manifest.ndjson')).toBe(
      'path ".koodrive-backup/manifest.ndjson" is where koodrive-backup keeps each record\'s manifest',
    );
    expect(localNameProblem('x/.koodrive-backup/manifest.ndjson')).toBeUndefined();
  });

  it('forbidden characters in the base name are fine (they become twins); only the base name is checked', () => {
    expect(localNameProblem('dir:x/what?.txt')).toBeUndefined();
    expect(localNameProblem('a/..')).toBe('fileName ".." is not allowed');
  });
});
