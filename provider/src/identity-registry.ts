import { createHash, verify as nodeVerify } from 'node:crypto';
import type { Database, RootDatabase } from 'lmdb';
import { encodeU64 } from '@strata/core/provider-protocol';
import { assertBytes, assertInteger } from './assert.js';
import { ConflictError, HandleMismatchError, ProviderError, QuotaExceededError, RequestAuthError } from './errors.js';
import type { GroupCommit } from './group-commit.js';
import { ed25519PublicKey } from './request-signing.js';

/**
 * Published identities (docs/spec/provider.md §10, issue 6 item 4 "a contact's key is checked against
 * what its provider publishes"): a client publishes the public keys of its address, signed by its
 * identity key, under a handle derived from those keys; anyone holding the address can fetch them and
 * compare with what it pinned. After a re-key the owner publishes the new keys under the old handle,
 * countersigned by the old key, so that its contacts see the change (and flag it).
 *
 * Katzenpost's key discovery extension answers the same question with a provider-side autoresponder
 * (Kaetzchen); there, as here, the provider's answer is not end-to-end authenticated: it is a second
 * opinion that a contact compares with the keys it pinned, and a difference is shown to the user.
 */
export const IDENTITY_HANDLE_BYTES = 32;
export const IDENTITY_KEY_BYTES = 32;
export const IDENTITY_SIGNATURE_BYTES = 64;
const HANDLE_LABEL = Buffer.from('strata-identity-handle-v1', 'latin1');
const STATEMENT_LABEL = Buffer.from('strata-identity-v1', 'latin1');
const ROTATION_LABEL = Buffer.from('strata-identity-rotate-v1', 'latin1');
/** ed ‖ x ‖ u64 publishedAtMs ‖ signature ‖ u8 hasRotation ‖ [rotationSignature]. */
const RECORD_FIXED_BYTES = 32 + 32 + 8 + 64 + 1;

/** handle = SHA-256("strata-identity-handle-v1" ‖ ed ‖ x): derived from the keys, so unguessable without the address. */
export function identityHandle(ed25519PublicKey: Uint8Array, x25519PublicKey: Uint8Array): Buffer {
  assertBytes('ed25519PublicKey', ed25519PublicKey, IDENTITY_KEY_BYTES);
  assertBytes('x25519PublicKey', x25519PublicKey, IDENTITY_KEY_BYTES);
  return createHash('sha256').update(HANDLE_LABEL).update(ed25519PublicKey).update(x25519PublicKey).digest();
}

/** statement = "strata-identity-v1" ‖ 0x00 ‖ handle ‖ ed ‖ x ‖ u64be publishedAtMs (signed by ed). */
export function identityStatementBytes(handle: Uint8Array, ed: Uint8Array, x: Uint8Array, publishedAtMs: number): Buffer {
  assertBytes('handle', handle, IDENTITY_HANDLE_BYTES);
  assertBytes('ed25519PublicKey', ed, IDENTITY_KEY_BYTES);
  assertBytes('x25519PublicKey', x, IDENTITY_KEY_BYTES);
  assertInteger('publishedAtMs', publishedAtMs, 0, Number.MAX_SAFE_INTEGER);
  return Buffer.concat([STATEMENT_LABEL, Buffer.of(0), handle, ed, x, encodeU64(publishedAtMs)]);
}

/** rotation = "strata-identity-rotate-v1" ‖ 0x00 ‖ statement (signed by the key the handle held before). */
export function identityRotationBytes(statement: Uint8Array): Buffer {
  assertBytes('statement', statement);
  return Buffer.concat([ROTATION_LABEL, Buffer.of(0), statement]);
}

export interface PublishedIdentity {
  readonly handle: Buffer;
  readonly ed25519PublicKey: Buffer;
  readonly x25519PublicKey: Buffer;
  readonly publishedAtMs: number;
  readonly signature: Buffer;
  /** Present when the keys replaced other keys under this handle: by the previous Ed25519 key. */
  readonly rotationSignature: Buffer | undefined;
}

export interface IdentityRegistryOptions {
  readonly maxIdentities: number;
  /** Statements dated further than this from the provider's clock are refused (stale_timestamp). */
  readonly timestampWindowMs: number;
  readonly now?: () => number;
}

function verifies(message: Buffer, key: Uint8Array, signature: Uint8Array): boolean {
  try {
    return nodeVerify(null, message, ed25519PublicKey(key), signature);
  } catch {
    return false;
  }
}

function encodeRecord(r: PublishedIdentity): Buffer {
  return Buffer.concat([r.ed25519PublicKey, r.x25519PublicKey, encodeU64(r.publishedAtMs), r.signature, Buffer.of(r.rotationSignature ? 1 : 0), r.rotationSignature ?? Buffer.alloc(0)]);
}

function decodeRecord(handle: Buffer, b: Buffer): PublishedIdentity {
  if (b.length !== RECORD_FIXED_BYTES && b.length !== RECORD_FIXED_BYTES + 64) throw new ProviderError('corrupt_record', 'identities: record of a bad length');
  const hasRotation = b[136] === 1;
  return Object.freeze({
    handle,
    ed25519PublicKey: b.subarray(0, 32),
    x25519PublicKey: b.subarray(32, 64),
    publishedAtMs: Number(b.readBigUInt64BE(64)),
    signature: b.subarray(72, 136),
    rotationSignature: hasRotation ? b.subarray(137, 201) : undefined,
  });
}

/**
 * LMDB sub-database `identities`: handle(32) → record. Writes go through the dropbox store's group
 * commit (durable before the API answers).
 *
 * Accepting a statement (publish):
 * 1. publishedAtMs within ±timestampWindowMs of now (stale_timestamp) and the signature by `ed`
 *    over the statement (bad_signature);
 * 2. no record yet: the handle must be the handle of these keys (403 handle_mismatch), so nobody can
 *    squat on another address's handle;
 * 3. a record with the same keys: a newer statement replaces it, an older or equal one is a no-op;
 * 4. a record with other keys (a re-key): `rotationSignature` by the recorded Ed25519 key over the
 *    rotation bytes (bad_signature) and a newer publishedAtMs (409 stale_statement) — an old
 *    statement can never roll the handle back.
 */
export class IdentityRegistry {
  readonly #db: Database<Buffer, Buffer>;
  #count = 0;
  readonly #now: () => number;

  constructor(env: RootDatabase, private readonly commit: GroupCommit, private readonly options: IdentityRegistryOptions) {
    assertInteger('maxIdentities', options.maxIdentities, 0, 100_000_000);
    assertInteger('timestampWindowMs', options.timestampWindowMs, 1, 86_400_000);
    this.#now = options.now ?? Date.now;
    this.#db = env.openDB<Buffer, Buffer>('identities', { keyEncoding: 'binary', encoding: 'binary' });
    for (const _ of this.#db.getKeys({})) this.#count++;
  }

  get size(): number {
    return this.#count;
  }

  /** The record published under `handle`, or undefined. */
  get(handle: Uint8Array): PublishedIdentity | undefined {
    assertBytes('handle', handle, IDENTITY_HANDLE_BYTES);
    const key = Buffer.from(handle);
    const v = this.#db.get(key);
    return v === undefined ? undefined : decodeRecord(key, Buffer.from(v));
  }

  /** Publishes a statement (rules above); durable when resolved. */
  async publish(s: Omit<PublishedIdentity, 'handle'> & { readonly handle: Uint8Array }): Promise<{ created: boolean; rotated: boolean }> {
    assertBytes('handle', s.handle, IDENTITY_HANDLE_BYTES);
    assertBytes('ed25519PublicKey', s.ed25519PublicKey, IDENTITY_KEY_BYTES);
    assertBytes('x25519PublicKey', s.x25519PublicKey, IDENTITY_KEY_BYTES);
    assertBytes('signature', s.signature, IDENTITY_SIGNATURE_BYTES);
    if (s.rotationSignature !== undefined) assertBytes('rotationSignature', s.rotationSignature, IDENTITY_SIGNATURE_BYTES);
    assertInteger('publishedAtMs', s.publishedAtMs, 0, Number.MAX_SAFE_INTEGER);
    if (Math.abs(s.publishedAtMs - this.#now()) > this.options.timestampWindowMs) throw new RequestAuthError('stale_timestamp', 'publishedAtMs: outside the accepted window');
    const statement = identityStatementBytes(s.handle, s.ed25519PublicKey, s.x25519PublicKey, s.publishedAtMs);
    if (!verifies(statement, s.ed25519PublicKey, s.signature)) throw new RequestAuthError('bad_signature', 'the statement is not signed by its Ed25519 key');
    const handle = Buffer.from(s.handle);
    const record: PublishedIdentity = {
      handle,
      ed25519PublicKey: Buffer.from(s.ed25519PublicKey),
      x25519PublicKey: Buffer.from(s.x25519PublicKey),
      publishedAtMs: s.publishedAtMs,
      signature: Buffer.from(s.signature),
      rotationSignature: undefined,
    };
    // Signature checks of a rotation happen inside the commit closure (it must see the latest record).
    return this.commit.submit(() => {
      const current = this.get(handle);
      if (current === undefined) {
        if (!identityHandle(s.ed25519PublicKey, s.x25519PublicKey).equals(handle)) throw new HandleMismatchError();
        if (this.#count >= this.options.maxIdentities) throw new QuotaExceededError('identities', this.options.maxIdentities);
        this.#db.putSync(handle, encodeRecord(record));
        this.#count++;
        return { created: true, rotated: false };
      }
      const sameKeys = current.ed25519PublicKey.equals(record.ed25519PublicKey) && current.x25519PublicKey.equals(record.x25519PublicKey);
      if (sameKeys) {
        // A refresh keeps a rotation signature already on record (it still explains the keys).
        if (s.publishedAtMs > current.publishedAtMs) this.#db.putSync(handle, encodeRecord({ ...record, rotationSignature: current.rotationSignature }));
        return { created: false, rotated: false };
      }
      if (s.rotationSignature === undefined || !verifies(identityRotationBytes(statement), current.ed25519PublicKey, s.rotationSignature)) {
        throw new RequestAuthError('bad_signature', 'new keys for a handle need a rotation signature by the keys it holds');
      }
      if (s.publishedAtMs <= current.publishedAtMs) throw new ConflictError('stale_statement', 'a newer statement is already published under this handle');
      this.#db.putSync(handle, encodeRecord({ ...record, rotationSignature: Buffer.from(s.rotationSignature) }));
      return { created: false, rotated: true };
    });
  }
}

