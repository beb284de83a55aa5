/**
 * Edges of the client's app signer (src/auth/app-signature.ts) that the vectors do not reach
 * (issue 15 survivors): how a received path is canonicalised, ties in the query sort, and how
 * strictly an Authorization value is read. Expected values are written out by hand from §8.2.
 */
import { describe, expect, it } from 'vitest';
import { appAuthorization, canonicalRequest, parseAppAuthorization, signature } from '../../src/auth/app-signature.js';

const HEADERS = { host: 'h', 'x-date': '20251218T013236Z', 'x-user-id': '1' };
const uriOf = (path: string) =>
  canonicalRequest({ method: 'GET', path, headers: HEADERS, body: '' }, ['host']).split('\n')[1];
const queryOf = (query: Array<[string, string]>) =>
  canonicalRequest({ method: 'GET', path: '/', query, headers: HEADERS, body: '' }, ['host']).split('\n')[2];

describe('canonical URI of an escaped path', () => {
  it('a stray "%" next to a real escape: the stray one is literal, the escape decoded', () => {
    expect(uriOf('/a/%4z%41')).toBe('/a/%254zA/');
  });

  it('an escape that is not UTF-8 is kept as sent (encoded once more), never thrown', () => {
    expect(uriOf('/a/%E2%82')).toBe('/a/%25E2%2582/');
  });
});

describe('canonical query', () => {
  it('equal names are ordered by value; equal pairs stay', () => {
    expect(
      queryOf([
        ['a', '2'],
        ['a', '1'],
        ['b', '0'],
        ['a', '1'],
      ]),
    ).toBe('a=1&a=1&a=2&b=0');
    expect(
      queryOf([
        ['a', 'x'],
        ['a', 'w'],
      ]),
    ).toBe('a=w&a=x');
    // Five pairs: enough for the sort to compare in both directions, so a comparator that is
    // wrong for one of them shows.
    expect(
      queryOf([
        ['b', '2'],
        ['a', '2'],
        ['a', '1'],
        ['c', '0'],
        ['a', '3'],
      ]),
    ).toBe('a=1&a=2&a=3&b=2&c=0');
  });
});

describe('appAuthorization', () => {
  it('lists the signed header names lower-cased and sorted', () => {
    const req = { method: 'GET', path: '/x', headers: HEADERS, body: '' };
    const value = appAuthorization('id', 's', req, ['x-user-id', 'Host', 'x-date']);
    expect(value).toBe(
      `HMAC-SHA256 AppId=id,SignedHeaders=host;x-date;x-user-id,Signature=` +
        `${signature('s', req, ['host', 'x-date', 'x-user-id'])}`,
    );
  });
});

describe('parseAppAuthorization', () => {
  it('trims the value and each field, lower-cases and trims the header names', () => {
    expect(parseAppAuthorization('  HMAC-SHA256 AppId = a , SignedHeaders= Host; X-Date ,Signature =s  ')).toEqual({
      appId: 'a',
      signedHeaders: ['host', 'x-date'],
      signature: 's',
    });
  });

  it('the scheme must start the value and the rest be one line', () => {
    expect(parseAppAuthorization('xHMAC-SHA256 AppId=a,SignedHeaders=host,Signature=s')).toBeUndefined();
    expect(parseAppAuthorization('HMAC-SHA256 AppId=a,SignedHeaders=host,Signature=s\nX')).toBeUndefined();
  });

  it('a field without "=" is ignored and cannot stand in for another', () => {
    expect(parseAppAuthorization('HMAC-SHA256 AppId=a,SignedHeaders=host,Signature=s,AppIdX')).toEqual({
      appId: 'a',
      signedHeaders: ['host'],
      signature: 's',
    });
    expect(parseAppAuthorization('HMAC-SHA256 AppId=a,SignedHeaders=host,Signature=s,=zz')).toEqual({
      appId: 'a',
      signedHeaders: ['host'],
      signature: 's',
    });
  });

  it('every one of the three fields is needed', () => {
    expect(parseAppAuthorization('HMAC-SHA256 SignedHeaders=host,Signature=s')).toBeUndefined();
    expect(parseAppAuthorization('HMAC-SHA256 AppId=a,Signature=s')).toBeUndefined();
    expect(parseAppAuthorization('HMAC-SHA256 AppId=a,SignedHeaders=host')).toBeUndefined();
    expect(parseAppAuthorization('HMAC-SHA256 AppId=,SignedHeaders=host,Signature=s')).toBeUndefined();
  });
});
