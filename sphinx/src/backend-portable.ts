// Portable backend: @noble/* only, no node: imports, runs in browsers. For correctness, not speed
// (@noble x25519 is ~2 ms per multiplication).
import { ctr } from '@noble/ciphers/aes.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { expand } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512_256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { assertBytes, assertInt } from './assert.js';
import { checkHkdfArgs, checkKeyBytes, checkOut, checkStreamArgs, checkStreamIntoArgs, type CryptoBackend, type PointKey, type ScalarKey } from './backend.js';
import { copyBytes, ctIsZero } from './bytes.js';
import { InvalidPacketError, SphinxArgumentError } from './errors.js';
import { isLowOrderPoint } from './x25519-low-order.js';

interface PortableScalar extends ScalarKey {
  readonly s: Uint8Array;
}
interface PortablePoint extends PointKey {
  readonly u: Uint8Array;
}

function scalarOf(k: unknown): Uint8Array {
  const s = (k as PortableScalar | null)?.s;
  if (!(s instanceof Uint8Array) || s.length !== 32) throw new SphinxArgumentError('k', 'must be a ScalarKey from this backend');
  return s;
}

function pointOf(p: unknown): Uint8Array {
  const u = (p as PortablePoint | null)?.u;
  if (!(u instanceof Uint8Array) || u.length !== 32) throw new SphinxArgumentError('p', 'must be a PointKey from this backend');
  return u;
}

const ZERO_NONCE_12 = new Uint8Array(12);
const ZERO_32 = new Uint8Array(32);

class PortableBackend implements CryptoBackend {
  readonly name = 'portable' as const;

  randomBytes(length: number): Uint8Array {
    assertInt(length, 'length', 0, 1 << 30);
    return randomBytes(length);
  }

  importScalar(scalar: Uint8Array): ScalarKey {
    checkKeyBytes(scalar, 'scalar');
    return { s: copyBytes(scalar) } as PortableScalar;
  }

  importPoint(u: Uint8Array): PointKey {
    checkKeyBytes(u, 'point');
    if (isLowOrderPoint(u)) throw new InvalidPacketError('key', 'low-order X25519 point');
    return { u: copyBytes(u) } as PortablePoint;
  }

  x25519(k: ScalarKey, p: PointKey): Uint8Array {
    const s = scalarOf(k);
    const u = pointOf(p);
    let out: Uint8Array;
    try {
      out = nobleX25519.scalarMult(s, u);
    } catch {
      throw new InvalidPacketError('key', 'X25519 rejected the point');
    }
    if (ctIsZero(out)) throw new InvalidPacketError('key', 'all-zero X25519 result');
    return out;
  }

  x25519Base(k: ScalarKey): Uint8Array {
    return nobleX25519.scalarMultBase(scalarOf(k));
  }

  hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    checkHkdfArgs(prk, info, length);
    return expand(sha256, prk, info, length);
  }

  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
    assertBytes(key, 'key');
    assertBytes(data, 'data');
    return hmac(sha256, key, data);
  }

  sha256(data: Uint8Array): Uint8Array {
    assertBytes(data, 'data');
    return sha256(data);
  }

  sha512_256(data: Uint8Array): Uint8Array {
    assertBytes(data, 'data');
    return sha512_256(data);
  }

  aes256Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
    checkStreamArgs(key, iv, data);
    return ctr(key, iv).encrypt(data);
  }

  chacha20Keystream32(key: Uint8Array): Uint8Array {
    checkKeyBytes(key, 'key');
    // IETF ChaCha20 with a zero 12-byte nonce and counter 0 gives the same first block as the
    // original 8-byte-nonce construction Katzenpost's deterministic RNG uses.
    return chacha20(key, ZERO_NONCE_12, ZERO_32);
  }

  // Into forms: @noble allocates its results; these copy them (correctness, not speed).
  x25519Into(k: ScalarKey, u: Uint8Array, out: Uint8Array): void {
    checkOut(out, 32);
    out.set(this.x25519(k, this.importPoint(u)));
  }

  x25519RawInto(scalar: Uint8Array, u: Uint8Array, out: Uint8Array): void {
    checkOut(out, 32);
    out.set(this.x25519(this.importScalar(scalar), this.importPoint(u)));
  }

  hkdfExpandSha256Into(prk: Uint8Array, info: Uint8Array, out: Uint8Array): void {
    checkOut(out);
    out.set(this.hkdfExpandSha256(prk, info, out.length));
  }

  hmacSha256Into(key: Uint8Array, data: Uint8Array, out: Uint8Array): void {
    checkOut(out, 32);
    out.set(this.hmacSha256(key, data));
  }

  sha512_256Into(data: Uint8Array, out: Uint8Array): void {
    checkOut(out, 32);
    out.set(this.sha512_256(data));
  }

  aes256CtrInto(key: Uint8Array, iv: Uint8Array, data: Uint8Array, out: Uint8Array): void {
    checkStreamIntoArgs(key, iv, data, out);
    out.set(ctr(key, iv).encrypt(data));
  }

  chacha20Keystream32Into(key: Uint8Array, out: Uint8Array): void {
    checkOut(out, 32);
    out.set(this.chacha20Keystream32(key));
  }
}

let instance: PortableBackend | undefined;

/** The @noble/* backend (stateless; one shared instance). */
export function portableBackend(): CryptoBackend {
  return (instance ??= new PortableBackend());
}
