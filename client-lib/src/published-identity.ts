// Identities published at providers (docs/spec/client.md §13, provider.md §10): a client publishes the
// public keys of its address, signed by its Ed25519 key, under a handle derived from those keys; a
// contact fetches what the provider holds under the handle of the keys it pinned and compares.
// After a re-key the owner publishes the new keys under every old handle, countersigned by the keys
// the handle held, so that its contacts see the change (and flag it). Katzenpost's key discovery
// extension (a provider-side Kaetzchen) plays the same role: the provider's answer is a second opinion
// to compare with what was pinned, not a proof.
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeU64 } from '@strata/core/provider-protocol';
import { assertBytes, assertInt } from './assert.js';
import { base64ToBytes, concatBytes, ctEqual, utf8ToBytes } from './bytes.js';
import { portableBackend, type CryptoBackend } from './crypto-backend.js';
import { ProviderApiError } from './errors.js';
import { publicIdentity, type Identity, type PublicIdentity } from './identity.js';
import { b64url } from './provider-requests.js';

export const IDENTITY_HANDLE_BYTES = 32;
const HANDLE_LABEL = utf8ToBytes('strata-identity-handle-v1');
const STATEMENT_LABEL = utf8ToBytes('strata-identity-v1\x00');
const ROTATION_LABEL = utf8ToBytes('strata-identity-rotate-v1\x00');
export const PUBLISH_IDENTITY_PATH = '/v1/identities';
export const LOOKUP_IDENTITY_PATH = '/v1/identities/lookup';

/**
 * handle = SHA-256("strata-identity-handle-v1" ‖ ed ‖ x). Derived from the keys, so it names nothing
 * a provider could enumerate: only someone holding the address can ask for it. It is not an alias
 * and is never registered as one.
 */
export function identityHandle(keys: PublicIdentity): Uint8Array {
  const k = publicIdentity(keys);
  return sha256(concatBytes(HANDLE_LABEL, k.ed25519PublicKey, k.x25519PublicKey));
}

/** statement = "strata-identity-v1" ‖ 0x00 ‖ handle ‖ ed ‖ x ‖ u64be publishedAtMs — signed by ed. */
export function identityStatementBytes(handle: Uint8Array, keys: PublicIdentity, publishedAtMs: number): Uint8Array {
  assertBytes(handle, 'identity.handle', IDENTITY_HANDLE_BYTES);
  const k = publicIdentity(keys);
  assertInt(publishedAtMs, 'identity.publishedAtMs', 0, Number.MAX_SAFE_INTEGER);
  return concatBytes(STATEMENT_LABEL, handle, k.ed25519PublicKey, k.x25519PublicKey, encodeU64(publishedAtMs));
}

/** rotation = "strata-identity-rotate-v1" ‖ 0x00 ‖ statement — signed by the keys the handle held. */
export function identityRotationBytes(statement: Uint8Array): Uint8Array {
  assertBytes(statement, 'identity.statement');
  return concatBytes(ROTATION_LABEL, statement);
}

/**
 * The POST /v1/identities body publishing `identity`'s keys under `handle` (its own handle, or the
 * handle of an earlier identity, then countersigned by `holder`, the identity whose keys it holds).
 */
export function publishIdentityRequest(identity: Identity, handle: Uint8Array, publishedAtMs: number, holder?: Identity, backend: CryptoBackend = portableBackend): Record<string, unknown> {
  const statement = identityStatementBytes(handle, identity, publishedAtMs);
  return {
    handle: b64url(handle),
    ed25519: b64url(identity.ed25519PublicKey),
    x25519: b64url(identity.x25519PublicKey),
    publishedAtMs,
    signature: b64url(backend.ed25519Sign(statement, identity.ed25519Seed)),
    ...(holder ? { rotationSignature: b64url(backend.ed25519Sign(identityRotationBytes(statement), holder.ed25519Seed)) } : {}),
  };
}

export interface PublishedKeys {
  readonly keys: PublicIdentity;
  readonly publishedAtMs: number;
  /** The keys replaced earlier ones under this handle (a re-key). */
  readonly rotated: boolean;
}

function field(j: Record<string, unknown>, name: string, bytes: number): Uint8Array {
  const v = j[name];
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]+$/.test(v)) throw new ProviderApiError('bad-response', `identity lookup ${name}: must be base64url`);
  let b: Uint8Array;
  try {
    // portable (no Buffer): base64url → padded standard base64
    const std = v.replace(/-/g, '+').replace(/_/g, '/');
    b = base64ToBytes(std + '='.repeat((4 - (std.length % 4)) % 4));
  } catch {
    throw new ProviderApiError('bad-response', `identity lookup ${name}: must be base64url`);
  }
  if (b.length !== bytes) throw new ProviderApiError('bad-response', `identity lookup ${name}: must be ${bytes} bytes`);
  return b;
}

/**
 * Parses and checks a lookup answer for `handle`: the handle must be the one asked for and the owner
 * signature must verify under the served Ed25519 key (ProviderApiError 'bad-response' |
 * 'bad-signature'). A provider can still serve keys of its own making: that is what the comparison
 * with the pinned keys (and the safety number) is for.
 */
export function parsePublishedIdentity(j: Record<string, unknown>, handle: Uint8Array, backend: CryptoBackend = portableBackend): PublishedKeys {
  assertBytes(handle, 'identity.handle', IDENTITY_HANDLE_BYTES);
  if (!ctEqual(field(j, 'handle', IDENTITY_HANDLE_BYTES), handle)) throw new ProviderApiError('bad-response', 'identity lookup: answer for another handle');
  const ed25519PublicKey = field(j, 'ed25519', 32);
  const x25519PublicKey = field(j, 'x25519', 32);
  const signature = field(j, 'signature', 64);
  const t = j.publishedAtMs;
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) throw new ProviderApiError('bad-response', 'identity lookup publishedAtMs: must be a non-negative integer');
  const keys = publicIdentity({ ed25519PublicKey, x25519PublicKey });
  if (!backend.ed25519Verify(signature, identityStatementBytes(handle, keys, t), ed25519PublicKey)) {
    throw new ProviderApiError('bad-signature', 'identity lookup: the statement is not signed by the served key');
  }
  return Object.freeze({ keys, publishedAtMs: t, rotated: j.rotationSignature !== null && j.rotationSignature !== undefined });
}
