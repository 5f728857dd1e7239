// Byte helpers: hex/base64 codecs, concatenation, constant-time equality.
import { timingSafeEqual } from 'node:crypto';
import { assertBytes, assertString } from './assert.js';
import { DecodeError } from './errors.js';

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  assertBytes('bytes', bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Decodes lower- or upper-case hex; throws DecodeError on odd length, bad digits, or wrong length. */
export function fromHex(hex: string, length?: number): Uint8Array {
  assertString('hex', hex);
  const lower = hex.toLowerCase();
  if (!HEX_RE.test(lower)) throw new DecodeError('invalid hex');
  const out = new Uint8Array(Buffer.from(lower, 'hex'));
  if (length !== undefined && out.length !== length) {
    throw new DecodeError(`expected ${length} bytes of hex, got ${out.length}`);
  }
  return out;
}

/** Standard base64 (with padding) of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  assertBytes('bytes', bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 decoding (canonical padding required); throws DecodeError otherwise. */
export function fromBase64(b64: string): Uint8Array {
  assertString('base64', b64);
  if (!B64_RE.test(b64)) throw new DecodeError('invalid base64');
  const out = new Uint8Array(Buffer.from(b64, 'base64'));
  // Reject non-canonical trailing bits (two encodings of one value would break canonicality).
  if (Buffer.from(out).toString('base64') !== b64) throw new DecodeError('non-canonical base64');
  return out;
}

/** base64url without padding (as JWK wants). */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-time equality for MACs, tags, signatures and hashes (length leak only). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  assertBytes('a', a);
  assertBytes('b', b);
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** Byte-wise lexicographic comparison (for canonical orderings). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/** Overwrites a buffer holding secret material with zeros. */
export function wipe(bytes: Uint8Array): void {
  bytes.fill(0);
}
