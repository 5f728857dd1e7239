// The canonical binary encoding used for every signed Strata object (descriptors, consensus
// documents, authority messages). Big-endian, fixed-width integers, length-prefixed variable
// fields, IEEE-754 binary64 for real numbers. A decoder built on ByteReader must consume every
// byte (finish()), so one value has exactly one encoding. See docs/spec/directory.md §Encoding.
import { assert, assertBytes } from './assert.js';
import { DecodeError } from './errors.js';

const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true });
const UTF8_ENCODER = new TextEncoder();

/** Appends canonical fields to a growing buffer. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): this {
    assert(Number.isInteger(v) && v >= 0 && v <= 0xff, 'u8 out of range');
    this.reserve(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16(v: number): this {
    assert(Number.isInteger(v) && v >= 0 && v <= 0xffff, 'u16 out of range');
    this.reserve(2);
    new DataView(this.buf.buffer).setUint16(this.len, v);
    this.len += 2;
    return this;
  }

  u32(v: number): this {
    assert(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, 'u32 out of range');
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.len, v);
    this.len += 4;
    return this;
  }

  /** Unsigned 64-bit, restricted to safe integers. */
  u64(v: number): this {
    assert(Number.isSafeInteger(v) && v >= 0, 'u64 out of range');
    this.reserve(8);
    new DataView(this.buf.buffer).setBigUint64(this.len, BigInt(v));
    this.len += 8;
    return this;
  }

  /** binary64; NaN, ±Infinity and -0 have no canonical meaning here and are refused. */
  f64(v: number): this {
    assert(Number.isFinite(v) && !Object.is(v, -0), 'f64 must be finite and not -0');
    this.reserve(8);
    new DataView(this.buf.buffer).setFloat64(this.len, v);
    this.len += 8;
    return this;
  }

  /** Raw bytes of a length both sides know. */
  fixed(bytes: Uint8Array, length: number): this {
    assertBytes('fixed', bytes, length);
    this.reserve(length);
    this.buf.set(bytes, this.len);
    this.len += length;
    return this;
  }

  /** u16 length prefix + bytes. */
  bytes16(bytes: Uint8Array): this {
    this.u16(bytes.length);
    return this.fixed(bytes, bytes.length);
  }

  /** u32 length prefix + bytes. */
  bytes32(bytes: Uint8Array): this {
    this.u32(bytes.length);
    return this.fixed(bytes, bytes.length);
  }

  /** u16 length prefix + UTF-8. */
  string16(s: string): this {
    return this.bytes16(UTF8_ENCODER.encode(s));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Reads canonical fields; every read throws DecodeError when the input is short. */
export class ByteReader {
  private off = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    assertBytes('data', data);
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get offset(): number {
    return this.off;
  }

  get remaining(): number {
    return this.data.length - this.off;
  }

  private need(n: number): void {
    if (this.off + n > this.data.length) throw new DecodeError('truncated input');
  }

  u8(): number {
    this.need(1);
    return this.data[this.off++];
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.off);
    this.off += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.off);
    this.off += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.off);
    this.off += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError('u64 beyond safe integer range');
    return Number(v);
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.off);
    this.off += 8;
    if (!Number.isFinite(v) || Object.is(v, -0)) throw new DecodeError('non-canonical f64');
    return v;
  }

  fixed(length: number): Uint8Array {
    this.need(length);
    const out = this.data.slice(this.off, this.off + length);
    this.off += length;
    return out;
  }

  bytes16(maxLength = 0xffff): Uint8Array {
    const n = this.u16();
    if (n > maxLength) throw new DecodeError(`field longer than ${maxLength}`);
    return this.fixed(n);
  }

  bytes32(maxLength: number): Uint8Array {
    const n = this.u32();
    if (n > maxLength) throw new DecodeError(`field longer than ${maxLength}`);
    return this.fixed(n);
  }

  string16(maxLength = 0xffff): string {
    const b = this.bytes16(maxLength);
    try {
      return UTF8_DECODER.decode(b);
    } catch {
      throw new DecodeError('invalid UTF-8');
    }
  }

  /** Expects `magic` next (domain separation tag). */
  expectMagic(magic: Uint8Array): void {
    const got = this.fixed(magic.length);
    for (let i = 0; i < magic.length; i++) {
      if (got[i] !== magic[i]) throw new DecodeError('wrong magic');
    }
  }

  /** Throws unless every byte was consumed. */
  finish(): void {
    if (this.off !== this.data.length) throw new DecodeError('trailing bytes');
  }
}

/** ASCII magic string → bytes (domain separation tags carried inside signed encodings). */
export function magic(tag: string): Uint8Array {
  return UTF8_ENCODER.encode(tag);
}
