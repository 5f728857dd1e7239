import { randomBytes, type KeyObject } from 'node:crypto';
import { assertArray, assertBytes, assertInteger } from './assert.js';
import { MESSAGE_ID_BYTES } from './message-key.js';
import { ProviderValidationError } from './errors.js';
import { pollResponseBytes } from './poll-response.js';
import { ED25519_SIGNATURE_BYTES, NONCE_BYTES, listDigest, signRequest } from './request-signing.js';

/**
 * Anonymous poll (issue 5 item 6, payload.md §4, provider.md §9): the body of a Sphinx message to
 * `Recipient(POLL_SERVICE_ID)`, with the SURB for the answer in the payload's SURB-ACK slot.
 *
 *   "SAP1" ‖ alias(32) ‖ device(32) ‖ u64be timestampMs ‖ nonce(16) ‖ pollSignature(64)
 *   ‖ u16be nAck ‖ [ ackNonce(16) ‖ ackSignature(64) ‖ nAck × id(8) ]  ‖ zero padding
 *
 * pollSignature is the §2 `poll` signature over (alias, device); when nAck > 0 the request first
 * acknowledges `ids` with the §2 `ack` signature over (alias, device, D(ids)) at the same timestamp
 * and its own nonce, so a client can drain its dropbox without any direct connection.
 */
export const ANONYMOUS_POLL_MAGIC = Buffer.from('SAP1', 'latin1');
const FIXED_BYTES = 4 + 32 + 32 + 8 + NONCE_BYTES + ED25519_SIGNATURE_BYTES + 2;

export interface AnonymousPollRequest {
  readonly alias: Uint8Array;
  readonly device: Uint8Array;
  readonly timestampMs: number;
  readonly nonce: Uint8Array;
  readonly signature: Uint8Array;
  readonly ack: { readonly nonce: Uint8Array; readonly signature: Uint8Array; readonly ids: readonly Uint8Array[] } | null;
}

/** Largest ack list that fits in a body of `bodyBytes`. */
export function maxAnonymousAckIds(bodyBytes: number): number {
  return Math.max(0, Math.floor((bodyBytes - FIXED_BYTES - NONCE_BYTES - ED25519_SIGNATURE_BYTES) / MESSAGE_ID_BYTES));
}

/** Decode a request body; throws ProviderValidationError ('anonymous_poll') on any malformation. */
export function decodeAnonymousPoll(body: Uint8Array): AnonymousPollRequest {
  assertBytes('body', body);
  const bad = (m: string): never => {
    throw new ProviderValidationError('anonymous_poll', m);
  };
  if (body.length < FIXED_BYTES) bad('too short');
  const b = Buffer.from(body.buffer, body.byteOffset, body.length);
  if (!b.subarray(0, 4).equals(ANONYMOUS_POLL_MAGIC)) bad('bad magic');
  let o = 4;
  const take = (n: number): Uint8Array => {
    if (o + n > b.length) bad('truncated');
    const v = new Uint8Array(b.subarray(o, o + n));
    o += n;
    return v;
  };
  const alias = take(32);
  const device = take(32);
  const ts = Number(b.readBigUInt64BE(o));
  o += 8;
  if (!Number.isSafeInteger(ts)) bad('bad timestamp');
  const nonce = take(NONCE_BYTES);
  const signature = take(ED25519_SIGNATURE_BYTES);
  const nAck = b.readUInt16BE(o);
  o += 2;
  let ack: AnonymousPollRequest['ack'] = null;
  if (nAck > 0) {
    const ackNonce = take(NONCE_BYTES);
    const ackSignature = take(ED25519_SIGNATURE_BYTES);
    const ids: Uint8Array[] = [];
    for (let i = 0; i < nAck; i++) ids.push(take(MESSAGE_ID_BYTES));
    ack = { nonce: ackNonce, signature: ackSignature, ids };
  }
  return { alias, device, timestampMs: ts, nonce, signature, ack };
}

/** Build a request body of exactly `bodyBytes` (clients, tests), signed with the alias key. */
export function encodeAnonymousPoll(
  alias: Uint8Array,
  aliasKey: KeyObject,
  device: Uint8Array,
  bodyBytes: number,
  opts: { ackIds?: readonly Uint8Array[]; timestampMs?: number } = {},
): Uint8Array {
  assertBytes('alias', alias, 32);
  assertBytes('device', device, 32);
  const ids = opts.ackIds ?? [];
  assertArray('ackIds', ids, maxAnonymousAckIds(bodyBytes));
  ids.forEach((id, i) => assertBytes(`ackIds[${i}]`, id, MESSAGE_ID_BYTES));
  assertInteger('bodyBytes', bodyBytes, FIXED_BYTES, 1 << 20);
  const ts = opts.timestampMs ?? Date.now();
  const nonce = randomBytes(NONCE_BYTES);
  const parts: Uint8Array[] = [ANONYMOUS_POLL_MAGIC, alias, device];
  const t = Buffer.alloc(8);
  t.writeBigUInt64BE(BigInt(ts));
  parts.push(t, nonce, signRequest(aliasKey, 'poll', [alias, device], ts, nonce));
  const n = Buffer.alloc(2);
  n.writeUInt16BE(ids.length);
  parts.push(n);
  if (ids.length > 0) {
    const ackNonce = randomBytes(NONCE_BYTES);
    parts.push(ackNonce, signRequest(aliasKey, 'ack', [alias, device, listDigest(ids)], ts, ackNonce), ...ids);
  }
  const out = new Uint8Array(bodyBytes);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Entries one anonymous-poll answer carries: the most whose fixed-size poll response (provider.md
 * §5) fits in the SURB reply's `forwardPayloadLength` bytes (at least one).
 */
export function anonymousPollEntries(forwardPayloadLength: number, messageBytes: number): number {
  let k = 1;
  while (pollResponseBytes(k + 1, messageBytes) <= forwardPayloadLength && k < 0xffff) k++;
  if (pollResponseBytes(k, messageBytes) > forwardPayloadLength) throw new ProviderValidationError('geometry', 'one poll entry does not fit in a SURB reply');
  return k;
}
