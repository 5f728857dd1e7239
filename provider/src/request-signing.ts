import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { assertBytes, assertInteger } from './assert.js';
import { ProviderValidationError, RequestAuthError } from './errors.js';
import { encodeU64, listDigest as sharedListDigest, requestSigningBytes as sharedSigningBytes } from '@strata/core/provider-protocol';
import type { ReplayCache } from './replay-cache.js';

/**
 * Signed client requests (docs/spec/provider.md §"Signed requests").
 *
 *   signed = "strata-provider-v1:" ‖ op ‖ 0x00 ‖ Σ(u16 len ‖ field) ‖ timestamp u64 ‖ nonce (16)
 *
 * Every field is length-prefixed, so no two different requests share signing bytes; the op name
 * separates domains (a poll signature is never a valid ack signature). Signatures are Ed25519
 * (RFC 8032, pure, no prehash).
 */
export const SIGNED_REQUEST_OPS = ['register-device', 'remove-device', 'register-alias', 'poll', 'ack', 'register-surbs'] as const;
export type SignedRequestOp = (typeof SIGNED_REQUEST_OPS)[number];
export const NONCE_BYTES = 16;
export const ED25519_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

export function requestSigningBytes(op: SignedRequestOp, fields: readonly Uint8Array[], timestampMs: number, nonce: Uint8Array): Buffer {
  if (!SIGNED_REQUEST_OPS.includes(op)) throw new ProviderValidationError('bad_value', `op: unknown signed request ${String(op)}`);
  assertInteger('timestampMs', timestampMs, 0, Number.MAX_SAFE_INTEGER);
  assertBytes('nonce', nonce, NONCE_BYTES);
  fields.forEach((f, i) => {
    assertBytes(`fields[${i}]`, f);
    if (f.length > 0xffff) throw new ProviderValidationError('bad_length', `fields[${i}]: longer than 65535 bytes`);
  });
  // The encoding itself is shared with client-lib (@strata/core/provider-protocol).
  const b = sharedSigningBytes(op, fields, timestampMs, nonce);
  return Buffer.from(b.buffer, b.byteOffset, b.length);
}

/** u64 big-endian, the encoding of integers inside signed fields. */
export function u64(n: number): Buffer {
  assertInteger('n', n, 0, Number.MAX_SAFE_INTEGER);
  const b = encodeU64(n);
  return Buffer.from(b.buffer, b.byteOffset, b.length);
}

/** SHA-256 over a list of equal-length items (ack ids, SURB ids): binds a variable list into one field. */
export function listDigest(items: readonly Uint8Array[]): Buffer {
  const d = sharedListDigest(items);
  return Buffer.from(d.buffer, d.byteOffset, d.length);
}

/** Raw 32-byte public keys of the KeyObjects made by ed25519PublicKey (libsodium verifies raw keys). */
const rawPublicKeys = new WeakMap<KeyObject, Uint8Array>();

/** Import a raw 32-byte Ed25519 public key as a node KeyObject (JWK import: ~10× faster than DER). */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  assertBytes('publicKey', raw, ED25519_KEY_BYTES);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
  } catch {
    throw new ProviderValidationError('bad_key', 'publicKey: not an Ed25519 public key');
  }
  rawPublicKeys.set(key, Uint8Array.from(raw));
  return key;
}

/** The raw public key behind a KeyObject (cached; exported once for keys made elsewhere), or undefined. */
function rawPublicKey(key: KeyObject): Uint8Array | undefined {
  let raw = rawPublicKeys.get(key);
  if (raw === undefined) {
    if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') return undefined;
    const x = key.export({ format: 'jwk' }).x;
    if (typeof x !== 'string') return undefined;
    raw = Uint8Array.from(Buffer.from(x, 'base64url'));
    if (raw.length !== ED25519_KEY_BYTES) return undefined;
    rawPublicKeys.set(key, raw);
  }
  return raw;
}

type SodiumVerify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;
let sodiumVerify: SodiumVerify | null | undefined;

/**
 * libsodium's crypto_sign_verify_detached from sodium-native (optional; loaded once), or null.
 * Measured on the 2-core machine: ~50 µs per verification where node:crypto (OpenSSL 3) takes
 * ~110 µs. libsodium is also the stricter verifier (RFC 8032 §5.1.7 plus: canonical S, and it
 * refuses small-order public keys and R), so it accepts nothing OpenSSL would refuse.
 */
function loadSodiumVerify(): SodiumVerify | null {
  if (sodiumVerify !== undefined) return sodiumVerify;
  try {
    const sodium = createRequire(import.meta.url)('sodium-native') as { crypto_sign_verify_detached?: unknown };
    const fn = sodium.crypto_sign_verify_detached;
    sodiumVerify = typeof fn === 'function' ? (fn as SodiumVerify) : null;
  } catch {
    sodiumVerify = null;
  }
  return sodiumVerify;
}

/** Import a raw 32-byte Ed25519 seed (private key) together with its public key. */
export function ed25519PrivateKey(seed: Uint8Array, pub: Uint8Array): KeyObject {
  assertBytes('seed', seed, ED25519_KEY_BYTES);
  assertBytes('publicKey', pub, ED25519_KEY_BYTES);
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(seed).toString('base64url'), x: Buffer.from(pub).toString('base64url') },
    format: 'jwk',
  });
}

export interface Ed25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly seed: Uint8Array;
  readonly privateKey: KeyObject;
}

/** A fresh Ed25519 key pair (for clients, tests and the provider's identity). */
export function generateEd25519KeyPair(): Ed25519KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { publicKey: Buffer.from(jwk.x as string, 'base64url'), seed: Buffer.from(jwk.d as string, 'base64url'), privateKey };
}

/** Client side: sign a request. Returns the 64-byte signature. */
export function signRequest(key: KeyObject, op: SignedRequestOp, fields: readonly Uint8Array[], timestampMs: number, nonce: Uint8Array): Buffer {
  return sign(null, requestSigningBytes(op, fields, timestampMs, nonce), key);
}

/** Ed25519 verify that treats any library error (odd key, odd signature) as "does not verify". */
function verifyQuietly(msg: Buffer, key: KeyObject, signature: Uint8Array): boolean {
  try {
    const fast = loadSodiumVerify();
    const raw = fast ? rawPublicKey(key) : undefined;
    if (fast && raw) return fast(signature, msg, raw) === true;
    return verify(null, msg, key, signature);
  } catch {
    return false;
  }
}

export interface SignatureCheck {
  readonly key: KeyObject;
  readonly signature: Uint8Array;
}

function wellFormed(signature: unknown): signature is Uint8Array {
  return signature instanceof Uint8Array && signature.length === ED25519_SIGNATURE_BYTES;
}

function badSignature(op: SignedRequestOp): RequestAuthError {
  return new RequestAuthError('bad_signature', `signature does not verify for ${op}`);
}

export interface RequestVerifierOptions {
  readonly timestampWindowMs: number;
  /** Requests timestamped before this instant are refused: nonces of an earlier process are forgotten. */
  readonly notBeforeMs: number;
  readonly replayCache: ReplayCache;
  readonly now?: () => number;
}

/**
 * Server side: check freshness, the signature(s), then replay — in that order, so that only
 * authenticated requests can occupy the replay cache.
 */
export class RequestVerifier {
  readonly #now: () => number;
  constructor(private readonly opts: RequestVerifierOptions) {
    this.#now = opts.now ?? Date.now;
  }

  /** Synchronous check (signatures verified on the calling thread). Throws RequestAuthError. */
  verify(op: SignedRequestOp, fields: readonly Uint8Array[], timestampMs: number, nonce: Uint8Array, signatures: readonly SignatureCheck[]): void {
    const msg = this.#fresh(op, fields, timestampMs, nonce);
    for (const { key, signature } of signatures) {
      if (!wellFormed(signature) || !verifyQuietly(msg, key, signature)) throw badSignature(op);
    }
    this.#unseen(nonce);
  }

  /**
   * The same checks. With libsodium (sodium-native) present, signatures verify on the calling
   * thread: ~50 µs each, less than node:crypto's thread-pool round trip costs the event loop alone
   * (~20–40 µs) on top of OpenSSL's ~110 µs on a pool thread — on 2 cores total CPU is what counts.
   * Without it, Ed25519 verification runs on libuv's thread pool (node:crypto's callback form), so
   * that the event loop keeps serving TLS while signatures verify.
   */
  async verifyAsync(op: SignedRequestOp, fields: readonly Uint8Array[], timestampMs: number, nonce: Uint8Array, signatures: readonly SignatureCheck[]): Promise<void> {
    if (loadSodiumVerify()) return this.verify(op, fields, timestampMs, nonce, signatures);
    const msg = this.#fresh(op, fields, timestampMs, nonce);
    const results = await Promise.all(
      signatures.map(({ key, signature }) =>
        wellFormed(signature)
          ? new Promise<boolean>((resolve) => {
              try {
                verify(null, msg, key, signature, (err, ok) => resolve(!err && ok));
              } catch {
                resolve(false);
              }
            })
          : false,
      ),
    );
    if (!results.every(Boolean)) throw badSignature(op);
    this.#unseen(nonce);
  }

  /** Freshness checks; returns the bytes the signatures must cover. */
  #fresh(op: SignedRequestOp, fields: readonly Uint8Array[], timestampMs: number, nonce: Uint8Array): Buffer {
    assertBytes('nonce', nonce, NONCE_BYTES);
    const now = this.#now();
    if (!Number.isSafeInteger(timestampMs) || Math.abs(now - timestampMs) > this.opts.timestampWindowMs) {
      throw new RequestAuthError('stale_timestamp', `timestamp must be within ${this.opts.timestampWindowMs} ms of the provider's clock`);
    }
    if (timestampMs < this.opts.notBeforeMs) {
      throw new RequestAuthError('stale_timestamp', 'timestamp predates the provider start; sign a fresh request');
    }
    return requestSigningBytes(op, fields, timestampMs, nonce);
  }

  /** Replay check, after the signatures: only authenticated requests occupy the cache. */
  #unseen(nonce: Uint8Array): void {
    if (this.opts.replayCache.seenOrAdd(Buffer.from(nonce).toString('base64'))) {
      throw new RequestAuthError('replayed_nonce', 'this nonce was already used');
    }
  }
}
