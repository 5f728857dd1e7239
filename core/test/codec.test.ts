import { strict as assert } from 'node:assert';
import { ByteReader, ByteWriter, magic } from '@strata/core';

describe('codec', () => {
  it('round-trips every field type', () => {
    const bytes = new ByteWriter()
      .fixed(magic('m'), 1)
      .u8(255)
      .u16(65535)
      .u32(4294967295)
      .u64(Number.MAX_SAFE_INTEGER)
      .f64(0.25)
      .bytes16(new Uint8Array([1, 2]))
      .bytes32(new Uint8Array([3]))
      .string16('ünïcode')
      .finish();
    const r = new ByteReader(bytes);
    r.expectMagic(magic('m'));
    assert.equal(r.u8(), 255);
    assert.equal(r.u16(), 65535);
    assert.equal(r.u32(), 4294967295);
    assert.equal(r.u64(), Number.MAX_SAFE_INTEGER);
    assert.equal(r.f64(), 0.25);
    assert.deepEqual(r.bytes16(), new Uint8Array([1, 2]));
    assert.deepEqual(r.bytes32(10), new Uint8Array([3]));
    assert.equal(r.string16(), 'ünïcode');
    r.finish();
  });

  it('rejects truncated input with a DecodeError', () => {
    const r = new ByteReader(new Uint8Array([0, 1, 2]));
    assert.throws(() => r.u32(), { name: 'DecodeError', reason: 'encoding' });
  });

  it('rejects trailing bytes', () => {
    const r = new ByteReader(new Uint8Array([1, 2]));
    r.u8();
    assert.throws(() => r.finish(), { name: 'DecodeError' });
  });

  it('refuses NaN, infinities and negative zero in both directions', () => {
    assert.throws(() => new ByteWriter().f64(NaN), { name: 'AssertionError' });
    assert.throws(() => new ByteWriter().f64(-0), { name: 'AssertionError' });
    const nan = new Uint8Array(8);
    new DataView(nan.buffer).setFloat64(0, NaN);
    assert.throws(() => new ByteReader(nan).f64(), { name: 'DecodeError' });
  });

  it('rejects a length prefix beyond the field maximum', () => {
    const bytes = new ByteWriter().bytes16(new Uint8Array(10)).finish();
    assert.throws(() => new ByteReader(bytes).bytes16(5), { name: 'DecodeError' });
  });

  it('rejects a u64 beyond the safe integer range', () => {
    assert.throws(() => new ByteReader(new Uint8Array(8).fill(0xff)).u64(), { name: 'DecodeError' });
  });

  it('rejects invalid UTF-8 and a wrong magic', () => {
    const bad = new ByteWriter().bytes16(new Uint8Array([0xff, 0xfe])).finish();
    assert.throws(() => new ByteReader(bad).string16(), { name: 'DecodeError' });
    assert.throws(() => new ByteReader(magic('abc')).expectMagic(magic('abd')), { name: 'DecodeError' });
  });
});
