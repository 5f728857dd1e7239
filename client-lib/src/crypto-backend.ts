// The crypto backend: the few public-key operations the client needs, behind a small interface so the
// portable implementation (pure JS, @noble) keeps a browser build possible while Node uses node:crypto
// (about 20x faster for X25519/Ed25519, which matters when a 10 MB message is ~8,500 envelopes).
// Symmetric crypto (XChaCha20-Poly1305, HKDF, SHA-2) is @noble everywhere: it is fast enough in JS.
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import { isAllZero } from './bytes.js';
import { EnvelopeError } from './errors.js';

export const X25519_KEY_BYTES = 32;
export const ED25519_SEED_BYTES = 32;
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

/** A one-shot X25519 key pair whose secret never leaves the backend. */
export interface EphemeralX25519 {
  readonly publicKey: Uint8Array;
  /** X25519(ephemeral secret, peer); throws EnvelopeError('key') on a low-order peer key. */
  agree(peerPublicKey: Uint8Array): Uint8Array;
}

export interface CryptoBackend {
  readonly name: 'portable' | 'node';
  randomBytes(length: number): Uint8Array;
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /** X25519(secret, peer). RFC 7748 §6.1: an all-zero result (low-order peer point) is refused. */
  x25519(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;
  x25519Ephemeral(): EphemeralX25519;
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
  ed25519Sign(message: Uint8Array, seed: Uint8Array): Uint8Array;
  /** False (never a throw) for any malformed signature or key. */
  ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

function lowOrder(): EnvelopeError {
  return new EnvelopeError('key', 'X25519 produced the all-zero secret (low-order public key)');
}

/** Pure-JS backend on @noble/curves: runs in browsers and Node alike. */
export const portableBackend: CryptoBackend = Object.freeze({
  name: 'portable' as const,
  randomBytes: (length: number) => nobleRandomBytes(length),
  x25519PublicKey: (secretKey: Uint8Array) => x25519.getPublicKey(secretKey),
  x25519(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
    let shared: Uint8Array;
    try {
      shared = x25519.getSharedSecret(secretKey, peerPublicKey);
    } catch {
      throw lowOrder(); // noble throws on the all-zero result
    }
    if (isAllZero(shared)) throw lowOrder();
    return shared;
  },
  x25519Ephemeral(): EphemeralX25519 {
    const secret = x25519.utils.randomSecretKey();
    const publicKey = x25519.getPublicKey(secret);
    return {
      publicKey,
      agree: (peer: Uint8Array) => {
        const out = portableBackend.x25519(secret, peer);
        secret.fill(0); // one-shot: the secret is wiped after its only use
        return out;
      },
    };
  },
  ed25519PublicKey: (seed: Uint8Array) => ed25519.getPublicKey(seed),
  ed25519Sign: (message: Uint8Array, seed: Uint8Array) => ed25519.sign(message, seed),
  ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false }); // strict RFC 8032, as OpenSSL
    } catch {
      return false;
    }
  },
});
