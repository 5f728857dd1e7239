// libsodium (sodium-native, an optional dependency) as the native backend's X25519 fast path.
// A fresh scalar costs one crypto_scalarmult (~45 µs) where node:crypto needs a JWK import that
// also derives the public key (~40–50 µs) before its own multiplication; a forward hop has one fresh
// scalar (the blinding factor) and one fresh point (alpha), packet creation one fresh scalar per hop.
// It also serves the ChaCha20 blinding keystream and HKDF-Expand (fewer, cheaper native calls);
// every result is byte-identical to the OpenSSL path (test/backend.test.ts runs vectors through both).
// backend-native.ts loads the addon lazily, once, and passes it to makeSodiumX25519; when it cannot
// load, the native backend keeps OpenSSL. No node: imports here: browser builds never reach this
// module anyway (backend-native-browser.ts replaces its only importer).
import type { PointKey, ScalarKey } from './backend.js';
import { checkHkdfArgs, checkKeyBytes } from './backend.js';
import { ctIsZero } from './bytes.js';
import { InvalidPacketError, SphinxArgumentError } from './errors.js';
import { isLowOrderPoint } from './x25519-low-order.js';

/** The few sodium-native functions used (it ships no types). */
export interface SodiumNative {
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  crypto_stream_chacha20(c: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_hash_sha256(out: Uint8Array, input: Uint8Array): void;
  crypto_scalarmult_BYTES: number;
  crypto_scalarmult_SCALARBYTES: number;
  crypto_stream_chacha20_NONCEBYTES: number;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** A scalar held for libsodium: a private copy, never enumerable or printable. */
class SodiumScalar {
  readonly #s: Uint8Array;
  constructor(s: Uint8Array) {
    this.#s = s;
    Object.freeze(this);
  }
  static bytes(k: unknown): Uint8Array {
    if (!(k instanceof SodiumScalar)) throw new SphinxArgumentError('k', 'must be a ScalarKey from this backend');
    return k.#s;
  }
  toJSON(): string {
    return '[ScalarKey]';
  }
  [INSPECT](): string {
    return 'ScalarKey { [redacted] }';
  }
}

/** A u-coordinate already checked against the low-order list. */
class SodiumPoint {
  readonly #u: Uint8Array;
  constructor(u: Uint8Array) {
    this.#u = u;
    Object.freeze(this);
  }
  static bytes(p: unknown): Uint8Array {
    if (!(p instanceof SodiumPoint)) throw new SphinxArgumentError('p', 'must be a PointKey from this backend');
    return p.#u;
  }
}

function copy32(a: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  out.set(a);
  return out;
}

/**
 * The X25519 half of CryptoBackend on libsodium, plus the ChaCha20 keystream and the HKDF-Expand
 * (on libsodium's SHA-256: one N-API call per hash instead of a node:crypto Hmac object per block).
 */
export interface SodiumX25519 {
  hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  importScalar(scalar: Uint8Array): ScalarKey;
  importPoint(u: Uint8Array): PointKey;
  x25519(k: ScalarKey, p: PointKey): Uint8Array;
  x25519Base(k: ScalarKey): Uint8Array;
  chacha20Keystream32(key: Uint8Array): Uint8Array;
}

/**
 * X25519 on an already-loaded sodium-native module, or null when the module lacks the expected
 * functions or sizes.
 */
export function makeSodiumX25519(sodium: SodiumNative): SodiumX25519 | null {
  if (
    typeof sodium !== 'object' ||
    sodium === null ||
    typeof sodium.crypto_scalarmult !== 'function' ||
    typeof sodium.crypto_scalarmult_base !== 'function' ||
    typeof sodium.crypto_stream_chacha20 !== 'function' ||
    typeof sodium.crypto_hash_sha256 !== 'function' ||
    sodium.crypto_scalarmult_BYTES !== 32 ||
    sodium.crypto_scalarmult_SCALARBYTES !== 32 ||
    sodium.crypto_stream_chacha20_NONCEBYTES !== 8
  ) {
    return null;
  }
  const zeroNonce8 = new Uint8Array(sodium.crypto_stream_chacha20_NONCEBYTES);
  const sha256 = (data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(32);
    sodium.crypto_hash_sha256(out, data);
    return out;
  };
  return {
    hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
      checkHkdfArgs(prk, info, length);
      // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) || info || i), HMAC as RFC 2104 §2:
      // H((K ^ opad) || H((K ^ ipad) || text)), K zero-padded to the 64-byte block (hashed first if longer).
      const k = prk.length > 64 ? sha256(prk) : prk;
      const first = new Uint8Array(64 + info.length + 1); // (K ^ ipad) || info || 1
      const inner = new Uint8Array(64 + 32 + info.length + 1); // (K ^ ipad) || T(i-1) || info || i
      const outer = new Uint8Array(64 + 32); // (K ^ opad) || inner hash
      for (let j = 0; j < 64; j++) {
        const kb = j < k.length ? k[j] : 0;
        first[j] = inner[j] = kb ^ 0x36;
        outer[j] = kb ^ 0x5c;
      }
      first.set(info, 64);
      first[first.length - 1] = 1;
      inner.set(info, 96);
      const out = new Uint8Array(length);
      const innerHash = outer.subarray(64);
      const t = inner.subarray(64, 96);
      for (let off = 0, i = 1; off < length; i++) {
        if (i > 1) inner[inner.length - 1] = i;
        sodium.crypto_hash_sha256(innerHash, i === 1 ? first : inner);
        sodium.crypto_hash_sha256(t, outer); // T(i), kept in place for the next block
        const n = Math.min(32, length - off);
        out.set(n === 32 ? t : t.subarray(0, n), off);
        off += n;
      }
      outer.fill(0);
      first.fill(0);
      inner.fill(0);
      return out;
    },

    importScalar(scalar: Uint8Array): ScalarKey {
      checkKeyBytes(scalar, 'scalar');
      // libsodium clamps inside crypto_scalarmult (RFC 7748 §5 decodeScalar25519), as OpenSSL does.
      return new SodiumScalar(copy32(scalar)) as unknown as ScalarKey;
    },

    importPoint(u: Uint8Array): PointKey {
      checkKeyBytes(u, 'point');
      // Same blocklist and error as the other X25519 paths (x25519-low-order.ts).
      if (isLowOrderPoint(u)) throw new InvalidPacketError('key', 'low-order X25519 point');
      return new SodiumPoint(copy32(u)) as unknown as PointKey;
    },

    x25519(k: ScalarKey, p: PointKey): Uint8Array {
      const n = SodiumScalar.bytes(k);
      const u = SodiumPoint.bytes(p);
      const out = new Uint8Array(32);
      try {
        sodium.crypto_scalarmult(out, n, u);
      } catch {
        // crypto_scalarmult returns -1 for an all-zero result (RFC 7748 §6.1); sodium-native throws.
        throw new InvalidPacketError('key', 'X25519 derivation failed');
      }
      if (ctIsZero(out)) throw new InvalidPacketError('key', 'all-zero X25519 result');
      return out;
    },

    x25519Base(k: ScalarKey): Uint8Array {
      const out = new Uint8Array(32);
      sodium.crypto_scalarmult_base(out, SodiumScalar.bytes(k));
      return out;
    },

    chacha20Keystream32(key: Uint8Array): Uint8Array {
      checkKeyBytes(key, 'key');
      // Original ChaCha20 (64-bit nonce, 64-bit counter), nonce 0 and counter 0: the first block
      // equals the IETF variant's with an all-zero nonce (Katzenpost's blinding-factor derivation).
      const out = new Uint8Array(32);
      sodium.crypto_stream_chacha20(out, zeroNonce8, key);
      return out;
    },
  };
}
