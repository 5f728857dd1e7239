// Per-hop processing (Katzenpost sphinx.go unwrapNike / kemsphinx.go KEMUnwrap). Pure: the input
// packet is not modified. One implementation, two entry points: unwrapPacketInto writes a forward
// hop's next packet into a caller-owned buffer with caller-owned scratch (a mix worker allocates
// nothing packet-sized per packet); unwrapPacket wraps it and returns a new packet.
import { assertBytes, isBytes } from './assert.js';
import { overlaps, type CryptoBackend } from './backend.js';
import { ctEqual, ctIsZero } from './bytes.js';
import { decodeCommands, type Command } from './commands.js';
import { AD_LENGTH, KDF_INFO, MAC_LENGTH, PAYLOAD_TAG_LENGTH, X25519_KEY_LENGTH } from './constants.js';
import { InvalidPacketError, SphinxArgumentError } from './errors.js';
import { assertGeometry, type Geometry } from './geometry.js';
import { kemDecapsulate } from './kem.js';
import { assertBackend, NodePrivateKey, prepareNodeKey } from './node-key.js';
import { sprpDecrypt, sprpDecryptInto } from './sprp.js';
import { UnwrapScratch } from './unwrap-scratch.js';

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

/** unwrapPacketInto's result: UnwrapResult without `packet`; `forwarded` says whether `out` holds it. */
export interface UnwrapIntoResult {
  /** SHA-512/256 of the group element: the replay-filter key (a fresh 32-byte array). */
  replayTag: Uint8Array;
  /** Every routing command of this hop, nextNodeHop included. */
  commands: Command[];
  /** Next node id (forward hops), else null. */
  nextHop: Uint8Array | null;
  /** True for a forward hop: `out` now holds the packet to send to nextHop. False: `out` is untouched. */
  forwarded: boolean;
  /** As UnwrapResult.payload (terminal hops only; allocated: terminal hops are rare at a mix). */
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
 * Allocates the next packet; a worker that unwraps many packets should use unwrapPacketInto.
 */
export function unwrapPacket(g: Geometry, key: NodePrivateKey | Uint8Array, packet: Uint8Array, opts?: UnwrapOptions): UnwrapResult {
  assertGeometry(g);
  const k = resolveKey(key, opts);
  if (!isBytes(packet)) throw new SphinxArgumentError('packet', 'must be a Uint8Array');
  const out = new Uint8Array(g.packetLength);
  const r = unwrapChecked(g, k, packet, out, new UnwrapScratch(g));
  return {
    replayTag: r.replayTag,
    commands: r.commands,
    nextHop: r.nextHop,
    packet: r.forwarded ? out : null,
    payload: r.payload,
    surbId: r.surbId,
    recipient: r.recipient,
    delayMs: r.delayMs,
  };
}

/**
 * unwrapPacket with caller-owned memory: the same checks, errors and results, but a forward hop's
 * next packet is written into `out` (exactly g.packetLength bytes, not overlapping `packet`) and
 * every intermediate lives in `scratch` (createUnwrapScratch(g), reused across calls). On a
 * terminal hop `out` is left untouched and `forwarded` is false; if it throws, `out` may hold
 * partial output. Only small fields (replay tag, ids, commands) are allocated per call.
 */
export function unwrapPacketInto(
  g: Geometry,
  key: NodePrivateKey | Uint8Array,
  packet: Uint8Array,
  out: Uint8Array,
  scratch: UnwrapScratch,
  opts?: UnwrapOptions,
): UnwrapIntoResult {
  assertGeometry(g);
  const k = resolveKey(key, opts);
  if (!isBytes(packet)) throw new SphinxArgumentError('packet', 'must be a Uint8Array');
  assertBytes(out, 'out', g.packetLength);
  if (overlaps(out, packet)) throw new SphinxArgumentError('out', 'must not overlap packet');
  if (!(scratch instanceof UnwrapScratch)) throw new SphinxArgumentError('scratch', 'must come from createUnwrapScratch');
  if (scratch.geometry !== g && !scratch.geometry.equals(g)) throw new SphinxArgumentError('scratch', 'was created for another geometry');
  return unwrapChecked(g, k, packet, out, scratch);
}

/** The single implementation behind both entry points; arguments already checked. */
function unwrapChecked(g: Geometry, k: NodePrivateKey, packet: Uint8Array, out: Uint8Array, s: UnwrapScratch): UnwrapIntoResult {
  if (packet.length !== g.packetLength) {
    throw new InvalidPacketError('length', `packet is ${packet.length} bytes, geometry needs ${g.packetLength}`);
  }
  if (packet[0] !== 0 || packet[1] !== 0) throw new InvalidPacketError('version', 'unknown header version');
  try {
    return unwrapLayer(g, k, packet, out, s);
  } finally {
    s.wipe();
  }
}

function unwrapLayer(g: Geometry, k: NodePrivateKey, packet: Uint8Array, out: Uint8Array, s: UnwrapScratch): UnwrapIntoResult {
  const backend = k.backend;
  const P = g.perHopRoutingInfoLength;
  const R = g.routingInfoLength;
  const riOff = g.routingInfoOffset;
  const macOff = g.macOffset;
  const payloadOff = g.headerLength;
  const nike = g.kind === 'nike';

  // Shared secret and replay tag (Sphinx §3.2: s = alpha^x; tag = H(alpha), Katzenpost crypto.Hash).
  const groupElement = packet.subarray(AD_LENGTH, riOff);
  if (nike) backend.x25519Into(k.scalar, groupElement, s.secret);
  else s.secret.set(kemDecapsulate(backend, k.scalar, k.publicKey, groupElement));
  backend.sha512_256Into(groupElement, s.replayTag);
  const replayTag = s.replayTag.slice();
  // Katzenpost crypto.KDF: HKDF-Expand-SHA256(s, info); KEM Sphinx needs no blinding seed (same prefix).
  backend.hkdfExpandSha256Into(s.secret, KDF_INFO, nike ? s.okm : s.okmNoBlinding);

  // Header MAC over AD || alpha || routing info, compared in constant time.
  backend.hmacSha256Into(s.headerMac, packet.subarray(0, macOff), s.mac);
  if (!ctEqual(s.mac, packet.subarray(macOff, macOff + MAC_LENGTH))) throw new InvalidPacketError('mac', 'header MAC mismatch');

  // Decrypt routing info with P zero bytes appended (length invariance, Sphinx §3.2 "beta || 0").
  s.padded.set(packet.subarray(riOff, macOff));
  const b = s.routing;
  backend.aes256CtrInto(s.headerKey, s.headerIv, s.padded, b);
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
    // Next packet: AD (version 0x0000) || alpha' || beta' || gamma' || payload'.
    sprpDecryptInto(s.payloadKey, s.headerIv, sealed, out.subarray(payloadOff));
    out[0] = 0;
    out[1] = 0;
    if (nike) {
      // Sphinx §3.2: alpha' = alpha^b with b from the blinding seed (Katzenpost: ChaCha20 keystream).
      backend.chacha20Keystream32Into(s.blindingSeed, s.blindingScalar);
      backend.x25519RawInto(s.blindingScalar, groupElement, out.subarray(AD_LENGTH, riOff));
    } else {
      // KEM Sphinx: the next hop's ciphertext sits at the end of this hop's routing block.
      out.set(b.subarray(P - g.groupElementLength, P), AD_LENGTH);
    }
    out.set(b.subarray(P, P + R), riOff);
    out.set(nextMac, macOff);
    return { replayTag, commands, nextHop, forwarded: true, payload: null, surbId, recipient, delayMs };
  }

  const body = sprpDecrypt(s.payloadKey, s.headerIv, sealed);
  if (surbId) {
    // SURB reply: the body is still under the SURB creator's keys; only they can check the tag.
    return { replayTag, commands, nextHop: null, forwarded: false, payload: body, surbId, recipient, delayMs };
  }
  if (!ctIsZero(body.subarray(0, PAYLOAD_TAG_LENGTH))) throw new InvalidPacketError('payload', 'payload tag is not zero');
  return { replayTag, commands, nextHop: null, forwarded: false, payload: body.slice(PAYLOAD_TAG_LENGTH), surbId, recipient, delayMs };
}
