// Per-hop processing (Katzenpost sphinx.go unwrapNike / kemsphinx.go KEMUnwrap). Pure: the input
// packet is not modified; a forward hop returns a new packet.
import { assertBytes, isBytes } from './assert.js';
import type { CryptoBackend } from './backend.js';
import { ctEqual, ctIsZero } from './bytes.js';
import { decodeCommands, type Command } from './commands.js';
import { AD_LENGTH, MAC_LENGTH, PAYLOAD_TAG_LENGTH, X25519_KEY_LENGTH } from './constants.js';
import { InvalidPacketError, SphinxArgumentError } from './errors.js';
import { assertGeometry, type Geometry } from './geometry.js';
import { deriveKeys } from './kdf.js';
import { kemDecapsulate } from './kem.js';
import { assertBackend, NodePrivateKey, prepareNodeKey } from './node-key.js';
import { sprpDecrypt, sprpDecryptInto } from './sprp.js';

export interface UnwrapResult {
  /** SHA-512/256 of the group element (NIKE alpha / KEM ciphertext): the replay-filter key. */
  replayTag: Uint8Array;
  /** Every routing command of this hop, nextNodeHop included. */
  commands: Command[];
  /** Next node id (forward hops), else null. */
  nextHop: Uint8Array | null;
  /** The packet to send to nextHop (forward hops), else null. */
  packet: Uint8Array | null;
  /**
   * Terminal hops: the forward payload without its 32-byte zero tag, or, for a SURB reply (a
   * surbReply command is present), the still-encrypted reply body tag included. Else null.
   */
  payload: Uint8Array | null;
  surbId: Uint8Array | null;
  recipient: Uint8Array | null;
  delayMs: number | null;
}

export interface UnwrapOptions {
  backend?: CryptoBackend;
}

function resolveKey(key: NodePrivateKey | Uint8Array, opts: UnwrapOptions | undefined): NodePrivateKey {
  const backend = opts?.backend;
  if (backend !== undefined) assertBackend(backend, 'opts.backend');
  if (key instanceof NodePrivateKey) {
    if (backend !== undefined && backend !== key.backend) {
      throw new SphinxArgumentError('opts.backend', 'differs from the backend the key was prepared with');
    }
    return key;
  }
  if (!isBytes(key)) throw new SphinxArgumentError('key', 'must be a NodePrivateKey or a 32-byte private key');
  assertBytes(key, 'key', X25519_KEY_LENGTH);
  return prepareNodeKey(key, backend);
}

/**
 * Unwraps one Sphinx layer with the node's key. Throws InvalidPacketError ('length', 'version',
 * 'key', 'mac', 'commands', 'payload') for any hostile or corrupt packet, and nothing else.
 */
export function unwrapPacket(g: Geometry, key: NodePrivateKey | Uint8Array, packet: Uint8Array, opts?: UnwrapOptions): UnwrapResult {
  assertGeometry(g);
  const k = resolveKey(key, opts);
  if (!isBytes(packet)) throw new SphinxArgumentError('packet', 'must be a Uint8Array');
  if (packet.length !== g.packetLength) {
    throw new InvalidPacketError('length', `packet is ${packet.length} bytes, geometry needs ${g.packetLength}`);
  }
  if (packet[0] !== 0 || packet[1] !== 0) throw new InvalidPacketError('version', 'unknown header version');
  const backend = k.backend;
  const P = g.perHopRoutingInfoLength;
  const R = g.routingInfoLength;
  const riOff = g.routingInfoOffset;
  const macOff = g.macOffset;
  const payloadOff = g.headerLength;

  // Shared secret and replay tag (Sphinx §3.2: s = alpha^x; tag = H(alpha), Katzenpost crypto.Hash).
  const groupElement = packet.subarray(AD_LENGTH, riOff);
  let alphaPoint = null;
  let sharedSecret: Uint8Array;
  if (g.kind === 'nike') {
    alphaPoint = backend.importPoint(groupElement);
    sharedSecret = backend.x25519(k.scalar, alphaPoint);
  } else {
    sharedSecret = kemDecapsulate(backend, k.scalar, k.publicKey, groupElement);
  }
  const replayTag = backend.sha512_256(groupElement);
  const keys = deriveKeys(backend, sharedSecret, g.kind === 'nike');

  // Header MAC over AD || alpha || routing info, compared in constant time.
  const mac = backend.hmacSha256(keys.headerMac, packet.subarray(0, macOff));
  if (!ctEqual(mac, packet.subarray(macOff, macOff + MAC_LENGTH))) throw new InvalidPacketError('mac', 'header MAC mismatch');

  // Decrypt routing info with P zero bytes appended (length invariance, Sphinx §3.2 "beta || 0").
  const padded = new Uint8Array(R + P);
  padded.set(packet.subarray(riOff, macOff));
  const b = backend.aes256Ctr(keys.headerKey, keys.headerIv, padded);
  const commands = decodeCommands(b.subarray(0, g.commandsLength));

  let nextHop: Uint8Array | null = null;
  let nextMac: Uint8Array | null = null;
  let surbId: Uint8Array | null = null;
  let recipient: Uint8Array | null = null;
  let delayMs: number | null = null;
  for (const c of commands) {
    switch (c.type) {
      case 'nextNodeHop':
        if (nextHop) throw new InvalidPacketError('commands', 'more than one nextNodeHop');
        nextHop = c.id;
        nextMac = c.mac;
        break;
      case 'surbReply':
        if (surbId) throw new InvalidPacketError('commands', 'more than one surbReply');
        surbId = c.id;
        break;
      case 'recipient':
        if (recipient) throw new InvalidPacketError('commands', 'more than one recipient');
        recipient = c.id;
        break;
      case 'nodeDelay':
        if (delayMs !== null) throw new InvalidPacketError('commands', 'more than one nodeDelay');
        delayMs = c.delayMs;
        break;
    }
  }

  const sealed = packet.subarray(payloadOff);

  if (nextHop && nextMac) {
    const out = new Uint8Array(g.packetLength);
    sprpDecryptInto(keys.payloadKey, keys.headerIv, sealed, out.subarray(payloadOff));
    if (g.kind === 'nike') {
      // Sphinx §3.2: alpha' = alpha^b with b from the blinding seed.
      const blind = backend.importScalar(backend.chacha20Keystream32(keys.blindingSeed));
      out.set(backend.x25519(blind, alphaPoint!), AD_LENGTH);
    } else {
      // KEM Sphinx: the next hop's ciphertext sits at the end of this hop's routing block.
      out.set(b.subarray(P - g.groupElementLength, P), AD_LENGTH);
    }
    out.set(b.subarray(P, P + R), riOff);
    out.set(nextMac, macOff);
    return { replayTag, commands, nextHop, packet: out, payload: null, surbId, recipient, delayMs };
  }

  const body = sprpDecrypt(keys.payloadKey, keys.headerIv, sealed);
  if (surbId) {
    // SURB reply: the body is still under the SURB creator's keys; only they can check the tag.
    return { replayTag, commands, nextHop: null, packet: null, payload: body, surbId, recipient, delayMs };
  }
  if (!ctIsZero(body.subarray(0, PAYLOAD_TAG_LENGTH))) throw new InvalidPacketError('payload', 'payload tag is not zero');
  return { replayTag, commands, nextHop: null, packet: null, payload: body.slice(PAYLOAD_TAG_LENGTH), surbId, recipient, delayMs };
}
