// Client side of the provider's signed requests (docs/spec/provider.md §2–3): JSON bodies for each
// route, signed with Ed25519 seeds through the CryptoBackend (portable by default). The signed bytes
// come from @strata/core/provider-protocol, the encoding the provider verifies.
import { REQUEST_NONCE_BYTES, encodeU64, listDigest, requestSigningBytes, type SignedRequestOp } from '@strata/core/provider-protocol';
import { assertBytes, assertInt } from './assert.js';
import { portableBackend, type CryptoBackend } from './crypto-backend.js';
import { InvalidArgumentError } from './errors.js';

/** An Ed25519 key as the client holds it: 32-byte seed and public key. */
export interface SeedKeyPair {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface RequestContext {
  readonly backend?: CryptoBackend;
  /** Wall clock (ms) used for the signed timestamp. */
  readonly nowMs?: number;
  readonly nonce?: Uint8Array;
}

/** The provider's JSON encoding of binary fields: unpadded base64url. */
export function b64url(bytes: Uint8Array): string {
  assertBytes(bytes, 'b64url.bytes');
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export const MAX_REQUEST_IDS = 1024;

function signer(ctx: RequestContext) {
  const backend = ctx.backend ?? portableBackend;
  const ts = ctx.nowMs ?? Date.now();
  assertInt(ts, 'request.nowMs', 0, Number.MAX_SAFE_INTEGER);
  const nonce = ctx.nonce ?? backend.randomBytes(REQUEST_NONCE_BYTES);
  assertBytes(nonce, 'request.nonce', REQUEST_NONCE_BYTES);
  const sign = (key: SeedKeyPair, op: SignedRequestOp, fields: readonly Uint8Array[]): string =>
    b64url(backend.ed25519Sign(requestSigningBytes(op, fields, ts, nonce), key.seed));
  return { ts, nonce: b64url(nonce), sign };
}

function checkKey(k: SeedKeyPair, what: string): void {
  assertBytes(k?.seed, `${what}.seed`, 32);
  assertBytes(k.publicKey, `${what}.publicKey`, 32);
}

function checkIds(ids: readonly Uint8Array[], length: number, what: string): void {
  if (!Array.isArray(ids) || ids.length > MAX_REQUEST_IDS) throw new InvalidArgumentError(`${what}: must be an array of at most ${MAX_REQUEST_IDS} ids`);
  ids.forEach((id, i) => assertBytes(id, `${what}[${i}]`, length));
}

/**
 * POST /v1/devices: signed by the account key and by the device key. `linkKey` (optional) is the
 * X25519 static key the device presents on the provider link; when given it is a signed field too.
 */
export function signedRegisterDevice(account: SeedKeyPair, device: SeedKeyPair, ctx: RequestContext = {}, linkKey?: Uint8Array): Record<string, unknown> {
  checkKey(account, 'account');
  checkKey(device, 'device');
  if (linkKey !== undefined) assertBytes(linkKey, 'linkKey', 32);
  const s = signer(ctx);
  const fields = linkKey ? [account.publicKey, device.publicKey, linkKey] : [account.publicKey, device.publicKey];
  return {
    account: b64url(account.publicKey),
    device: b64url(device.publicKey),
    ...(linkKey ? { linkKey: b64url(linkKey) } : {}),
    timestampMs: s.ts,
    nonce: s.nonce,
    accountSignature: s.sign(account, 'register-device', fields),
    deviceSignature: s.sign(device, 'register-device', fields),
  };
}

/** POST /v1/aliases: signed by the alias key and by the account key. */
export function signedRegisterAlias(alias: Uint8Array, aliasKey: SeedKeyPair, account: SeedKeyPair, ctx: RequestContext = {}): Record<string, unknown> {
  assertBytes(alias, 'alias', 32);
  checkKey(aliasKey, 'aliasKey');
  checkKey(account, 'account');
  const s = signer(ctx);
  const fields = [alias, aliasKey.publicKey, account.publicKey];
  return {
    alias: b64url(alias),
    aliasKey: b64url(aliasKey.publicKey),
    account: b64url(account.publicKey),
    timestampMs: s.ts,
    nonce: s.nonce,
    aliasSignature: s.sign(aliasKey, 'register-alias', fields),
    accountSignature: s.sign(account, 'register-alias', fields),
  };
}

/** POST /v1/poll: signed by the alias key; `device` names the polling device. */
export function signedPoll(alias: Uint8Array, aliasKey: SeedKeyPair, device: Uint8Array, ctx: RequestContext = {}): Record<string, unknown> {
  assertBytes(alias, 'alias', 32);
  assertBytes(device, 'device', 32);
  checkKey(aliasKey, 'aliasKey');
  const s = signer(ctx);
  return { alias: b64url(alias), device: b64url(device), timestampMs: s.ts, nonce: s.nonce, signature: s.sign(aliasKey, 'poll', [alias, device]) };
}

/** POST /v1/ack: signed by the alias key over D(ids). */
export function signedAck(alias: Uint8Array, aliasKey: SeedKeyPair, device: Uint8Array, ids: readonly Uint8Array[], ctx: RequestContext = {}): Record<string, unknown> {
  assertBytes(alias, 'alias', 32);
  assertBytes(device, 'device', 32);
  checkKey(aliasKey, 'aliasKey');
  checkIds(ids, 8, 'ids');
  const s = signer(ctx);
  return {
    alias: b64url(alias),
    device: b64url(device),
    ids: ids.map(b64url),
    timestampMs: s.ts,
    nonce: s.nonce,
    signature: s.sign(aliasKey, 'ack', [alias, device, listDigest(ids)]),
  };
}

/** POST /v1/surbs: registers reply-SURB ids (16 bytes) for the alias until `expiresAtMs`. */
export function signedRegisterSurbs(alias: Uint8Array, aliasKey: SeedKeyPair, surbIds: readonly Uint8Array[], expiresAtMs: number, ctx: RequestContext = {}): Record<string, unknown> {
  assertBytes(alias, 'alias', 32);
  checkKey(aliasKey, 'aliasKey');
  checkIds(surbIds, 16, 'surbIds');
  assertInt(expiresAtMs, 'expiresAtMs', 0, Number.MAX_SAFE_INTEGER);
  const s = signer(ctx);
  return {
    alias: b64url(alias),
    surbIds: surbIds.map(b64url),
    expiresAtMs,
    timestampMs: s.ts,
    nonce: s.nonce,
    signature: s.sign(aliasKey, 'register-surbs', [alias, listDigest(surbIds), encodeU64(expiresAtMs)]),
  };
}
