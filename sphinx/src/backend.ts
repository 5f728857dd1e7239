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
export function checkStreamArgs(key: unknown, iv: unknown, data: unknown): void {
  assertBytes(key, 'key', 32);
  assertBytes(iv, 'iv', 16);
  assertBytes(data, 'data');
}
