// Metric hooks of the link layer. The link calls these; metrics are optional (noop by default)
// and prom-metrics.ts implements them on a prom-client Registry.
import type { FrameRejectReason, HandshakeFailureReason, SendDropReason } from './errors.js';

export type LinkRole = 'dialer' | 'listener';
export type LinkDirection = 'send' | 'recv';

/** Why a connection closed (label set of strata_link_connections_closed_total). */
export type LinkCloseReason =
  | 'local' // close() was called
  | 'peer_disconnect' // the peer sent Disconnect
  | 'peer_closed' // the stream ended or errored without Disconnect
  | 'frame_rejected'; // a received frame was rejected (see frameRejected)

export interface LinkMetrics {
  /** A handshake completed and the connection is usable. */
  connectionOpened(role: LinkRole): void;
  /** An established connection closed. */
  connectionClosed(reason: LinkCloseReason): void;
  /** A handshake failed (the stream is closed). */
  handshakeFailed(reason: HandshakeFailureReason): void;
  /** A received frame was rejected (the connection is closed). */
  frameRejected(reason: FrameRejectReason): void;
  /** send() refused a command. */
  sendDropped(reason: SendDropReason): void;
  /** One frame went out or came in (including NoOp and Rekey frames). */
  frame(direction: LinkDirection): void;
  /** A CipherState of one direction was rekeyed. */
  rekeyed(direction: LinkDirection): void;
}

const noop = (): void => {};

/** Metrics that record nothing. */
export const NOOP_LINK_METRICS: LinkMetrics = Object.freeze({
  connectionOpened: noop,
  connectionClosed: noop,
  handshakeFailed: noop,
  frameRejected: noop,
  sendDropped: noop,
  frame: noop,
  rekeyed: noop,
});
