// Portable backend: @noble/* only, no node: imports, runs in browsers. For correctness, not speed
// (@noble x25519 is ~2 ms per multiplication).
import { ctr } from '@noble/ciphers/aes.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { expand } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512_256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import type { CryptoBackend, PointKey, ScalarKey } from './backend.js';
import { copyBytes, ctIsZero } from './bytes.js';
import { InvalidPacketError } from './errors.js';
import { isLowOrderPoint } from './x25519-low-order.js';

interface PortableScalar extends ScalarKey {
  readonly s: Uint8Array;
}
interface PortablePoint extends PointKey {
  readonly u: Uint8Array;
}

const ZERO_NONCE_12 = new Uint8Array(12);
const ZERO_32 = new Uint8Array(32);

class PortableBackend implements CryptoBackend {
  readonly name = 'portable' as const;

  randomBytes(length: number): Uint8Array {
    return randomBytes(length);
  }

  importScalar(scalar: Uint8Array): ScalarKey {
    return { s: copyBytes(scalar) } as PortableScalar;
  }

  importPoint(u: Uint8Array): PointKey {
    if (isLowOrderPoint(u)) throw new InvalidPacketError('key', 'low-order X25519 point');
    return { u: copyBytes(u) } as PortablePoint;
  }

  x25519(k: ScalarKey, p: PointKey): Uint8Array {
    let out: Uint8Array;
    try {
      out = nobleX25519.scalarMult((k as PortableScalar).s, (p as PortablePoint).u);
    } catch {
      throw new InvalidPacketError('key', 'X25519 rejected the point');
    }
    if (ctIsZero(out)) throw new InvalidPacketError('key', 'all-zero X25519 result');
    return out;
  }

  x25519Base(k: ScalarKey): Uint8Array {
    return nobleX25519.scalarMultBase((k as PortableScalar).s);
  }

  hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    return expand(sha256, prk, info, length);
  }

  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
    return hmac(sha256, key, data);
  }

  sha256(data: Uint8Array): Uint8Array {
    return sha256(data);
  }

  sha512_256(data: Uint8Array): Uint8Array {
    return sha512_256(data);
  }

  aes256Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
    return ctr(key, iv).encrypt(data);
  }

  chacha20Keystream32(key: Uint8Array): Uint8Array {
    // IETF ChaCha20 with a zero 12-byte nonce and counter 0 gives the same first block as the
    // original 8-byte-nonce construction Katzenpost's deterministic RNG uses.
    return chacha20(key, ZERO_NONCE_12, ZERO_32);
  }
}

let instance: PortableBackend | undefined;

/** The @noble/* backend (stateless; one shared instance). */
export function portableBackend(): CryptoBackend {
  return (instance ??= new PortableBackend());
}
