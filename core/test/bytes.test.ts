import { strict as assert } from 'node:assert';
import { compareBytes, constantTimeEqual, fromBase64, fromHex, toBase64, toHex } from '@strata/core';

describe('bytes', () => {
  it('round-trips hex and base64', () => {
    const b = new Uint8Array([0, 1, 254, 255]);
    assert.deepEqual(fromHex(toHex(b)), b);
    assert.deepEqual(fromBase64(toBase64(b)), b);
  });

  it('rejects odd, non-hex and wrong-length hex', () => {
    assert.throws(() => fromHex('abc'), { name: 'DecodeError' });
    assert.throws(() => fromHex('zz'), { name: 'DecodeError' });
    assert.throws(() => fromHex('abcd', 3), { name: 'DecodeError' });
  });

  it('rejects base64 that is malformed or not canonical', () => {
    assert.throws(() => fromBase64('a'), { name: 'DecodeError' });
    assert.throws(() => fromBase64('AB=='.replace('B', 'B') + '!'), { name: 'DecodeError' });
    assert.throws(() => fromBase64('AB=='), { name: 'DecodeError' }); // trailing bits set: canonical is AA==
  });

  it('compares in constant time and by byte order', () => {
    assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
    assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
    assert.equal(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 3])), false);
    assert.ok(compareBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3])) < 0);
    assert.ok(compareBytes(new Uint8Array([2]), new Uint8Array([1, 3])) > 0);
  });

  it('asserts types at the boundary', () => {
    assert.throws(() => toHex('x' as unknown as Uint8Array), { name: 'AssertionError' });
  });
});
