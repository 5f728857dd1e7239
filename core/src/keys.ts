// Keys: Ed25519 identity keys (sign descriptors, consensus documents, authority messages),
// X25519 link keys (Noise static keys) and X25519 Sphinx keys (one per epoch).
// Signing and verification go through node:crypto (≈20× faster than pure JS); raw 32-byte keys
// are imported once and cached. Key files are JSON, written with mode 0600.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { assertBytes } from './assert.js';
import { toBase64Url, toHex } from './bytes.js';
import { KeyError } from './errors.js';
import { blake2b256 } from './hash.js';

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_PRIVATE_KEY_BYTES = 32; // the RFC 8032 seed
export const ED25519_SIGNATURE_BYTES = 64;
export const X25519_KEY_BYTES = 32;
export const NODE_ID_BYTES = 32;

/** A raw key pair. `privateKey` is secret: never log it. */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

// PKCS#8 prefixes (RFC 8410) for raw 32-byte private keys.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

const PUBLIC_KEY_CACHE_MAX = 4096;
const ed25519PublicCache = new Map<string, KeyObject>();

function rawFromJwk(b64url: string | undefined): Uint8Array {
  if (b64url === undefined) throw new KeyError('encoding', 'key export failed');
  return new Uint8Array(Buffer.from(b64url, 'base64url'));
}

/** Generates an Ed25519 identity key pair. */
export function generateIdentityKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { publicKey: rawFromJwk(publicKey.export({ format: 'jwk' }).x), privateKey: rawFromJwk(jwk.d) };
}

/** Generates an X25519 key pair (link key or Sphinx key). */
export function generateX25519KeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { publicKey: rawFromJwk(publicKey.export({ format: 'jwk' }).x), privateKey: rawFromJwk(jwk.d) };
}

/** The Ed25519 public key of a 32-byte seed. */
export function identityPublicKey(privateKey: Uint8Array): Uint8Array {
  assertBytes('privateKey', privateKey, ED25519_PRIVATE_KEY_BYTES);
  const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
  return rawFromJwk(createPublicKey(key).export({ format: 'jwk' }).x);
}

/** The X25519 public key of a 32-byte private scalar. */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  assertBytes('privateKey', privateKey, X25519_KEY_BYTES);
  const key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
  return rawFromJwk(createPublicKey(key).export({ format: 'jwk' }).x);
}

/** Node id = BLAKE2b-256(Ed25519 identity public key). */
export function nodeIdOf(identityKey: Uint8Array): Uint8Array {
  assertBytes('identityKey', identityKey, ED25519_PUBLIC_KEY_BYTES);
  return blake2b256(identityKey);
}

/** A signer holding one imported Ed25519 private key. */
export class Ed25519Signer {
  readonly publicKey: Uint8Array;
  private readonly key: KeyObject;

  constructor(privateKey: Uint8Array) {
    assertBytes('privateKey', privateKey, ED25519_PRIVATE_KEY_BYTES);
    this.key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
    this.publicKey = rawFromJwk(createPublicKey(this.key).export({ format: 'jwk' }).x);
  }

  sign(message: Uint8Array): Uint8Array {
    assertBytes('message', message);
    return new Uint8Array(nodeSign(null, message, this.key));
  }
}

/** Signs `message` with a raw Ed25519 seed (imports the key each call; prefer Ed25519Signer). */
export function ed25519Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  return new Ed25519Signer(privateKey).sign(message);
}

function importEd25519Public(publicKey: Uint8Array): KeyObject | undefined {
  const cacheKey = toHex(publicKey);
  const hit = ed25519PublicCache.get(cacheKey);
  if (hit) return hit;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey) }, format: 'jwk' });
  } catch {
    return undefined;
  }
  if (ed25519PublicCache.size >= PUBLIC_KEY_CACHE_MAX) {
    const oldest = ed25519PublicCache.keys().next().value;
    if (oldest !== undefined) ed25519PublicCache.delete(oldest);
  }
  ed25519PublicCache.set(cacheKey, key);
  return key;
}

/** Verifies an Ed25519 signature (RFC 8032); false for malformed keys or signatures. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  assertBytes('publicKey', publicKey, ED25519_PUBLIC_KEY_BYTES);
  assertBytes('message', message);
  assertBytes('signature', signature);
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  const key = importEd25519Public(publicKey);
  if (!key) return false;
  try {
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** True when `publicKey` decodes to an Ed25519 point node:crypto accepts. */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  return publicKey instanceof Uint8Array && publicKey.length === ED25519_PUBLIC_KEY_BYTES && importEd25519Public(publicKey) !== undefined;
}

// X25519 u-coordinates of small order (and their non-canonical aliases ≥ p), top bit cleared
// (RFC 7748 §5 ignores it). A Diffie–Hellman with these yields a fixed output.
const X25519_SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

/** False for wrong lengths and for small-order / non-canonical X25519 public keys. */
export function isValidX25519PublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== X25519_KEY_BYTES) return false;
  const k = publicKey.slice();
  k[31] &= 0x7f;
  return !X25519_SMALL_ORDER.includes(toHex(k));
}

