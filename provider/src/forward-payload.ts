import { DecodeError } from '@strata/core/errors';
import {
  decodeSurbReplyEntry,
  encodeSurbReplyEntries,
  joinSurbReplyParts,
  POLL_SERVICE_ID as CORE_POLL_SERVICE_ID,
  SURB_REPLY_ENTRY_HEADER_BYTES,
  SURB_REPLY_ID_BYTES,
  surbReplyPartCount,
} from '@strata/core/provider-protocol';
import { assertBytes, assertInteger } from './assert.js';
import { ProviderValidationError } from './errors.js';

/** docs/spec/payload.md §2: flags(u8) ‖ reserved 0x00 ‖ SURB-ACK(surbLength) ‖ body. */
export const FORWARD_PAYLOAD_HEADER_BYTES = 2;
export const FLAG_SURB_ACK = 0x01;
/** payload.md §4: `Recipient(POLL_SERVICE_ID)` addresses the provider's anonymous poll service. */
export const POLL_SERVICE_ID: Uint8Array = CORE_POLL_SERVICE_ID;
/** Katzenpost's SURB id length. */
export const SURB_ID_BYTES = SURB_REPLY_ID_BYTES;

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
 * A SURB reply as dropbox entries (provider.md §9), in core's format (core/src/provider-protocol.ts):
 * surbId(16) ‖ u8 index ‖ u8 count ‖ part (the last zero-padded). A receipt needs only entry 0's
 * surbId; an anonymous poll's answer needs every part, joined in index order and cut to
 * `32 + forwardPayloadLength`.
 */
export function surbReplyEntries(surbId: Uint8Array, reply: Uint8Array, messageBytes: number): Uint8Array[] {
  assertBytes('surbId', surbId, SURB_ID_BYTES);
  assertBytes('reply', reply);
  assertInteger('messageBytes', messageBytes, SURB_REPLY_ENTRY_HEADER_BYTES + 1, 1 << 20);
  if (reply.length > 0 && surbReplyPartCount(reply.length, messageBytes) > 255) throw new ProviderValidationError('payload_length', 'SURB reply too large for the dropbox entry size');
  return encodeSurbReplyEntries(surbId, reply, messageBytes);
}

/** Join the parts of one SURB reply (any order); throws ProviderValidationError when incomplete. */
export function joinSurbReplyEntries(entries: readonly Uint8Array[], replyBytes: number): { surbId: Uint8Array; reply: Uint8Array } {
  assertInteger('replyBytes', replyBytes, 1, 1 << 24);
  if (entries.length === 0) throw new ProviderValidationError('surb_reply', 'no entries');
  try {
    const parts = entries.map((e) => decodeSurbReplyEntry(e));
    const { count, surbId } = parts[0];
    const ordered = new Array<Uint8Array | undefined>(count);
    for (const p of parts) {
      if (p.count !== count || p.part.length !== parts[0].part.length) throw new ProviderValidationError('surb_reply', 'inconsistent part header');
      ordered[p.index] = p.part;
    }
    for (let i = 0; i < count; i++) if (ordered[i] === undefined) throw new ProviderValidationError('surb_reply', `part ${i} missing`);
    return { surbId: surbId.slice(), reply: joinSurbReplyParts(ordered as Uint8Array[], replyBytes) };
  } catch (err) {
    if (err instanceof DecodeError) throw new ProviderValidationError('surb_reply', err.message);
    throw err;
  }
}
