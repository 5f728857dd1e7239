// Typed errors of the link layer. `reason` values double as the `reason` label of the link
// metrics, so each union below is the fixed label set of one counter (see metrics.ts).
import { StrataError } from '../errors.js';

/** Why a handshake did not produce a connection. */
export type HandshakeFailureReason =
  | 'timeout' // handshakeTimeoutMs elapsed before the handshake (and confirmation) completed
  | 'bad_handshake' // wrong handshake message length, AEAD failure (wrong prologue/frame size), garbage
  | 'low_order' // an X25519 result was all-zero (low-order or zero point from the peer)
  | 'wrong_peer_key' // dialer: the responder's static key is not the expected one
  | 'unknown_peer' // listener: authorize() refused the initiator's static key
  | 'refused' // dialer: the listener closed the link before confirming it
  | 'too_many_handshakes' // listener: maxPendingHandshakes reached, connection dropped
  | 'too_many_from_source' // listener: maxPendingHandshakesPerSource reached for the remote IP
  | 'handshake_rate' // listener: handshakesPerSecond (token bucket) exhausted, connection dropped
  | 'too_many_connections' // listener: maxConnectionsPerPeer links already open for this static key
  | 'connect_failed' // dialer: the transport could not connect
  | 'closed'; // the stream closed during the handshake

/** Why a received post-handshake frame was rejected (the connection is then closed). */
export type FrameRejectReason =
  | 'bad_length' // length header differs from the link's fixed frame length
  | 'bad_mac' // AEAD authentication failed (garbled, truncated, replayed or reordered frame)
  | 'bad_command' // reserved byte set, body length overflow, non-zero padding, bad body size
  | 'unknown_command' // command id not in the link command set
  | 'rekey_overdue'; // the peer sent more frames under one key than the rekey policy allows

/** Why send() refused a command. */
export type SendDropReason = 'send_queue_full' | 'closed';

/** Every reason a LinkError can carry. */
export type LinkErrorReason =
  | HandshakeFailureReason
  | FrameRejectReason
  | SendDropReason
  | 'command_too_large';

/** An error of the link layer; `reason` is machine-readable. */
export class LinkError extends StrataError {
  declare readonly reason: LinkErrorReason;
  constructor(reason: LinkErrorReason, message: string, options?: { cause?: unknown }) {
    super(reason, message, options);
    this.name = 'LinkError';
  }
}

/** The Noise handshake failed; no connection was established. */
export class HandshakeError extends LinkError {
  declare readonly reason: HandshakeFailureReason;
  constructor(reason: HandshakeFailureReason, message: string, options?: { cause?: unknown }) {
    super(reason, message, options);
    this.name = 'HandshakeError';
  }
}

/** A link command could not be decoded (see commands.ts). */
export class CommandDecodeError extends LinkError {
  declare readonly reason: 'bad_command' | 'unknown_command';
  constructor(reason: 'bad_command' | 'unknown_command', message: string) {
    super(reason, message);
    this.name = 'CommandDecodeError';
  }
}
