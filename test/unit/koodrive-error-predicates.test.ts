/**
 * What a failed call means for the caller (src/koodrive/koodrive-error.ts predicates), with
 * literal codes: each is true only for its own kind or code, and false for anything that is not
 * a KooDriveError.
 */
import { describe, expect, it } from 'vitest';
import {
  isFatal,
  isLockBusy,
  isLockLost,
  isNameTaken,
  isRecordIncomplete,
  isUploadTaskGone,
  KooDriveError,
  type KooDriveErrorKind,
  partsNotUploaded,
} from '../../src/koodrive/koodrive-error.js';

const err = (kind: KooDriveErrorKind, code: number | string | undefined = undefined, message = 'x') =>
  new KooDriveError({ code, msg: message, httpStatus: 400, call: 'c', kind, transient: false }, message);
const KINDS: KooDriveErrorKind[] = [
  'auth',
  'clock',
  'lock-busy',
  'lock-lost',
  'conflict',
  'validation',
  'not-found',
  'transient',
  'other',
];
const plain = Object.assign(new Error('x'), { kind: 'lock-busy', code: 13000401 });

describe('predicates by kind', () => {
  it.each(KINDS)('%s', (kind) => {
    expect(isLockBusy(err(kind))).toBe(kind === 'lock-busy');
    expect(isLockLost(err(kind))).toBe(kind === 'lock-lost');
    expect(isFatal(err(kind))).toBe(kind === 'auth' || kind === 'clock' || kind === 'lock-lost');
  });

  it('false for anything that is not a KooDriveError', () => {
    for (const p of [isLockBusy, isLockLost, isFatal, isUploadTaskGone, isNameTaken, isRecordIncomplete]) {
      expect(p(plain)).toBe(false);
      expect(p(undefined)).toBe(false);
    }
    expect(partsNotUploaded(plain)).toBeUndefined();
  });
});

describe('predicates by code (number or numeric string)', () => {
  it('upload task gone: 13000401', () => {
    expect(isUploadTaskGone(err('not-found', 13000401))).toBe(true);
    expect(isUploadTaskGone(err('not-found', '13000401'))).toBe(true);
    expect(isUploadTaskGone(err('not-found', 13000309))).toBe(false);
  });

  it('name taken: 13000405 or 13990032', () => {
    expect(isNameTaken(err('conflict', 13000405))).toBe(true);
    expect(isNameTaken(err('conflict', '13990032'))).toBe(true);
    expect(isNameTaken(err('conflict', 13990021))).toBe(false);
    expect(isNameTaken(err('conflict', undefined))).toBe(false);
  });

  it('record incomplete: 13990022', () => {
    expect(isRecordIncomplete(err('conflict', 13990022))).toBe(true);
    expect(isRecordIncomplete(err('conflict', 13990021))).toBe(false);
  });
});

describe('partsNotUploaded', () => {
  const check = (message: string) => err('validation', 13000402, message);

  it('the listed part numbers of a 13000402 answer', () => {
    expect(partsNotUploaded(check('complete failed: part(s) 2, 5 not uploaded; PUT them and complete again'))).toEqual([
      2, 5,
    ]);
    expect(partsNotUploaded(check('part(s) 12 not uploaded'))).toEqual([12]);
  });

  it("'all' when the list is shortened or absent", () => {
    expect(partsNotUploaded(check('part(s) 1, 2, 3, … (40 in all) not uploaded'))).toBe('all');
    expect(partsNotUploaded(check('the parts hash to nothing'))).toBe('all');
  });

  it('undefined for another code', () => {
    expect(partsNotUploaded(err('validation', 13000102, 'part(s) 2 not uploaded'))).toBeUndefined();
  });
});

describe('partsNotUploaded: a stray comma in the list adds no part 0', () => {
  it('"part(s) 2, 5, not uploaded" is parts 2 and 5', () => {
    const e = new KooDriveError(
      { code: 13000402, msg: 'm', httpStatus: 400, call: 'complete file', kind: 'validation', transient: false },
      'complete file failed: file "a" (f1) failed the integrity check: ' +
        'part(s) 2, 5, not uploaded; PUT them and complete again',
    );
    expect(partsNotUploaded(e)).toEqual([2, 5]);
  });
});
