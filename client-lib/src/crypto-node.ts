// Node backend of CryptoBackend on node:crypto (OpenSSL). Import this module only in Node builds; the
// rest of the package depends on the CryptoBackend interface alone.
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes as nodeRandomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { isAllZero } from './bytes.js';
import type { CryptoBackend, EphemeralX25519 } from './crypto-backend.js';
import { EnvelopeError } from './errors.js';

// PKCS#8 DER prefixes for a raw 32-byte private key (RFC 8410 §7): node's JWK import needs the public
// half too, so secrets are imported as DER once and cached per key object.
const X25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
const ED25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const PUBLIC_KEY_CACHE_MAX = 1024;

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
function fromB64url(text: string | undefined): Uint8Array {
  return new Uint8Array(Buffer.from(text ?? '', 'base64url'));
}

// Private KeyObjects are cached by the identity of the caller's Uint8Array (a WeakMap: no copy of the
// secret is kept as a string, and the entry dies with the array).
// One map per curve, so one array used as both kinds of secret cannot return the wrong key.
const privateCaches = new Map<Uint8Array, WeakMap<Uint8Array, KeyObject>>([
  [X25519_PKCS8_PREFIX, new WeakMap()],
  [ED25519_PKCS8_PREFIX, new WeakMap()],
]);
function privateKeyObject(secret: Uint8Array, prefix: Uint8Array): KeyObject {
  const privateCache = privateCaches.get(prefix) as WeakMap<Uint8Array, KeyObject>;
  let key = privateCache.get(secret);
  if (key === undefined) {
    const der = new Uint8Array(prefix.length + secret.length);
    der.set(prefix);
    der.set(secret, prefix.length);
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
    der.fill(0);
    privateCache.set(secret, key);
  }
  return key;
}

// Public keys are not secret: a bounded map keyed by curve and base64url.
const publicCache = new Map<string, KeyObject>();
function publicKeyObject(crv: 'X25519' | 'Ed25519', publicKey: Uint8Array): KeyObject {
  const x = b64url(publicKey);
  const id = crv + x;
  let key = publicCache.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: { kty: 'OKP', crv, x }, format: 'jwk' });
    if (publicCache.size >= PUBLIC_KEY_CACHE_MAX) publicCache.delete(publicCache.keys().next().value as string);
    publicCache.set(id, key);
  }
  return key;
}

function derive(privateKey: KeyObject, peer: Uint8Array): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = new Uint8Array(diffieHellman({ privateKey, publicKey: publicKeyObject('X25519', peer) }));
  } catch {
    // OpenSSL refuses the all-zero result (RFC 7748 §6.1) and malformed points alike
    throw new EnvelopeError('key', 'X25519 failed (low-order or malformed public key)');
  }
  if (isAllZero(shared)) throw new EnvelopeError('key', 'X25519 produced the all-zero secret (low-order public key)');
  return shared;
}

export const nodeBackend: CryptoBackend = Object.freeze({
  name: 'node' as const,
  randomBytes: (length: number) => new Uint8Array(nodeRandomBytes(length)),
  x25519PublicKey(secretKey: Uint8Array): Uint8Array {
    return fromB64url(privateKeyObject(secretKey, X25519_PKCS8_PREFIX).export({ format: 'jwk' }).x);
  },
  x25519(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
    return derive(privateKeyObject(secretKey, X25519_PKCS8_PREFIX), peerPublicKey);
  },
  x25519Ephemeral(): EphemeralX25519 {
    const pair = generateKeyPairSync('x25519');
    return {
      publicKey: fromB64url(pair.publicKey.export({ format: 'jwk' }).x),
      agree: (peer: Uint8Array) => derive(pair.privateKey, peer),
    };
  },
  ed25519PublicKey(seed: Uint8Array): Uint8Array {
    return fromB64url(privateKeyObject(seed, ED25519_PKCS8_PREFIX).export({ format: 'jwk' }).x);
  },
  ed25519Sign(message: Uint8Array, seed: Uint8Array): Uint8Array {
    return new Uint8Array(nodeSign(null, message, privateKeyObject(seed, ED25519_PKCS8_PREFIX)));
  },
  ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    try {
      return nodeVerify(null, message, publicKeyObject('Ed25519', publicKey), signature);
    } catch {
      return false;
    }
  },
});
