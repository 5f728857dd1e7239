// Pairwise aliases (docs/spec/client.md §Aliases). A provider stores messages under 32-byte alias ids,
// never under a user's identity; each pair of contacts derives its own alias per direction and per
// epoch, so the ids a user registers for different contacts, or in different epochs, are unlinkable
// to anyone who does not hold one of the two long-term X25519 secrets.
//
//   shared = X25519(own x25519 secret, contact x25519 public)                 (RFC 7748 §6.1, both sides equal)
//   prk    = HKDF-Extract(SHA-256, salt = "strata-alias-v1", ikm = shared || sort(edA, edB))
//   id     = HKDF-Expand(prk, "strata-alias-v1 id" || ed_from || ed_to || u64be(epoch), 32)
// The alias's Ed25519 signing key (authenticates registration and polls at the provider) must be known
// to the recipient only — the sender knows `prk` — so it is derived from the recipient's own secret:
//   seed   = HKDF(SHA-256, ikm = own x25519 secret, salt = "strata-alias-v1 signing", info = id, 32)
// and likewise the seed of the provider account the alias is registered under (one account per alias):
//   account = HKDF(SHA-256, ikm = own x25519 secret, salt = "strata-alias-v1 account", info = id, 32)
import { hkdf, expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, assertInt } from './assert.js';
import { InvalidArgumentError } from './errors.js';
import { concatBytes, u64be, utf8ToBytes } from './bytes.js';
import { portableBackend, type CryptoBackend } from './crypto-backend.js';
import { publicIdentity, type Identity, type PublicIdentity } from './identity.js';

export const ALIAS_ID_BYTES = 32;
/** Aliases rotate daily by default: often enough to bound linkage, rarely enough to keep re-registration cheap. */
export const DEFAULT_ALIAS_PERIOD_MS = 24 * 60 * 60 * 1000;
/** Largest epoch number accepted (u64 on the wire, but kept within safe integers). */
export const MAX_ALIAS_EPOCH = Number.MAX_SAFE_INTEGER;
const SALT = utf8ToBytes('strata-alias-v1');
const ID_INFO = utf8ToBytes('strata-alias-v1 id');
const SIGNING_SALT = utf8ToBytes('strata-alias-v1 signing');
const ACCOUNT_SALT = utf8ToBytes('strata-alias-v1 account');
const REQUEST_INFO = utf8ToBytes('strata-alias-v1 request');

export interface Alias {
  /** The 32-byte recipient id used in Sphinx `Recipient` commands and at the provider. */
  readonly id: Uint8Array;
  readonly epoch: number;
}

/** An alias as its owner (the recipient) holds it: with the key pair it registers and polls with. */
export interface OwnedAlias extends Alias {
  readonly signingSeed: Uint8Array;
  readonly signingPublicKey: Uint8Array;
  /**
   * The provider account this alias is registered under (docs/spec/provider.md §1): one account per
   * alias, so the provider cannot group a user's aliases by account.
   */
  readonly accountSeed: Uint8Array;
  readonly accountPublicKey: Uint8Array;
}

/** The epoch (rotation counter) in force at `nowMs` for rotation period `periodMs`. */
export function aliasEpochAt(nowMs: number, periodMs: number = DEFAULT_ALIAS_PERIOD_MS): number {
  assertInt(nowMs, 'aliasEpochAt.nowMs', 0, Number.MAX_SAFE_INTEGER);
  assertInt(periodMs, 'aliasEpochAt.periodMs', 1000, Number.MAX_SAFE_INTEGER);
  return Math.floor(nowMs / periodMs);
}

/**
 * The pair's pseudorandom key: equal on both sides. Cache it per contact; it is secret (store it only
 * in the secure store) and costs one X25519.
 */
export function pairKey(own: Identity, contact: PublicIdentity, backend: CryptoBackend = portableBackend): Uint8Array {
  assertBytes(own?.x25519SecretKey, 'pairKey.own.x25519SecretKey', 32);
  const peer = publicIdentity(contact);
  const shared = backend.x25519(own.x25519SecretKey, peer.x25519PublicKey);
  // order-independent binding of both signing identities into the key
  const [lo, hi] = compare(own.ed25519PublicKey, peer.ed25519PublicKey) <= 0
    ? [own.ed25519PublicKey, peer.ed25519PublicKey]
    : [peer.ed25519PublicKey, own.ed25519PublicKey];
  const prk = extract(sha256, concatBytes(shared, lo, hi), SALT);
  shared.fill(0);
  return prk;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function aliasId(prk: Uint8Array, fromEd: Uint8Array, toEd: Uint8Array, epoch: number): Uint8Array {
  assertBytes(prk, 'alias.pairKey', 32);
  assertInt(epoch, 'alias.epoch', 0, MAX_ALIAS_EPOCH);
  return expand(sha256, prk, concatBytes(ID_INFO, fromEd, toEd, u64be(epoch)), ALIAS_ID_BYTES);
}

function own(id: Uint8Array, epoch: number, ownSecret: Uint8Array, backend: CryptoBackend): OwnedAlias {
  const signingSeed = hkdf(sha256, ownSecret, SIGNING_SALT, id, 32);
  const accountSeed = hkdf(sha256, ownSecret, ACCOUNT_SALT, id, 32);
  return Object.freeze({
    id,
    epoch,
    signingSeed,
    signingPublicKey: backend.ed25519PublicKey(signingSeed),
    accountSeed,
    accountPublicKey: backend.ed25519PublicKey(accountSeed),
  });
}

/** The alias `contact` sends to when writing to us in `epoch`; we register it at our provider. */
export function inboundAlias(prk: Uint8Array, self: Identity, contact: PublicIdentity, epoch: number, backend: CryptoBackend = portableBackend): OwnedAlias {
  const peer = publicIdentity(contact);
  return own(aliasId(prk, peer.ed25519PublicKey, self.ed25519PublicKey, epoch), epoch, self.x25519SecretKey, backend);
}

/** The alias we address when writing to `contact` in `epoch` (the contact's inbound alias). */
export function outboundAlias(prk: Uint8Array, self: PublicIdentity, contact: PublicIdentity, epoch: number): Alias {
  const peer = publicIdentity(contact);
  return Object.freeze({ id: aliasId(prk, self.ed25519PublicKey, peer.ed25519PublicKey, epoch), epoch });
}

/**
 * The epochs whose inbound aliases should be registered at `nowMs`: the current one, `graceEpochs`
 * before it (messages sent just before a rotation) and the next one (senders whose clock runs ahead).
 */
export function epochsToRegister(nowMs: number, periodMs: number = DEFAULT_ALIAS_PERIOD_MS, graceEpochs = 1): number[] {
  assertInt(graceEpochs, 'epochsToRegister.graceEpochs', 0, 16);
  const current = aliasEpochAt(nowMs, periodMs);
  const out: number[] = [];
  for (let e = Math.max(0, current - graceEpochs); e <= current + 1; e++) out.push(e);
  return out;
}

/**
 * The request alias: where someone who holds only our address writes first ("contact request").
 * Derived from our public keys, so anyone with the address can compute it — it links to the address
 * by design and carries only requests, which land in the request queue, never in conversations.
 * Its signing key is ours alone, as for pairwise aliases.
 */
export function requestAliasId(recipient: PublicIdentity, epoch: number): Uint8Array {
  const pub = publicIdentity(recipient);
  assertInt(epoch, 'requestAlias.epoch', 0, MAX_ALIAS_EPOCH);
  return hkdf(sha256, concatBytes(pub.ed25519PublicKey, pub.x25519PublicKey), SALT, concatBytes(REQUEST_INFO, u64be(epoch)), ALIAS_ID_BYTES);
}

export function ownedRequestAlias(self: Identity, epoch: number, backend: CryptoBackend = portableBackend): OwnedAlias {
  return own(requestAliasId(self, epoch), epoch, self.x25519SecretKey, backend);
}

const SERVICE_SALT = utf8ToBytes('strata-alias-v1 service');

/** Aliases a client keeps for itself: `loop` (λL loops come back here) and `ack` (SURB-ACKs land here). */
export type ServiceAliasKind = 'loop' | 'ack';

/**
 * A service alias: `id = HKDF(ikm = own x25519 secret, salt = "strata-alias-v1 service", info = kind ‖
 * u64(e), 32)`. Only we can compute it (nobody else holds the secret), it rotates with the epoch like
 * pairwise aliases, and its signing and account keys derive as for every owned alias.
 */
export function ownedServiceAlias(self: Identity, kind: ServiceAliasKind, epoch: number, backend: CryptoBackend = portableBackend): OwnedAlias {
  assertBytes(self?.x25519SecretKey, 'serviceAlias.self.x25519SecretKey', 32);
  if (kind !== 'loop' && kind !== 'ack') throw new InvalidArgumentError('serviceAlias.kind: must be loop or ack');
  assertInt(epoch, 'serviceAlias.epoch', 0, MAX_ALIAS_EPOCH);
  const id = hkdf(sha256, self.x25519SecretKey, SERVICE_SALT, concatBytes(utf8ToBytes(kind), u64be(epoch)), ALIAS_ID_BYTES);
  return own(id, epoch, self.x25519SecretKey, backend);
}
