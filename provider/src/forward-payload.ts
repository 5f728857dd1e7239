import { assertBytes, assertInteger } from './assert.js';
import { ProviderValidationError } from './errors.js';

/** docs/spec/payload.md §2: flags(u8) ‖ reserved 0x00 ‖ SURB-ACK(surbLength) ‖ body. */
export const FORWARD_PAYLOAD_HEADER_BYTES = 2;
export const FLAG_SURB_ACK = 0x01;
/** payload.md §4: `Recipient(POLL_SERVICE_ID)` addresses the provider's anonymous poll service. */
export const POLL_SERVICE_ID: Uint8Array = new Uint8Array(32).fill(0xff);
/** Katzenpost's SURB id length. */
export const SURB_ID_BYTES = 16;

export interface ForwardPayload {
  /** The SURB at the payload head when flag 0x01 is set and no unknown flag is, else null. */
  readonly surb: Uint8Array | null;
  /** Unknown flag bits were set: store the body, send no ACK (counted `bad_flags`). */
  readonly badFlags: boolean;
  /** The user payload (`userForwardPayloadLength` bytes). */
  readonly body: Uint8Array;
}

/** Split a terminal hop's forward payload (payload.md §2); throws ProviderValidationError on length. */
export function decodeForwardPayload(payload: Uint8Array, surbLength: number, bodyBytes: number): ForwardPayload {
  assertBytes('payload', payload);
  assertInteger('surbLength', surbLength, 1, 1 << 20);
  assertInteger('bodyBytes', bodyBytes, 1, 1 << 20);
  if (payload.length !== FORWARD_PAYLOAD_HEADER_BYTES + surbLength + bodyBytes) {
    throw new ProviderValidationError('payload_length', `forward payload is ${payload.length} bytes, expected ${FORWARD_PAYLOAD_HEADER_BYTES + surbLength + bodyBytes}`);
  }
  const flags = payload[0];
  const badFlags = (flags & ~FLAG_SURB_ACK) !== 0 || payload[1] !== 0;
  const off = FORWARD_PAYLOAD_HEADER_BYTES;
  return {
    surb: !badFlags && (flags & FLAG_SURB_ACK) !== 0 ? payload.subarray(off, off + surbLength) : null,
    badFlags,
    body: payload.subarray(off + surbLength),
  };
}

/** Build a forward payload (senders, tests): flags ‖ 0 ‖ SURB or zeros ‖ body. */
export function encodeForwardPayload(surb: Uint8Array | null, body: Uint8Array, surbLength: number): Uint8Array {
  assertInteger('surbLength', surbLength, 1, 1 << 20);
  assertBytes('body', body);
  if (surb !== null) assertBytes('surb', surb, surbLength);
  const out = new Uint8Array(FORWARD_PAYLOAD_HEADER_BYTES + surbLength + body.length);
  if (surb) {
    out[0] = FLAG_SURB_ACK;
    out.set(surb, FORWARD_PAYLOAD_HEADER_BYTES);
  }
  out.set(body, FORWARD_PAYLOAD_HEADER_BYTES + surbLength);
  return out;
}

/**
 * A SURB reply as dropbox entries (provider.md §9): the encrypted reply (payload tag included) is cut
 * into parts of `messageBytes − 18` bytes, each stored as surbId(16) ‖ u8 index ‖ u8 count ‖ part
 * (the last zero-padded). A receipt needs only entry 0's surbId; an anonymous poll's answer needs
 * every part, joined in index order and cut to `32 + forwardPayloadLength`.
 */
export function surbReplyEntries(surbId: Uint8Array, reply: Uint8Array, messageBytes: number): Uint8Array[] {
  assertBytes('surbId', surbId, SURB_ID_BYTES);
  assertBytes('reply', reply);
  assertInteger('messageBytes', messageBytes, SURB_ID_BYTES + 3, 1 << 20);
  const cap = messageBytes - SURB_ID_BYTES - 2;
  const count = Math.ceil(reply.length / cap);
  if (count > 255) throw new ProviderValidationError('payload_length', 'SURB reply too large for the dropbox entry size');
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const e = new Uint8Array(messageBytes);
    e.set(surbId, 0);
    e[SURB_ID_BYTES] = i;
    e[SURB_ID_BYTES + 1] = count;
    e.set(reply.subarray(i * cap, (i + 1) * cap), SURB_ID_BYTES + 2);
    out.push(e);
  }
  return out;
}

/** Join the parts of one SURB reply (any order); throws ProviderValidationError when incomplete. */
export function joinSurbReplyEntries(entries: readonly Uint8Array[], replyBytes: number): { surbId: Uint8Array; reply: Uint8Array } {
  assertInteger('replyBytes', replyBytes, 1, 1 << 24);
  if (entries.length === 0) throw new ProviderValidationError('surb_reply', 'no entries');
  const count = entries[0][SURB_ID_BYTES + 1];
  const cap = entries[0].length - SURB_ID_BYTES - 2;
  const parts = new Array<Uint8Array | undefined>(count);
  for (const e of entries) {
    assertBytes('entry', e, entries[0].length);
    if (e[SURB_ID_BYTES + 1] !== count || e[SURB_ID_BYTES] >= count) throw new ProviderValidationError('surb_reply', 'inconsistent part header');
    parts[e[SURB_ID_BYTES]] = e.subarray(SURB_ID_BYTES + 2);
  }
  for (let i = 0; i < count; i++) if (parts[i] === undefined) throw new ProviderValidationError('surb_reply', `part ${i} missing`);
  if (count * cap < replyBytes) throw new ProviderValidationError('surb_reply', 'parts missing');
  const reply = new Uint8Array(count * cap);
  parts.forEach((p, i) => reply.set(p as Uint8Array, i * cap));
  return { surbId: entries[0].slice(0, SURB_ID_BYTES), reply: reply.slice(0, replyBytes) };
}
