// X25519 for the link handshake, on node:crypto KeyObjects (JWK import is ~10x cheaper than DER;
// raw keys are kept beside the KeyObjects so that nothing is re-imported per handshake).
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { assertBytes } from '../assert.js';
import { HandshakeError } from './errors.js';

/** X25519 key length (RFC 7748 §5), also Noise DHLEN for 25519. */
export const X25519_KEY_BYTES = 32;

/** A link static (or ephemeral) key pair, raw 32-byte encodings. */
export interface LinkKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

// PKCS#8 prefix of an X25519 private key (RFC 8410 §7): used once per imported private key.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

const privateObjects = new WeakMap<LinkKeyPair, KeyObject>();

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function rawFromJwk(value: string | undefined): Uint8Array {
  const out = new Uint8Array(Buffer.from(value ?? '', 'base64url'));
  if (out.length !== X25519_KEY_BYTES) throw new Error('x25519: unexpected JWK export');
  return out;
}

/** Generates a fresh X25519 key pair for a link identity. */
export function generateLinkKeyPair(): LinkKeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const pair = Object.freeze({ publicKey: rawFromJwk(jwk.x), privateKey: rawFromJwk(jwk.d) });
  privateObjects.set(pair, privateKey);
  return pair;
}

/** Rebuilds a key pair from a raw 32-byte private key (the public key is derived). */
export function linkKeyPairFromPrivateKey(privateKey: Uint8Array): LinkKeyPair {
  assertBytes('privateKey', privateKey, X25519_KEY_BYTES);
  const obj = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, privateKey]),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = createPublicKey(obj).export({ format: 'jwk' });
  const pair = Object.freeze({ publicKey: rawFromJwk(jwk.x), privateKey: Uint8Array.from(privateKey) });
  privateObjects.set(pair, obj);
  return pair;
}

/** The KeyObject of a pair (imported from JWK on first use, then cached). */
export function privateKeyObject(pair: LinkKeyPair): KeyObject {
  let obj = privateObjects.get(pair);
  if (obj === undefined) {
    assertBytes('keyPair.privateKey', pair.privateKey, X25519_KEY_BYTES);
    assertBytes('keyPair.publicKey', pair.publicKey, X25519_KEY_BYTES);
    obj = createPrivateKey({
      key: { kty: 'OKP', crv: 'X25519', d: b64url(pair.privateKey), x: b64url(pair.publicKey) },
      format: 'jwk',
    });
    privateObjects.set(pair, obj);
  }
  return obj;
}

/** Imports a peer's raw public key. Any 32 bytes are accepted here; low order is caught in dh(). */
export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  assertBytes('publicKey', publicKey, X25519_KEY_BYTES);
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(publicKey) }, format: 'jwk' });
}

/**
 * X25519(priv, pub). Throws HandshakeError('low_order') when the result is all-zero
 * (RFC 7748 §6.1: "check whether the result is the all-zero value and abort if so"); OpenSSL
 * refuses to derive it, and we also check the bytes in case a backend does not.
 */
export function dh(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  let out: Buffer;
  try {
    out = diffieHellman({ privateKey, publicKey });
  } catch (cause) {
    throw new HandshakeError('low_order', 'x25519: peer key gives an all-zero shared secret', { cause });
  }
  let acc = 0;
  for (let i = 0; i < out.length; i++) acc |= out[i];
  if (acc === 0) throw new HandshakeError('low_order', 'x25519: peer key gives an all-zero shared secret');
  return out;
}
