import { randomBytes, type KeyObject } from 'node:crypto';
import { assertArray, assertBytes } from './assert.js';
import { NONCE_BYTES, listDigest, signRequest, u64, type Ed25519KeyPair } from './request-signing.js';

/**
 * Client side of the HTTPS API: JSON bodies for each signed route (docs/spec/provider.md).
 * client-lib and the benchmarks build requests with these; the server checks them in api.ts.
 */
const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');

export interface SignOptions {
  readonly timestampMs?: number;
  readonly nonce?: Uint8Array;
}

function fresh(opts: SignOptions): { ts: number; nonce: Uint8Array } {
  const nonce = opts.nonce ?? randomBytes(NONCE_BYTES);
  assertBytes('nonce', nonce, NONCE_BYTES);
  return { ts: opts.timestampMs ?? Date.now(), nonce };
}

/**
 * POST /v1/devices body: signed by the account key and by the new device's key. `linkKey` (X25519
 * public key the device presents on the provider link) is then a third signed field.
 */
export function registerDeviceRequest(account: Ed25519KeyPair, device: Ed25519KeyPair, opts: SignOptions & { linkKey?: Uint8Array } = {}): Record<string, unknown> {
  const { ts, nonce } = fresh(opts);
  if (opts.linkKey !== undefined) assertBytes('linkKey', opts.linkKey, 32);
  const fields = opts.linkKey ? [account.publicKey, device.publicKey, opts.linkKey] : [account.publicKey, device.publicKey];
  return {
    account: b64(account.publicKey),
    device: b64(device.publicKey),
    ...(opts.linkKey ? { linkKey: b64(opts.linkKey) } : {}),
    timestampMs: ts,
    nonce: b64(nonce),
    accountSignature: b64(signRequest(account.privateKey, 'register-device', fields, ts, nonce)),
    deviceSignature: b64(signRequest(device.privateKey, 'register-device', fields, ts, nonce)),
  };
}

/** POST /v1/devices/remove body: signed by the account key alone (the device may be lost). */
export function removeDeviceRequest(account: Ed25519KeyPair, device: Uint8Array, opts: SignOptions = {}): Record<string, unknown> {
  assertBytes('device', device, 32);
  const { ts, nonce } = fresh(opts);
  return {
    account: b64(account.publicKey),
    device: b64(device),
    timestampMs: ts,
    nonce: b64(nonce),
    accountSignature: b64(signRequest(account.privateKey, 'remove-device', [account.publicKey, device], ts, nonce)),
  };
}

/** POST /v1/aliases body: signed by the alias key and by the account key. */
export function registerAliasRequest(alias: Uint8Array, aliasKey: Ed25519KeyPair, account: Ed25519KeyPair, opts: SignOptions = {}): Record<string, unknown> {
  assertBytes('alias', alias, 32);
  const { ts, nonce } = fresh(opts);
  const fields = [alias, aliasKey.publicKey, account.publicKey];
  return {
    alias: b64(alias),
    aliasKey: b64(aliasKey.publicKey),
    account: b64(account.publicKey),
    timestampMs: ts,
    nonce: b64(nonce),
    aliasSignature: b64(signRequest(aliasKey.privateKey, 'register-alias', fields, ts, nonce)),
    accountSignature: b64(signRequest(account.privateKey, 'register-alias', fields, ts, nonce)),
  };
}

/** POST /v1/poll body: signed by the alias key; `device` names the polling device. */
export function pollRequest(alias: Uint8Array, aliasKey: KeyObject, device: Uint8Array, opts: SignOptions = {}): Record<string, unknown> {
  assertBytes('alias', alias, 32);
  assertBytes('device', device, 32);
  const { ts, nonce } = fresh(opts);
  return {
    alias: b64(alias),
    device: b64(device),
    timestampMs: ts,
    nonce: b64(nonce),
    signature: b64(signRequest(aliasKey, 'poll', [alias, device], ts, nonce)),
  };
}

/** POST /v1/ack body: signed by the alias key over the digest of the acknowledged ids. */
export function ackRequest(alias: Uint8Array, aliasKey: KeyObject, device: Uint8Array, ids: readonly Uint8Array[], opts: SignOptions = {}): Record<string, unknown> {
  assertBytes('alias', alias, 32);
  assertBytes('device', device, 32);
  assertArray('ids', ids, 1024);
  const { ts, nonce } = fresh(opts);
  return {
    alias: b64(alias),
    device: b64(device),
    ids: ids.map(b64),
    timestampMs: ts,
    nonce: b64(nonce),
    signature: b64(signRequest(aliasKey, 'ack', [alias, device, listDigest(ids)], ts, nonce)),
  };
}

/** POST /v1/surbs body: registers reply-SURB ids for the alias until `expiresAtMs`. */
export function registerSurbsRequest(alias: Uint8Array, aliasKey: KeyObject, surbIds: readonly Uint8Array[], expiresAtMs: number, opts: SignOptions = {}): Record<string, unknown> {
  assertBytes('alias', alias, 32);
  const { ts, nonce } = fresh(opts);
  return {
    alias: b64(alias),
    surbIds: surbIds.map(b64),
    expiresAtMs,
    timestampMs: ts,
    nonce: b64(nonce),
    signature: b64(signRequest(aliasKey, 'register-surbs', [alias, listDigest(surbIds), u64(expiresAtMs)], ts, nonce)),
  };
}
