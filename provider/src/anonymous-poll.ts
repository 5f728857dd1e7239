import { randomBytes, type KeyObject } from 'node:crypto';
import { DecodeError } from '@strata/core/errors';
import {
  ANONYMOUS_POLL_FIXED_BYTES,
  anonymousPollEntries as coreAnonymousPollEntries,
  decodeAnonymousPollBody,
  encodeAnonymousPollBody,
  maxAnonymousAckIds as coreMaxAnonymousAckIds,
  type AnonymousPollRequest,
} from '@strata/core/provider-protocol';
import { assertArray, assertBytes, assertInteger } from './assert.js';
import { MESSAGE_ID_BYTES } from './message-key.js';
import { ProviderValidationError } from './errors.js';
import { NONCE_BYTES, listDigest, signRequest } from './request-signing.js';

/**
 * Anonymous poll (issue 5 item 6, payload.md §4, provider.md §9): the body of a Sphinx message to
 * `Recipient(POLL_SERVICE_ID)`, with the SURB for the answer in the payload's SURB-ACK slot. The
 * format and its encoder/decoder live in core/src/provider-protocol.ts (shared with client-lib):
 *
 *   "SAP1" ‖ alias(32) ‖ device(32) ‖ u64be timestampMs ‖ nonce(16) ‖ pollSignature(64)
 *   ‖ u16be nAck ‖ [ ackNonce(16) ‖ ackSignature(64) ‖ nAck × id(8) ]  ‖ zero padding
 *
 * This module keeps the provider's error contract (ProviderValidationError) and a node:crypto
 * signing helper for tests.
 */
export type { AnonymousPollRequest };
export const ANONYMOUS_POLL_MAGIC = Buffer.from('SAP1', 'latin1');

/** Largest ack list that fits in a body of `bodyBytes`. */
export function maxAnonymousAckIds(bodyBytes: number): number {
  return coreMaxAnonymousAckIds(Math.max(0, Math.min(bodyBytes, 1 << 20)));
}

/** Decode a request body; throws ProviderValidationError ('anonymous_poll') on any malformation. */
export function decodeAnonymousPoll(body: Uint8Array): AnonymousPollRequest {
  assertBytes('body', body);
  try {
    return decodeAnonymousPollBody(body);
  } catch (err) {
    if (err instanceof DecodeError) throw new ProviderValidationError('anonymous_poll', err.message);
    throw err;
  }
}

/** Build a request body of exactly `bodyBytes` (tests), signed with the alias key. */
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
  assertInteger('bodyBytes', bodyBytes, ANONYMOUS_POLL_FIXED_BYTES, 1 << 20);
  const ts = opts.timestampMs ?? Date.now();
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  const signature = signRequest(aliasKey, 'poll', [alias, device], ts, nonce);
  let ack: AnonymousPollRequest['ack'] = null;
  if (ids.length > 0) {
    const ackNonce = new Uint8Array(randomBytes(NONCE_BYTES));
    ack = { nonce: ackNonce, signature: signRequest(aliasKey, 'ack', [alias, device, listDigest(ids)], ts, ackNonce), ids };
  }
  return encodeAnonymousPollBody({ alias, device, timestampMs: ts, nonce, signature, ack }, bodyBytes);
}

/**
 * Entries one anonymous-poll answer carries: the most whose fixed-size poll response (provider.md
 * §5) fits in the SURB reply's `forwardPayloadLength` bytes (at least one).
 */
export function anonymousPollEntries(forwardPayloadLength: number, messageBytes: number): number {
  try {
    return coreAnonymousPollEntries(forwardPayloadLength, messageBytes);
  } catch (err) {
    throw new ProviderValidationError('geometry', `one poll entry does not fit in a SURB reply (${(err as Error).message})`);
  }
}
