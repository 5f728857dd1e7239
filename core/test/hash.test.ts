import { strict as assert } from 'node:assert';
import { blake2b256, toHex } from '@strata/core';

describe('blake2b256', () => {
  it('matches the RFC 7693 BLAKE2b-256 of "abc" (as Python hashlib computes it)', () => {
    assert.equal(toHex(blake2b256(new TextEncoder().encode('abc'))), 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319');
  });

  it('hashes the concatenation of its parts', () => {
    const e = new TextEncoder();
    assert.deepEqual(blake2b256(e.encode('a'), e.encode('bc')), blake2b256(e.encode('abc')));
  });
});
