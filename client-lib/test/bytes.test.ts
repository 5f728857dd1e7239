import assert from 'node:assert/strict';
import fc from 'fast-check';
import { base64ToBytes, bytesToBase64, ctEqual, isAllZero, readU16be, readU32be, u16be, u32be, u64be } from '../src/bytes.js';

describe('bytes', () => {
  it('encodes base64 exactly as Buffer does, and decodes it back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const text = bytesToBase64(b);
        assert.equal(text, Buffer.from(b).toString('base64'));
        assert.deepEqual(base64ToBytes(text), b);
      }),
      { seed: 21, numRuns: 300 },
    );
  });

  it('refuses malformed base64', () => {
    assert.throws(() => base64ToBytes('abc'), TypeError);
    assert.throws(() => base64ToBytes('ab!='), TypeError);
    assert.throws(() => base64ToBytes('a=bc'), TypeError);
  });

  it('compares equal and unequal arrays, and arrays of different lengths', () => {
    assert.equal(ctEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
    assert.equal(ctEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
    assert.equal(ctEqual(Uint8Array.of(1), Uint8Array.of(1, 0)), false);
    assert.equal(isAllZero(new Uint8Array(5)), true);
    assert.equal(isAllZero(Uint8Array.of(0, 0, 1)), false);
  });

  it('writes and reads big-endian integers', () => {
    assert.deepEqual(u16be(0x1234), Uint8Array.of(0x12, 0x34));
    assert.deepEqual(u32be(0x01020304), Uint8Array.of(1, 2, 3, 4));
    assert.deepEqual(u64be(2 ** 40 + 5), Uint8Array.of(0, 0, 1, 0, 0, 0, 0, 5));
    assert.equal(readU16be(Uint8Array.of(9, 0x12, 0x34), 1), 0x1234);
    assert.equal(readU32be(Uint8Array.of(0xff, 0xff, 0xff, 0xff), 0), 0xffffffff);
  });
});
