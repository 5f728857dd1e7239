// How the Sphinx user payload is shared out (docs/spec/client.md §Payload layout):
//   user payload (2000 B) = SURB-ACK header (2 + 572 B) || envelope (1426 B)
//   envelope             = overhead (147 B) || body (1279 B)
//   body                 = fragment header (53 B) || fragment data (1226 B)
// Every size derives from the geometry's user payload length and SURB length (Katzenpost, 5 hops:
// SURB = header 476 + first-hop id 32 + payload key material 64 = 572 bytes).
import { assertInt } from './assert.js';
import { ENVELOPE_OVERHEAD_BYTES, MAX_ENVELOPE_BYTES } from './envelope.js';
import { FRAGMENT_HEADER_BYTES } from './fragment.js';

export const DEFAULT_USER_PAYLOAD_BYTES = 2000;
export const DEFAULT_SURB_BYTES = 572;
/** Katzenpost's plaintext payload header before the SURB-ACK: flags(1) || reserved(1). */
export const SURB_ACK_PREFIX_BYTES = 2;

export interface PayloadBudget {
  readonly userPayloadBytes: number;
  readonly surbAckHeaderBytes: number;
  readonly envelopeBytes: number;
  readonly bodyBytes: number;
  readonly fragmentDataBytes: number;
}

export function payloadBudget(userPayloadBytes: number = DEFAULT_USER_PAYLOAD_BYTES, surbBytes: number = DEFAULT_SURB_BYTES): PayloadBudget {
  assertInt(surbBytes, 'payloadBudget.surbBytes', 0, MAX_ENVELOPE_BYTES);
  const surbAckHeaderBytes = SURB_ACK_PREFIX_BYTES + surbBytes;
  const minimum = surbAckHeaderBytes + ENVELOPE_OVERHEAD_BYTES + FRAGMENT_HEADER_BYTES + 1;
  assertInt(userPayloadBytes, 'payloadBudget.userPayloadBytes', minimum, surbAckHeaderBytes + MAX_ENVELOPE_BYTES);
  const envelopeBytes = userPayloadBytes - surbAckHeaderBytes;
  const bodyBytes = envelopeBytes - ENVELOPE_OVERHEAD_BYTES;
  return Object.freeze({ userPayloadBytes, surbAckHeaderBytes, envelopeBytes, bodyBytes, fragmentDataBytes: bodyBytes - FRAGMENT_HEADER_BYTES });
}
