// Native backend: node:crypto (OpenSSL), with libsodium's X25519 (and ChaCha20 keystream) as the
// fast path when the optional sodium-native addon loads (backend-sodium.ts). On the OpenSSL path
// keys are imported as JWK (~10x cheaper than DER) and the resulting KeyObjects are what callers
// cache (prepareNodeKey). Both paths give identical results and the same typed errors.
import {
  createCipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomFillSync,
  KeyObject,
} from 'node:crypto';
import * as nodeCrypto from 'node:crypto';
import { createRequire } from 'node:module';
import { assertBytes, assertInt } from './assert.js';
import { checkHkdfArgs, checkKeyBytes, checkOut, checkStreamArgs, checkStreamIntoArgs, type CryptoBackend, type PointKey, type ScalarKey } from './backend.js';
import { makeSodiumX25519, type SodiumNative, type SodiumX25519 } from './backend-sodium.js';
import { ctEqual, ctIsZero } from './bytes.js';
import { InvalidPacketError, SphinxArgumentError, SphinxError } from './errors.js';
import { isLowOrderPoint } from './x25519-low-order.js';

// Node's JWK import needs an `x` member but recomputes the public key from `d` (measured: the
// result is right whatever `x` holds), so a constant placeholder saves a base-point multiplication.
const PLACEHOLDER_X = Buffer.alloc(32).toString('base64url');
const ZERO_IV_16 = Buffer.alloc(16);
const ZERO_32 = Buffer.alloc(32);

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function asKey(k: unknown, type: 'private' | 'public', path: string): KeyObject {
  if (!(k instanceof KeyObject) || k.type !== type) throw new SphinxArgumentError(path, `must be a ${type === 'private' ? 'ScalarKey' : 'PointKey'} from this backend`);
  return k;
}

function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Which X25519 the native backend uses: 'auto' = libsodium when it loads, else OpenSSL. */
export type NativeX25519 = 'auto' | 'libsodium' | 'openssl';

class NativeBackend implements CryptoBackend {
  readonly name = 'native' as const;
  readonly x25519Engine: 'libsodium' | 'openssl';

  constructor(sodium: SodiumX25519 | null) {
    this.x25519Engine = sodium ? 'libsodium' : 'openssl';
    if (sodium) {
      // Own properties shadow the OpenSSL prototype methods: one indirection fewer per call.
      this.importScalar = sodium.importScalar;
      this.importPoint = sodium.importPoint;
      this.x25519 = sodium.x25519;
      this.x25519Base = sodium.x25519Base;
      this.chacha20Keystream32 = sodium.chacha20Keystream32;
      this.hkdfExpandSha256 = sodium.hkdfExpandSha256;
      this.x25519Into = sodium.x25519Into;
      this.x25519RawInto = sodium.x25519RawInto;
      this.hkdfExpandSha256Into = sodium.hkdfExpandSha256Into;
      this.hmacSha256Into = sodium.hmacSha256Into;
      this.chacha20Keystream32Into = sodium.chacha20Keystream32Into;
      if (sodium.sha512_256Into) this.sha512_256Into = sodium.sha512_256Into;
    }
    Object.freeze(this);
  }

  randomBytes(length: number): Uint8Array {
    assertInt(length, 'length', 0, 1 << 30);
    const out = new Uint8Array(length);
    randomFillSync(out);
    return out;
  }

  importScalar(scalar: Uint8Array): ScalarKey {
    checkKeyBytes(scalar, 'scalar');
    const key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(scalar), x: PLACEHOLDER_X }, format: 'jwk' });
    return key as unknown as ScalarKey;
  }

  importPoint(u: Uint8Array): PointKey {
    checkKeyBytes(u, 'point');
    if (isLowOrderPoint(u)) throw new InvalidPacketError('key', 'low-order X25519 point');
    try {
      return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(u) }, format: 'jwk' }) as unknown as PointKey;
    } catch {
      throw new InvalidPacketError('key', 'X25519 point import failed');
    }
  }

  x25519(k: ScalarKey, p: PointKey): Uint8Array {
    const key = asKey(k, 'private', 'k');
    const point = asKey(p, 'public', 'p');
    let out: Buffer;
    try {
      out = diffieHellman({ privateKey: key, publicKey: point });
    } catch {
      // OpenSSL refuses an all-zero shared secret (RFC 7748 §6.1).
      throw new InvalidPacketError('key', 'X25519 derivation failed');
    }
    if (ctIsZero(out)) throw new InvalidPacketError('key', 'all-zero X25519 result');
    return view(out);
  }

  x25519Base(k: ScalarKey): Uint8Array {
    // OpenSSL computed the public key at import; the JWK export of the private key carries it as
    // `x` (~2 µs, where an SPKI DER export costs ~100 µs).
    const x = asKey(k, 'private', 'k').export({ format: 'jwk' }).x;
    if (typeof x !== 'string') throw new SphinxError('X25519 key export lacks x');
    const pub = Buffer.from(x, 'base64url');
    if (pub.length !== 32) throw new SphinxError('unexpected X25519 public key length');
    return view(pub);
  }

  hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    checkHkdfArgs(prk, info, length);
    // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) || info || i).
    const out = new Uint8Array(length);
    const counter = new Uint8Array(1);
    let prev: Buffer | null = null;
    for (let off = 0, i = 1; off < length; i++) {
      const h = createHmac('sha256', prk);
      if (prev) h.update(prev);
      h.update(info);
      counter[0] = i;
      prev = h.update(counter).digest();
      const n = Math.min(32, length - off);
      out.set(n === 32 ? prev : prev.subarray(0, n), off);
      off += n;
    }
    return out;
  }

  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
    assertBytes(key, 'key');
    assertBytes(data, 'data');
    return view(createHmac('sha256', key).update(data).digest());
  }

  sha256(data: Uint8Array): Uint8Array {
    assertBytes(data, 'data');
    return view(createHash('sha256').update(data).digest());
  }

  sha512_256(data: Uint8Array): Uint8Array {
    assertBytes(data, 'data');
    return view(sha512_256Buffer(data));
  }

  aes256Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
    checkStreamArgs(key, iv, data);
    return view(createCipheriv('aes-256-ctr', key, iv).update(data));
  }

  chacha20Keystream32(key: Uint8Array): Uint8Array {
    checkKeyBytes(key, 'key');
    // node's 16-byte ChaCha20 IV = 32-bit LE counter || 96-bit nonce; all zero (see portable).
    return view(createCipheriv('chacha20', key, ZERO_IV_16).update(ZERO_32));
  }

  // Into forms (libsodium's replace the X25519, HKDF, HMAC and ChaCha20 ones when it loads).
  x25519Into(k: ScalarKey, u: Uint8Array, out: Uint8Array): void {
    checkOut(out, 32);
    out.set(this.x25519(k, importPointOnce(this, u)));
  }

  x25519RawInto(scalar: Uint8Array, u: Uint8Array, out: Uint8Array): void {
    checkOut(out, 32);
    out.set(this.x25519(this.importScalar(scalar), importPointOnce(this, u)));
  }

  hkdfExpandSha256Into(prk: Uint8Array, info: Uint8Array, out: Uint8Array): void {
    checkOut(out);
    out.set(this.hkdfExpandSha256(prk, info, out.length));
  }

  hmacSha256Into(key: Uint8Array, data: Uint8Array, out: Uint8Array): void {
    assertBytes(key, 'key');
    assertBytes(data, 'data');
    checkOut(out, 32);
    out.set(createHmac('sha256', key).update(data).digest());
  }

  sha512_256Into(data: Uint8Array, out: Uint8Array): void {
    assertBytes(data, 'data');
    checkOut(out, 32);
    out.set(sha512_256Buffer(data));
  }

  aes256CtrInto(key: Uint8Array, iv: Uint8Array, data: Uint8Array, out: Uint8Array): void {
    checkStreamIntoArgs(key, iv, data, out);
    // node:crypto has no update-into; the copy is cheap next to the Cipheriv object.
    out.set(createCipheriv('aes-256-ctr', key, iv).update(data));
  }

  chacha20Keystream32Into(key: Uint8Array, out: Uint8Array): void {
    checkOut(out, 32);
    out.set(this.chacha20Keystream32(key));
  }
}

/**
 * The OpenSSL X25519 path imports a point as a KeyObject (a JWK import, ~6 µs). A forward hop
 * multiplies the same alpha twice (shared secret, then blinding), so the last imported point is
 * kept: a public value only (alpha is on the wire), compared in full before reuse, never a key.
 */
const lastPointBytes = new Uint8Array(32);
let lastPoint: PointKey | null = null;
function importPointOnce(backend: CryptoBackend, u: Uint8Array): PointKey {
  checkKeyBytes(u, 'point');
  if (lastPoint !== null && ctEqual(u, lastPointBytes)) return lastPoint;
  const p = backend.importPoint(u); // low-order check and import
  lastPointBytes.set(u);
  lastPoint = p;
  return p;
}

/**
 * SHA-512/256 with node's one-shot crypto.hash (Node ≥ 20.12: no Hash object to create and collect),
 * else createHash.
 */
const oneShotHash = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash;
const sha512_256Buffer: (data: Uint8Array) => Buffer =
  typeof oneShotHash === 'function'
    ? (data) => oneShotHash('sha512-256', data, 'buffer')
    : (data) => createHash('sha512-256').update(data).digest();

let sodiumX25519: SodiumX25519 | null | undefined;

/**
 * libsodium's X25519 (sodium-native, an optional dependency), or null when the addon is missing or
 * fails to load. Required at most once per process; the outcome is cached.
 */
export function loadSodiumX25519(): SodiumX25519 | null {
  if (sodiumX25519 !== undefined) return sodiumX25519;
  try {
    sodiumX25519 = makeSodiumX25519(createRequire(import.meta.url)('sodium-native') as SodiumNative);
  } catch {
    sodiumX25519 = null;
  }
  return sodiumX25519;
}

const instances = new Map<'libsodium' | 'openssl', NativeBackend>();

/**
 * The native backend (stateless; one shared instance per X25519 engine). 'auto' (the default) uses
 * libsodium when sodium-native loads and OpenSSL otherwise; 'libsodium' throws SphinxError when the
 * addon is unavailable. Key handles belong to the instance that imported them.
 */
export function nativeBackend(x25519: NativeX25519 = 'auto'): CryptoBackend {
  if (x25519 !== 'auto' && x25519 !== 'libsodium' && x25519 !== 'openssl') {
    throw new SphinxArgumentError('x25519', "must be 'auto', 'libsodium' or 'openssl'");
  }
  const sodium = x25519 === 'openssl' ? null : loadSodiumX25519();
  if (x25519 === 'libsodium' && !sodium) throw new SphinxError('sodium-native is not available');
  const engine = sodium ? 'libsodium' : 'openssl';
  let b = instances.get(engine);
  if (!b) instances.set(engine, (b = new NativeBackend(sodium)));
  return b;
}
