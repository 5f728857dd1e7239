// The client's long-term identity: an X25519 key pair for agreement (envelopes, pairwise aliases) and
// an Ed25519 key pair for signatures (envelopes). Two independent keys: no Ed25519→X25519 conversion.
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes } from './assert.js';
import { bytesToHex, concatBytes, utf8ToBytes } from './bytes.js';
import { portableBackend, type CryptoBackend } from './crypto-backend.js';
import { SecureStoreError } from './errors.js';
import type { SecureStore } from './secure-store.js';

export const IDENTITY_KEY_BYTES = 32;
const IDENTITY_RECORD_VERSION = 1;
const IDENTITY_RECORD_BYTES = 1 + 2 * IDENTITY_KEY_BYTES;
const IDENTITY_STORE_KEY = 'identity';

/** The public half: what an address carries and what contacts pin. */
export interface PublicIdentity {
  readonly x25519PublicKey: Uint8Array;
  readonly ed25519PublicKey: Uint8Array;
}

export interface Identity extends PublicIdentity {
  readonly x25519SecretKey: Uint8Array;
  readonly ed25519Seed: Uint8Array;
}

/** Builds an identity from its two 32-byte secrets (public halves recomputed). */
export function identityFromSecrets(x25519SecretKey: Uint8Array, ed25519Seed: Uint8Array, backend: CryptoBackend = portableBackend): Identity {
  assertBytes(x25519SecretKey, 'identity.x25519SecretKey', IDENTITY_KEY_BYTES);
  assertBytes(ed25519Seed, 'identity.ed25519Seed', IDENTITY_KEY_BYTES);
  return Object.freeze({
    x25519SecretKey,
    ed25519Seed,
    x25519PublicKey: backend.x25519PublicKey(x25519SecretKey),
    ed25519PublicKey: backend.ed25519PublicKey(ed25519Seed),
  });
}

export function generateIdentity(backend: CryptoBackend = portableBackend): Identity {
  return identityFromSecrets(backend.randomBytes(IDENTITY_KEY_BYTES), backend.randomBytes(IDENTITY_KEY_BYTES), backend);
}

export function publicIdentity(identity: PublicIdentity): PublicIdentity {
  assertBytes(identity?.x25519PublicKey, 'identity.x25519PublicKey', IDENTITY_KEY_BYTES);
  assertBytes(identity.ed25519PublicKey, 'identity.ed25519PublicKey', IDENTITY_KEY_BYTES);
  return Object.freeze({ x25519PublicKey: identity.x25519PublicKey, ed25519PublicKey: identity.ed25519PublicKey });
}

/**
 * A short stable id for a public identity (hex, 32 chars): the contact-book key and the log-safe
 * handle of a peer. SHA-256 over both keys with a domain label; not a secret, but still never logged
 * next to network addresses.
 */
export function identityId(identity: PublicIdentity): string {
  const pub = publicIdentity(identity);
  return bytesToHex(sha256(concatBytes(utf8ToBytes('strata-identity-id-v1'), pub.ed25519PublicKey, pub.x25519PublicKey)).subarray(0, 16));
}

/** Serialises the secrets (version || x25519 secret || ed25519 seed) for the encrypted store only. */
export function encodeIdentity(identity: Identity): Uint8Array {
  assertBytes(identity?.x25519SecretKey, 'identity.x25519SecretKey', IDENTITY_KEY_BYTES);
  assertBytes(identity.ed25519Seed, 'identity.ed25519Seed', IDENTITY_KEY_BYTES);
  return concatBytes(Uint8Array.of(IDENTITY_RECORD_VERSION), identity.x25519SecretKey, identity.ed25519Seed);
}

export function decodeIdentity(bytes: Uint8Array, backend: CryptoBackend = portableBackend): Identity {
  assertBytes(bytes, 'identity record');
  if (bytes.length !== IDENTITY_RECORD_BYTES || bytes[0] !== IDENTITY_RECORD_VERSION) {
    throw new SecureStoreError('corrupt-record', 'identity record: bad length or version');
  }
  return identityFromSecrets(bytes.slice(1, 33), bytes.slice(33, 65), backend);
}

/** Loads the identity from the store's `keys` table, creating and saving one on first use. */
export async function loadOrCreateIdentity(store: SecureStore, backend: CryptoBackend = portableBackend): Promise<Identity> {
  const keys = store.table('keys');
  const existing = keys.get(IDENTITY_STORE_KEY);
  if (existing !== undefined) return decodeIdentity(existing, backend);
  const identity = generateIdentity(backend);
  await keys.put(IDENTITY_STORE_KEY, encodeIdentity(identity));
  return identity;
}

export function loadIdentity(store: SecureStore, backend: CryptoBackend = portableBackend): Identity | undefined {
  const existing = store.table('keys').get(IDENTITY_STORE_KEY);
  return existing === undefined ? undefined : decodeIdentity(existing, backend);
}

/** Saves `identity` as this store's identity (a linked device); refuses to replace an existing one. */
export async function saveIdentity(store: SecureStore, identity: Identity): Promise<void> {
  const keys = store.table('keys');
  if (keys.get(IDENTITY_STORE_KEY) !== undefined) throw new SecureStoreError('exists', 'this store already holds an identity');
  await keys.put(IDENTITY_STORE_KEY, encodeIdentity(identity));
}

const PREVIOUS_IDENTITIES_KEY = 'identity-previous';
/** Re-keys kept (each previous identity's handle is re-published with the new keys, client.md §13). */
export const MAX_PREVIOUS_IDENTITIES = 16;

/** The identities this store held before re-keys (oldest first): their handles must point at the current keys. */
export function loadPreviousIdentities(store: SecureStore, backend: CryptoBackend = portableBackend): Identity[] {
  const v = store.table('keys').get(PREVIOUS_IDENTITIES_KEY);
  if (v === undefined) return [];
  if (v.length % IDENTITY_RECORD_BYTES !== 0) throw new SecureStoreError('corrupt-record', 'previous identities: bad length');
  const out: Identity[] = [];
  for (let o = 0; o < v.length; o += IDENTITY_RECORD_BYTES) out.push(decodeIdentity(v.subarray(o, o + IDENTITY_RECORD_BYTES), backend));
  return out;
}

/**
 * Re-keys: a fresh identity replaces the store's one, which is kept (secrets included, in the
 * encrypted store) among the previous identities so that it can countersign the new keys under its
 * published handle. Contacts who pinned the old keys then see 'key-changed'. At most
 * MAX_PREVIOUS_IDENTITIES are kept (the oldest is forgotten).
 */
export async function rotateIdentity(store: SecureStore, backend: CryptoBackend = portableBackend): Promise<Identity> {
  const keys = store.table('keys');
  const current = keys.get(IDENTITY_STORE_KEY);
  if (current === undefined) throw new SecureStoreError('corrupt-record', 'no identity to rotate');
  const previous = [...loadPreviousIdentities(store, backend), decodeIdentity(current, backend)].slice(-MAX_PREVIOUS_IDENTITIES);
  const next = generateIdentity(backend);
  await keys.put(PREVIOUS_IDENTITIES_KEY, concatBytes(...previous.map(encodeIdentity)));
  await keys.put(IDENTITY_STORE_KEY, encodeIdentity(next));
  return next;
}
