// Node (mix) key pairs: X25519, used both by NIKE Sphinx and by the X25519 KEM adapter.
import { assertBytes } from './assert.js';
import type { CryptoBackend, ScalarKey } from './backend.js';
import { X25519_KEY_LENGTH } from './constants.js';
import { defaultBackend } from './default-backend.js';
import { SphinxArgumentError } from './errors.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * A node's private key imported once (per epoch key) into a backend, so that unwrapping does no
 * per-packet key import. Holds no secret in enumerable or printable form.
 */
export class NodePrivateKey {
  readonly backend: CryptoBackend;
  readonly publicKey: Uint8Array;
  /** @internal the imported scalar; never serialise. */
  readonly scalar: ScalarKey;

  /** @internal use prepareNodeKey(). */
  constructor(backend: CryptoBackend, scalar: ScalarKey, publicKey: Uint8Array) {
    this.backend = backend;
    this.scalar = scalar;
    this.publicKey = publicKey;
    Object.defineProperty(this, 'scalar', { enumerable: false });
    Object.freeze(this);
  }

  toJSON(): string {
    return '[NodePrivateKey]';
  }

  [INSPECT](): string {
    return 'NodePrivateKey { [redacted] }';
  }
}

/** Imports a raw 32-byte X25519 private key once; pass the result to unwrapPacket. */
export function prepareNodeKey(privateKey: Uint8Array, backend: CryptoBackend = defaultBackend()): NodePrivateKey {
  assertBytes(privateKey, 'privateKey', X25519_KEY_LENGTH);
  assertBackend(backend);
  const scalar = backend.importScalar(privateKey);
  return new NodePrivateKey(backend, scalar, backend.x25519Base(scalar));
}

/** A fresh X25519 key pair for a node (raw 32-byte scalar and public key). */
export function generateNodeKeyPair(backend: CryptoBackend = defaultBackend()): { privateKey: Uint8Array; publicKey: Uint8Array } {
  assertBackend(backend);
  const privateKey = backend.randomBytes(X25519_KEY_LENGTH);
  return { privateKey, publicKey: publicKeyFromPrivate(privateKey, backend) };
}

/** X25519 public key of a raw private key. */
export function publicKeyFromPrivate(privateKey: Uint8Array, backend: CryptoBackend = defaultBackend()): Uint8Array {
  assertBytes(privateKey, 'privateKey', X25519_KEY_LENGTH);
  assertBackend(backend);
  return backend.x25519Base(backend.importScalar(privateKey));
}

export function assertBackend(backend: unknown, path = 'backend'): asserts backend is CryptoBackend {
  const b = backend as CryptoBackend | null;
  if (typeof b !== 'object' || b === null || (b.name !== 'native' && b.name !== 'portable') || typeof b.x25519 !== 'function') {
    throw new SphinxArgumentError(path, 'must be a CryptoBackend');
  }
}
