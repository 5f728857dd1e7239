import { assertBytes, assertInt } from './assert.js';
import { SphinxArgumentError } from './errors.js';

// One crypto backend interface; two implementations (backend-native.ts, backend-portable.ts).
// Primitives exactly as Katzenpost's core/sphinx/internal/crypto uses them. AEZ (the payload SPRP)
// is pure TypeScript (aez.ts) and shared by both backends.

/** A scalar imported once for repeated X25519 use (native: a cached KeyObject). Opaque. */
export interface ScalarKey {
  readonly __scalarKey: true;
}
/** A u-coordinate imported once for repeated X25519 use. Opaque. */
export interface PointKey {
  readonly __pointKey: true;
}

export interface CryptoBackend {
  readonly name: 'native' | 'portable';
  /** Which X25519 implementation the native backend runs ('libsodium' or 'openssl'); diagnostics only. */
  readonly x25519Engine?: string;
  randomBytes(length: number): Uint8Array;
  /** Imports a raw 32-byte X25519 scalar (clamped by X25519 itself, RFC 7748 §5). */
  importScalar(scalar: Uint8Array): ScalarKey;
  /** Imports a 32-byte u-coordinate; throws InvalidPacketError('key') on a low-order point. */
  importPoint(u: Uint8Array): PointKey;
  /** X25519(k, P); throws InvalidPacketError('key') on an all-zero result. */
  x25519(k: ScalarKey, p: PointKey): Uint8Array;
  /** X25519(k, 9): the public key of k. */
  x25519Base(k: ScalarKey): Uint8Array;
  /** RFC 5869 HKDF-Expand with SHA-256, the input used directly as PRK (no Extract). */
  hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  /** SHA-512/256 (FIPS 180-4), the replay tag hash. */
  sha512_256(data: Uint8Array): Uint8Array;
  /** data XOR AES-256-CTR(key, iv) keystream, 128-bit big-endian counter; returns a new array. */
  aes256Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  /** First 32 bytes of ChaCha20(key, nonce 0, counter 0): Katzenpost's blinding-factor derivation. */
  chacha20Keystream32(key: Uint8Array): Uint8Array;

  // "Into" forms for the per-hop unwrap (unwrapPacketInto): the same results written into
  // caller-owned buffers, so that a mix worker allocates nothing per packet where the engine allows
  // (libsodium writes in place; node:crypto and @noble still allocate inside and copy).
  /** X25519(k, u) into out (32 bytes); u as raw bytes: same low-order and all-zero checks as importPoint/x25519. */
  x25519Into(k: ScalarKey, u: Uint8Array, out: Uint8Array): void;
  /** X25519 of a one-use raw 32-byte scalar (the blinding factor) and raw u into out; same checks. */
  x25519RawInto(scalar: Uint8Array, u: Uint8Array, out: Uint8Array): void;
  /** hkdfExpandSha256(prk, info, out.length) into out. */
  hkdfExpandSha256Into(prk: Uint8Array, info: Uint8Array, out: Uint8Array): void;
  /** hmacSha256 into out (32 bytes). */
  hmacSha256Into(key: Uint8Array, data: Uint8Array, out: Uint8Array): void;
  /** sha512_256 into out (32 bytes). */
  sha512_256Into(data: Uint8Array, out: Uint8Array): void;
  /** aes256Ctr into out (out.length = data.length; must not overlap data). */
  aes256CtrInto(key: Uint8Array, iv: Uint8Array, data: Uint8Array, out: Uint8Array): void;
  /** chacha20Keystream32 into out (32 bytes). */
  chacha20Keystream32Into(key: Uint8Array, out: Uint8Array): void;
}

/** Argument checks shared by both backends (every backend method is a public entry point). */
export const MAX_HKDF_SHA256_BYTES = 255 * 32;
export function checkKeyBytes(value: unknown, path: string): asserts value is Uint8Array {
  assertBytes(value, path, 32);
}
export function checkHkdfArgs(prk: unknown, info: unknown, length: unknown): void {
  assertBytes(prk, 'prk');
  if (prk.length < 32) throw new SphinxArgumentError('prk', 'must be at least 32 bytes (RFC 5869 §2.3: HashLen)');
  assertBytes(info, 'info');
  assertInt(length, 'length', 0, MAX_HKDF_SHA256_BYTES);
}
/** Checks an *Into method's out (of an exact length when given). */
export function checkOut(out: unknown, length?: number): asserts out is Uint8Array {
  assertBytes(out, 'out', length);
}
/** True when two byte views share any memory. */
export function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
export function checkStreamIntoArgs(key: unknown, iv: unknown, data: unknown, out: unknown): void {
  checkStreamArgs(key, iv, data);
  checkOut(out, (data as Uint8Array).length);
  if (overlaps(data as Uint8Array, out)) throw new SphinxArgumentError('out', 'must not overlap data');
}
export function checkStreamArgs(key: unknown, iv: unknown, data: unknown): void {
  assertBytes(key, 'key', 32);
  assertBytes(iv, 'iv', 16);
  assertBytes(data, 'data');
}
