// sphinx-packet-ts: Katzenpost-compatible Sphinx packets (NIKE X25519 and X25519-KEM).
export { SphinxError, InvalidPacketError, SphinxArgumentError, type InvalidPacketReason } from './errors.js';
export {
  Geometry,
  DEFAULT_GEOMETRY,
  MAX_HOPS,
  geometryHash,
  encodeGeometry,
  geometryFromHeaderLength,
  type GeometryKind,
  type GeometryOptions,
} from './geometry.js';
export {
  encodeCommands,
  decodeCommands,
  commandsLength,
  type Command,
  type NextNodeHopCommand,
  type RecipientCommand,
  type SurbReplyCommand,
  type NodeDelayCommand,
} from './commands.js';
export type { PathHop } from './path.js';
export type { CryptoBackend } from './backend.js';
export { nativeBackend } from './backend-native.js';
export { portableBackend } from './backend-portable.js';
export { defaultBackend } from './default-backend.js';
export { NodePrivateKey, prepareNodeKey, generateNodeKeyPair, publicKeyFromPrivate } from './node-key.js';
export { createPacket } from './packet.js';
export { unwrapPacket, unwrapPacketInto, type UnwrapResult, type UnwrapIntoResult, type UnwrapOptions } from './unwrap.js';
export { createUnwrapScratch, UnwrapScratch } from './unwrap-scratch.js';
export { createSurb, packetFromSurb, decryptSurbPayload, type Surb } from './surb.js';
export type { CreateOptions } from './options.js';
export * from './constants.js';
