import { strict as assert } from 'node:assert';
import { concatBytes, ctEqual, ctIsZero, fromHex, toHex, xorInto } from '../src/bytes.js';

describe('bytes', () => {
  it('compares equal and unequal strings, and strings of different lengths', () => {
    assert.equal(ctEqual(fromHex('0102'), fromHex('0102')), true);
    assert.equal(ctEqual(fromHex('0102'), fromHex('0103')), false);
    assert.equal(ctEqual(fromHex('0102'), fromHex('01')), false);
  });
  it('recognises all-zero strings', () => {
    assert.equal(ctIsZero(new Uint8Array(32)), true);
    assert.equal(ctIsZero(fromHex('0000000100')), false);
  });
  it('xors, concatenates and round-trips hex', () => {
    const a = fromHex('0f0f');
    xorInto(a, fromHex('ff00'));
    assert.equal(toHex(a), 'f00f');
    assert.equal(toHex(concatBytes(fromHex('01'), new Uint8Array(0), fromHex('0203'))), '010203');
    assert.equal(toHex(fromHex('ABcd')), 'abcd');
  });
  it('refuses odd-length and non-hex strings', () => {
    assert.throws(() => fromHex('abc'), TypeError);
    assert.throws(() => fromHex('zz'), TypeError);
  });
});
