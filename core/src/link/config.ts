// Link configuration: defaults → validation with path-prefixed errors → frozen object.
import { ConfigError } from '../errors.js';
import { AEAD_TAG_BYTES } from './cipher-state.js';
import { COMMAND_HEADER_BYTES } from './commands.js';

/** Every post-handshake frame starts with a u16be length (always frameBytes - 2). */
export const FRAME_HEADER_BYTES = 2;
/** Smallest frame: header, tag and an empty command. */
export const MIN_FRAME_BYTES = FRAME_HEADER_BYTES + AEAD_TAG_BYTES + COMMAND_HEADER_BYTES;
/** Largest frame: Noise messages are at most 65535 bytes (Noise §3). */
export const MAX_FRAME_BYTES = FRAME_HEADER_BYTES + 65535;

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_REKEY_AFTER_FRAMES = 1 << 16;
export const DEFAULT_REKEY_INTERVAL_MS = 10 * 60_000;
export const DEFAULT_MAX_QUEUED_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_PENDING_HANDSHAKES = 256;
export const DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE = 32;
export const DEFAULT_HANDSHAKES_PER_SECOND = 200;
export const DEFAULT_HANDSHAKE_BURST = 400;
export const DEFAULT_MAX_CONNECTIONS_PER_PEER = 4;

/** Link parameters shared by dialers and listeners. Both ends must agree on frameBytes and rekeyAfterFrames. */
export interface LinkConfig {
  /** Bytes of every post-handshake frame on the wire (header + ciphertext). */
  readonly frameBytes: number;
  /** Handshake (and listener confirmation) must complete within this time. */
  readonly handshakeTimeoutMs: number;
  /** A sender rekeys after this many frames under one key (the last being Rekey). */
  readonly rekeyAfterFrames: number;
  /** A sender also rekeys every this many ms (0: only by frame count). */
  readonly rekeyIntervalMs: number;
  /** send() rejects with 'send_queue_full' when this many bytes are already queued. */
  readonly maxQueuedBytes: number;
  /** Listener only: concurrent handshakes beyond this are dropped ('too_many_handshakes'). */
  readonly maxPendingHandshakes: number;
  /** Listener only: concurrent handshakes from one remote IP (TCP) beyond this are dropped ('too_many_from_source'). */
  readonly maxPendingHandshakesPerSource: number;
  /** Listener only: new handshakes started per second, a token bucket refilled at this rate ('handshake_rate'). */
  readonly handshakesPerSecond: number;
  /** Listener only: token bucket depth of handshakesPerSecond (handshakes that may start at once). */
  readonly handshakeBurst: number;
  /** Listener only: established links per authenticated static key beyond this are refused ('too_many_connections'). */
  readonly maxConnectionsPerPeer: number;
}

export type LinkConfigInput = Partial<LinkConfig> & { frameBytes: number };

function int(path: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(path, `must be an integer in [${min}, ${max}]`);
  }
  return value;
}

/** Validates `input` over the defaults; errors name the path (`link.frameBytes: ...`). */
export function resolveLinkConfig(input: LinkConfigInput, path = 'link'): LinkConfig {
  if (typeof input !== 'object' || input === null) throw new ConfigError(path, 'must be an object');
  return Object.freeze({
    frameBytes: int(`${path}.frameBytes`, input.frameBytes, MIN_FRAME_BYTES, MAX_FRAME_BYTES),
    handshakeTimeoutMs: int(`${path}.handshakeTimeoutMs`, input.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS, 1, 600_000),
    rekeyAfterFrames: int(`${path}.rekeyAfterFrames`, input.rekeyAfterFrames ?? DEFAULT_REKEY_AFTER_FRAMES, 2, 2 ** 32 - 1),
    rekeyIntervalMs: int(`${path}.rekeyIntervalMs`, input.rekeyIntervalMs ?? DEFAULT_REKEY_INTERVAL_MS, 0, 2 ** 31 - 1),
    maxQueuedBytes: int(`${path}.maxQueuedBytes`, input.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES, input.frameBytes ?? 0, 2 ** 31 - 1),
    maxPendingHandshakes: int(`${path}.maxPendingHandshakes`, input.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES, 1, 1_000_000),
    maxPendingHandshakesPerSource: int(`${path}.maxPendingHandshakesPerSource`, input.maxPendingHandshakesPerSource ?? DEFAULT_MAX_PENDING_HANDSHAKES_PER_SOURCE, 1, 1_000_000),
    handshakesPerSecond: int(`${path}.handshakesPerSecond`, input.handshakesPerSecond ?? DEFAULT_HANDSHAKES_PER_SECOND, 1, 1_000_000),
    handshakeBurst: int(`${path}.handshakeBurst`, input.handshakeBurst ?? DEFAULT_HANDSHAKE_BURST, 1, 1_000_000),
    maxConnectionsPerPeer: int(`${path}.maxConnectionsPerPeer`, input.maxConnectionsPerPeer ?? DEFAULT_MAX_CONNECTIONS_PER_PEER, 1, 1_000_000),
  });
}

/** Plaintext command capacity of a frame: frameBytes minus header and AEAD tag. */
export function commandBytesOf(frameBytes: number): number {
  return frameBytes - FRAME_HEADER_BYTES - AEAD_TAG_BYTES;
}

/** Smallest frameBytes that carries a command body of `bodyBytes` (e.g. a Sphinx packet). */
export function frameBytesForBody(bodyBytes: number): number {
  return FRAME_HEADER_BYTES + AEAD_TAG_BYTES + COMMAND_HEADER_BYTES + bodyBytes;
}

const PROLOGUE_LABEL = Buffer.from('strata-link/1\0', 'ascii');

/**
 * Noise prologue (Noise §6): binds the link version and the parameters both ends must share, so
 * a mismatch fails the handshake (at message 1, 'bad_handshake') instead of garbling frames.
 */
export function linkPrologue(config: Pick<LinkConfig, 'frameBytes' | 'rekeyAfterFrames'>): Uint8Array {
  const out = Buffer.alloc(PROLOGUE_LABEL.length + 8);
  PROLOGUE_LABEL.copy(out);
  out.writeUInt32BE(config.frameBytes, PROLOGUE_LABEL.length);
  out.writeUInt32BE(config.rekeyAfterFrames, PROLOGUE_LABEL.length + 4);
  return out;
}
