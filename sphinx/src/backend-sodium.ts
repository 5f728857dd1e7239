// libsodium (sodium-native, an optional dependency) as the native backend's X25519 fast path.
// A fresh scalar costs one crypto_scalarmult (~45 µs) where node:crypto needs a JWK import that
// also derives the public key (~40–50 µs) before its own multiplication; a forward hop has one fresh
// scalar (the blinding factor) and one fresh point (alpha), packet creation one fresh scalar per hop.
// It also serves the ChaCha20 blinding keystream, HKDF-Expand, and (in the Into forms that
// unwrapPacketInto uses) the header HMAC and the SHA-512/256 replay tag: fewer, cheaper native calls
// that write into preallocated memory. Every result is byte-identical to the OpenSSL path
// (test/backend.test.ts runs the vectors through both).
// backend-native.ts loads the addon lazily, once, and passes it to makeSodiumX25519; when it cannot
// load, the native backend keeps OpenSSL. No node: imports here: browser builds never reach this
// module anyway (backend-native-browser.ts replaces its only importer).
import type { PointKey, ScalarKey } from './backend.js';
import { assertBytes } from './assert.js';
import { checkHkdfArgs, checkKeyBytes, checkOut } from './backend.js';
import { ctIsZero } from './bytes.js';
import { InvalidPacketError, SphinxArgumentError } from './errors.js';
import { isLowOrderPoint } from './x25519-low-order.js';

/** The few sodium-native functions used (it ships no types). */
export interface SodiumNative {
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  crypto_stream_chacha20(c: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_hash_sha256(out: Uint8Array, input: Uint8Array): void;
  crypto_hash_sha256_init(state: Uint8Array): void;
  crypto_hash_sha256_update(state: Uint8Array, input: Uint8Array): void;
  crypto_hash_sha256_final(state: Uint8Array, out: Uint8Array): void;
  crypto_hash_sha256_STATEBYTES: number;
  crypto_hash_sha512_init?(state: Uint8Array): void;
  crypto_hash_sha512_update?(state: Uint8Array, input: Uint8Array): void;
  crypto_hash_sha512_final?(state: Uint8Array, out: Uint8Array): void;
  crypto_hash_sha512_STATEBYTES?: number;
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
 * The X25519 half of CryptoBackend on libsodium, plus the ChaCha20 keystream, HKDF-Expand and
 * HMAC-SHA256 (on libsodium's SHA-256: one N-API call per hash instead of a node:crypto Hmac object
 * per block), each also in an allocation-free "Into" form for unwrapPacketInto.
 */
export interface SodiumX25519 {
  hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  importScalar(scalar: Uint8Array): ScalarKey;
  importPoint(u: Uint8Array): PointKey;
  x25519(k: ScalarKey, p: PointKey): Uint8Array;
  x25519Base(k: ScalarKey): Uint8Array;
  chacha20Keystream32(key: Uint8Array): Uint8Array;
  x25519Into(k: ScalarKey, u: Uint8Array, out: Uint8Array): void;
  x25519RawInto(scalar: Uint8Array, u: Uint8Array, out: Uint8Array): void;
  hkdfExpandSha256Into(prk: Uint8Array, info: Uint8Array, out: Uint8Array): void;
  hmacSha256Into(key: Uint8Array, data: Uint8Array, out: Uint8Array): void;
  chacha20Keystream32Into(key: Uint8Array, out: Uint8Array): void;
  /** Present only when the SHA-512/256 self-test passed at load (see makeSha512_256Into). */
  sha512_256Into?: (data: Uint8Array, out: Uint8Array) => void;
}

/** FIPS 180-4 §5.3.6.2: SHA-512/256's initial hash value, eight 64-bit words (big-endian hex). */
const SHA512_256_IV = [
  '22312194fc2bf72c', '9f555fa3c84c64c2', '2393b86b6f53b151', '963877195940eabd',
  '96283ee2a88effe3', 'be5e1e2553863992', '2b0199fc2c85b8aa', '0eb72ddc81c52ca2',
];
/** FIPS 180-4 example: SHA-512/256("abc"). */
const SHA512_256_ABC = '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23';

/**
 * SHA-512/256 on libsodium's SHA-512 (FIPS 180-4 §6.7: SHA-512 with its own initial hash value,
 * truncated to 256 bits), writing into caller memory: no node:crypto call, no Buffer per hash.
 * libsodium has no SHA-512/256, so the IV is written over the first 64 bytes of an initialised
 * crypto_hash_sha512_state (uint64_t state[8], native byte order, then the counters and buffer).
 * That relies on the struct's layout, so it is used only if it hashes the FIPS "abc" example
 * right at load; otherwise null (the native backend keeps OpenSSL).
 */
export function makeSha512_256Into(sodium: SodiumNative): ((data: Uint8Array, out: Uint8Array) => void) | null {
  const { crypto_hash_sha512_init: init, crypto_hash_sha512_update: update, crypto_hash_sha512_final: final } = sodium;
  const stateBytes = sodium.crypto_hash_sha512_STATEBYTES;
  if (typeof init !== 'function' || typeof update !== 'function' || typeof final !== 'function' || typeof stateBytes !== 'number' || stateBytes < 64) {
    return null;
  }
  try {
    const template = new Uint8Array(new ArrayBuffer(stateBytes));
    init.call(sodium, template);
    const view = new DataView(template.buffer);
    const little = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    SHA512_256_IV.forEach((word, i) => {
      const hi = parseInt(word.slice(0, 8), 16);
      const lo = parseInt(word.slice(8), 16);
      view.setUint32(8 * i, little ? lo : hi, little);
      view.setUint32(8 * i + 4, little ? hi : lo, little);
    });
    const state = new Uint8Array(new ArrayBuffer(stateBytes));
    const digest = new Uint8Array(new ArrayBuffer(64));
    const sha512_256Into = (data: Uint8Array, out: Uint8Array): void => {
      state.set(template);
      update.call(sodium, state, data);
      final.call(sodium, state, digest);
      out.set(digest.subarray(0, 32));
    };
    const check = new Uint8Array(32);
    sha512_256Into(new TextEncoder().encode('abc'), check);
    let hex = '';
    for (const b of check) hex += b.toString(16).padStart(2, '0');
    return hex === SHA512_256_ABC ? sha512_256Into : null;
  } catch {
    return null;
  }
}

/** HMAC messages up to this size are hashed from one reused buffer; longer ones stream (3 calls more). */
const HMAC_ONE_SHOT_MAX_BYTES = 16 * 1024;
/** HKDF info strings up to this size reuse the module's buffers. */
const HKDF_INFO_KEEP_BYTES = 64;

/**
 * X25519 on an already-loaded sodium-native module, or null when the module lacks the expected
 * functions or sizes.
 *
 * Scratch buffers live in this closure (one per isolate: JS runs one call at a time, workers load
 * their own copy), are allocated once so libsodium writes into memory V8 already backs off-heap
 * (a fresh small Uint8Array passed to N-API is first moved off-heap: an allocation per call), and
 * are wiped after every call that puts key material in them.
 */
export function makeSodiumX25519(sodium: SodiumNative): SodiumX25519 | null {
  if (
    typeof sodium !== 'object' ||
    sodium === null ||
    typeof sodium.crypto_scalarmult !== 'function' ||
    typeof sodium.crypto_scalarmult_base !== 'function' ||
    typeof sodium.crypto_stream_chacha20 !== 'function' ||
    typeof sodium.crypto_hash_sha256 !== 'function' ||
    typeof sodium.crypto_hash_sha256_init !== 'function' ||
    typeof sodium.crypto_hash_sha256_update !== 'function' ||
    typeof sodium.crypto_hash_sha256_final !== 'function' ||
    typeof sodium.crypto_hash_sha256_STATEBYTES !== 'number' ||
    sodium.crypto_scalarmult_BYTES !== 32 ||
    sodium.crypto_scalarmult_SCALARBYTES !== 32 ||
    sodium.crypto_stream_chacha20_NONCEBYTES !== 8
  ) {
    return null;
  }
  const zeroNonce8 = new Uint8Array(sodium.crypto_stream_chacha20_NONCEBYTES);
  const sha512_256Into = makeSha512_256Into(sodium);
  // One backing store for every fixed-size scratch buffer.
  const sizes = [64, 64 + 32, 32, 64 + 32, 64 + HKDF_INFO_KEEP_BYTES + 1, 64 + 32 + HKDF_INFO_KEEP_BYTES + 1];
  const arena = new Uint8Array(new ArrayBuffer(sizes.reduce((a, b) => a + b, 0)));
  let at = 0;
  const [ipad, opadBlock, keyHash, hkdfOuter, hkdfFirst, hkdfInner] = sizes.map((n) => arena.subarray(at, (at += n)));
  // ipad: K ^ ipad; opadBlock: (K ^ opad) || inner hash; keyHash: SHA-256(K) for keys longer than a
  // block (RFC 2104 §2); hkdfOuter/First/Inner: see hkdfInto.
  const hashState = new Uint8Array(new ArrayBuffer(sodium.crypto_hash_sha256_STATEBYTES));
  let hmacBuf = new Uint8Array(new ArrayBuffer(64 + 1024)); // (K ^ ipad) || data, grown on demand

  const sha256 = (data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(32);
    sodium.crypto_hash_sha256(out, data);
    return out;
  };

  /** The 64-byte zero-padded HMAC key block (hashed first when longer than the block). */
  const keyBlock = (key: Uint8Array): Uint8Array => {
    if (key.length <= 64) return key;
    sodium.crypto_hash_sha256(keyHash, key);
    return keyHash;
  };

  const hkdfInto = (prk: Uint8Array, info: Uint8Array, out: Uint8Array): void => {
    // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) || info || i), HMAC as RFC 2104 §2:
    // H((K ^ opad) || H((K ^ ipad) || text)), K zero-padded to the 64-byte block (hashed first if longer).
    const k = keyBlock(prk);
    const keep = info.length <= HKDF_INFO_KEEP_BYTES;
    const first = keep ? hkdfFirst.subarray(0, 64 + info.length + 1) : new Uint8Array(64 + info.length + 1); // (K ^ ipad) || info || 1
    const inner = keep ? hkdfInner.subarray(0, 64 + 32 + info.length + 1) : new Uint8Array(64 + 32 + info.length + 1); // (K ^ ipad) || T(i-1) || info || i
    const outer = hkdfOuter; // (K ^ opad) || inner hash
    for (let j = 0; j < 64; j++) {
      const kb = j < k.length ? k[j] : 0;
      first[j] = inner[j] = kb ^ 0x36;
      outer[j] = kb ^ 0x5c;
    }
    first.set(info, 64);
    first[first.length - 1] = 1;
    inner.set(info, 96);
    const length = out.length;
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
    keyHash.fill(0);
  };

  const scalarmultInto = (out: Uint8Array, n: Uint8Array, u: Uint8Array): void => {
    // Same blocklist and error as the other X25519 paths (x25519-low-order.ts).
    if (isLowOrderPoint(u)) throw new InvalidPacketError('key', 'low-order X25519 point');
    try {
      sodium.crypto_scalarmult(out, n, u);
    } catch {
      // crypto_scalarmult returns -1 for an all-zero result (RFC 7748 §6.1); sodium-native throws.
      throw new InvalidPacketError('key', 'X25519 derivation failed');
    }
    if (ctIsZero(out)) throw new InvalidPacketError('key', 'all-zero X25519 result');
  };

  return {
    ...(sha512_256Into
      ? {
          sha512_256Into(data: Uint8Array, out: Uint8Array): void {
            assertBytes(data, 'data');
            checkOut(out, 32);
            sha512_256Into(data, out);
          },
        }
      : {}),

    hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
      checkHkdfArgs(prk, info, length);
      const out = new Uint8Array(length);
      hkdfInto(prk, info, out);
      return out;
    },

    hkdfExpandSha256Into(prk: Uint8Array, info: Uint8Array, out: Uint8Array): void {
      checkOut(out);
      checkHkdfArgs(prk, info, out.length);
      hkdfInto(prk, info, out);
    },

    hmacSha256Into(key: Uint8Array, data: Uint8Array, out: Uint8Array): void {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      checkOut(out, 32);
      // RFC 2104 §2: H((K ^ opad) || H((K ^ ipad) || text)).
      const k = keyBlock(key);
      for (let j = 0; j < 64; j++) {
        const kb = j < k.length ? k[j] : 0;
        ipad[j] = kb ^ 0x36;
        opadBlock[j] = kb ^ 0x5c;
      }
      const innerHash = opadBlock.subarray(64);
      if (data.length <= HMAC_ONE_SHOT_MAX_BYTES) {
        if (hmacBuf.length < 64 + data.length) hmacBuf = new Uint8Array(new ArrayBuffer(64 + data.length));
        const msg = hmacBuf.subarray(0, 64 + data.length);
        msg.set(ipad);
        msg.set(data, 64);
        sodium.crypto_hash_sha256(innerHash, msg);
        msg.fill(0, 0, 64);
      } else {
        sodium.crypto_hash_sha256_init(hashState);
        sodium.crypto_hash_sha256_update(hashState, ipad);
        sodium.crypto_hash_sha256_update(hashState, data);
        sodium.crypto_hash_sha256_final(hashState, innerHash);
        hashState.fill(0);
      }
      sodium.crypto_hash_sha256(out, opadBlock);
      ipad.fill(0);
      opadBlock.fill(0);
      keyHash.fill(0);
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

    x25519Into(k: ScalarKey, u: Uint8Array, out: Uint8Array): void {
      const n = SodiumScalar.bytes(k);
      checkKeyBytes(u, 'point');
      checkOut(out, 32);
      scalarmultInto(out, n, u);
    },

    x25519RawInto(scalar: Uint8Array, u: Uint8Array, out: Uint8Array): void {
      checkKeyBytes(scalar, 'scalar');
      checkKeyBytes(u, 'point');
      checkOut(out, 32);
      scalarmultInto(out, scalar, u);
    },

    x25519Base(k: ScalarKey): Uint8Array {
      const out = new Uint8Array(32);
      sodium.crypto_scalarmult_base(out, SodiumScalar.bytes(k));
      return out;
    },

    chacha20Keystream32(key: Uint8Array): Uint8Array {
      checkKeyBytes(key, 'key');
      const out = new Uint8Array(32);
      sodium.crypto_stream_chacha20(out, zeroNonce8, key);
      return out;
    },

    chacha20Keystream32Into(key: Uint8Array, out: Uint8Array): void {
      checkKeyBytes(key, 'key');
      checkOut(out, 32);
      // Original ChaCha20 (64-bit nonce, 64-bit counter), nonce 0 and counter 0: the first block
      // equals the IETF variant's with an all-zero nonce (Katzenpost's blinding-factor derivation).
      sodium.crypto_stream_chacha20(out, zeroNonce8, key);
    },
  };
}
