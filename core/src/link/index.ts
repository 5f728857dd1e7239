// Public API of the link protocol (docs/spec/link.md).
export {
  CommandId,
  ConsensusStatus,
  COMMAND_HEADER_BYTES,
  SURB_ID_BYTES,
  commandBodyBytes,
  decodeCommand,
  encodeCommand,
  encodePaddedCommand,
  type LinkCommand,
  type LinkCommandKind,
} from './commands.js';
export {
  FRAME_HEADER_BYTES,
  MIN_FRAME_BYTES,
  MAX_FRAME_BYTES,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_REKEY_AFTER_FRAMES,
  DEFAULT_REKEY_INTERVAL_MS,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MAX_PENDING_HANDSHAKES,
  commandBytesOf,
  frameBytesForBody,
  resolveLinkConfig,
  type LinkConfig,
  type LinkConfigInput,
} from './config.js';
export { LinkConnection, type LinkCloseInfo, type LinkConnectionEvents } from './connection.js';
export { dialLink, type DialLinkOptions } from './dial.js';
export {
  CommandDecodeError,
  HandshakeError,
  LinkError,
  type FrameRejectReason,
  type HandshakeFailureReason,
  type LinkErrorReason,
  type SendDropReason,
} from './errors.js';
export { NOISE_PROTOCOL_NAME } from './handshake-state.js';
export {
  createLinkListener,
  LinkListener,
  type LinkAuthorizer,
  type LinkListenerEvents,
  type LinkListenerOptions,
} from './listener.js';
export { createMemoryStreamPair, MemoryTransport } from './memory-transport.js';
export {
  NOOP_LINK_METRICS,
  type LinkCloseReason,
  type LinkDirection,
  type LinkMetrics,
  type LinkRole,
} from './metrics.js';
export { createPromLinkMetrics } from './prom-metrics.js';
export { tcpTransport } from './tcp-transport.js';
export type { LinkAddress, LinkTransport, TransportServer } from './transport.js';
export {
  generateLinkKeyPair,
  linkKeyPairFromPrivateKey,
  X25519_KEY_BYTES as LINK_KEY_BYTES,
  type LinkKeyPair,
} from './x25519.js';
