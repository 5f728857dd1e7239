// Packet geometry: every size derives from (kind, nrHops, userForwardPayloadLength, withSurb),
// exactly as Katzenpost's geo.GeometryFromUserForwardPayloadLength / KEMGeometryFrom... do.
import { blake2b } from '@noble/hashes/blake2.js';
import { assertInt, assertObject } from './assert.js';
import { encodeCanonicalMap } from './cbor.js';
import {
  AD_LENGTH,
  MAC_LENGTH,
  NEXT_NODE_HOP_LENGTH,
  NODE_ID_LENGTH,
  PAYLOAD_TAG_LENGTH,
  SPHINX_PLAINTEXT_HEADER_LENGTH,
  SPRP_KEY_MATERIAL_LENGTH,
  SURB_REPLY_COMMAND_LENGTH,
  X25519_KEM_CIPHERTEXT_LENGTH,
  X25519_KEY_LENGTH,
} from './constants.js';
import { SphinxArgumentError } from './errors.js';

export const MAX_HOPS = 32;
export const MAX_USER_FORWARD_PAYLOAD_BYTES = 1 << 24;
/** Katzenpost's scheme names, carried in the geometry hash. */
export const NIKE_X25519_NAME = 'x25519';
export const KEM_X25519_NAME = 'x25519-kemadapter-sha256-v1';

export type GeometryKind = 'nike' | 'kem';

export interface GeometryOptions {
  nrHops: number;
  userForwardPayloadLength: number;
  withSurb?: boolean;
}

export class Geometry {
  readonly kind: GeometryKind;
  readonly nrHops: number;
  readonly withSurb: boolean;
  /** Bytes of the group element (NIKE: alpha) or KEM ciphertext at the front of the header. */
  readonly groupElementLength: number;
  readonly perHopRoutingInfoLength: number;
  readonly routingInfoLength: number;
  readonly headerLength: number;
  readonly payloadTagLength: number;
  readonly userForwardPayloadLength: number;
  readonly forwardPayloadLength: number;
  /** headerLength + payloadTagLength + forwardPayloadLength. */
  readonly packetLength: number;
  /** header || first-hop id || SPRP key || SPRP nonce. */
  readonly surbLength: number;
  readonly sphinxPlaintextHeaderLength: number;
  readonly nextNodeHopLength: number;
  readonly sprpKeyMaterialLength: number;
  /** Bytes of a hop's block available for encoded commands (KEM: minus the next ciphertext). */
  readonly commandsLength: number;
  readonly nikeName: string;
  readonly kemName: string;

  private constructor(kind: GeometryKind, o: GeometryOptions) {
    assertObject(o, 'geometry');
    assertInt(o.nrHops, 'geometry.nrHops', 1, MAX_HOPS);
    assertInt(o.userForwardPayloadLength, 'geometry.userForwardPayloadLength', 0, MAX_USER_FORWARD_PAYLOAD_BYTES);
    if (o.withSurb !== undefined && typeof o.withSurb !== 'boolean') {
      throw new SphinxArgumentError('geometry.withSurb', 'must be a boolean');
    }
    this.kind = kind;
    this.nrHops = o.nrHops;
    this.withSurb = o.withSurb ?? false;
    this.nextNodeHopLength = NEXT_NODE_HOP_LENGTH;
    this.sprpKeyMaterialLength = SPRP_KEY_MATERIAL_LENGTH;
    this.sphinxPlaintextHeaderLength = SPHINX_PLAINTEXT_HEADER_LENGTH;
    this.payloadTagLength = PAYLOAD_TAG_LENGTH;
    // Sized for the largest block a hop carries: NextNodeHop + SURBReply (82 B); the KEM variant
    // also carries the next hop's ciphertext at the end of the block.
    const commands = NEXT_NODE_HOP_LENGTH + SURB_REPLY_COMMAND_LENGTH;
    if (kind === 'nike') {
      this.groupElementLength = X25519_KEY_LENGTH;
      this.perHopRoutingInfoLength = commands;
      this.nikeName = NIKE_X25519_NAME;
      this.kemName = '';
    } else {
      this.groupElementLength = X25519_KEM_CIPHERTEXT_LENGTH;
      this.perHopRoutingInfoLength = commands + X25519_KEM_CIPHERTEXT_LENGTH;
      this.nikeName = '';
      this.kemName = KEM_X25519_NAME;
    }
    this.commandsLength = commands;
    this.routingInfoLength = this.perHopRoutingInfoLength * this.nrHops;
    this.headerLength = AD_LENGTH + this.groupElementLength + this.routingInfoLength + MAC_LENGTH;
    this.surbLength = this.headerLength + NODE_ID_LENGTH + SPRP_KEY_MATERIAL_LENGTH;
    this.userForwardPayloadLength = o.userForwardPayloadLength;
    this.forwardPayloadLength = this.withSurb
      ? o.userForwardPayloadLength + SPHINX_PLAINTEXT_HEADER_LENGTH + this.surbLength
      : o.userForwardPayloadLength;
    this.packetLength = this.headerLength + PAYLOAD_TAG_LENGTH + this.forwardPayloadLength;
    Object.freeze(this);
  }

  static nike(o: GeometryOptions): Geometry {
    return new Geometry('nike', o);
  }

  static kem(o: GeometryOptions): Geometry {
    return new Geometry('kem', o);
  }

  /** Offsets inside a packet. */
  get alphaOffset(): number {
    return AD_LENGTH;
  }
  get routingInfoOffset(): number {
    return AD_LENGTH + this.groupElementLength;
  }
  get macOffset(): number {
    return this.routingInfoOffset + this.routingInfoLength;
  }

  equals(other: Geometry): boolean {
    return (
      other instanceof Geometry &&
      other.kind === this.kind &&
      other.nrHops === this.nrHops &&
      other.userForwardPayloadLength === this.userForwardPayloadLength &&
      other.withSurb === this.withSurb
    );
  }

  toString(): string {
    return `${this.kind} ${this.nrHops} hops, user payload ${this.userForwardPayloadLength} B${this.withSurb ? ' + SURB' : ''}: header ${this.headerLength} B, packet ${this.packetLength} B, SURB ${this.surbLength} B`;
  }
}

/** NIKE X25519, 5 hops, 2000-byte user payload with SURB: header 476, SURB 572, packet 3082. */
export const DEFAULT_GEOMETRY: Geometry = Geometry.nike({ nrHops: 5, userForwardPayloadLength: 2000, withSurb: true });

export function assertGeometry(g: unknown, path = 'geometry'): asserts g is Geometry {
  if (!(g instanceof Geometry)) throw new SphinxArgumentError(path, 'must be a Geometry');
}

/**
 * The canonical bytes the geometry hash covers: a canonical-CBOR map with Katzenpost's Geometry
 * field names and values (PacketLength, NrHops, HeaderLength, RoutingInfoLength,
 * PerHopRoutingInfoLength, SURBLength, SphinxPlaintextHeaderLength, PayloadTagLength,
 * ForwardPayloadLength, UserForwardPayloadLength, NextNodeHopLength, SPRPKeyMaterialLength,
 * NIKEName, KEMName).
 */
export function encodeGeometry(g: Geometry): Uint8Array {
  assertGeometry(g);
  return encodeCanonicalMap({
    PacketLength: g.packetLength,
    NrHops: g.nrHops,
    HeaderLength: g.headerLength,
    RoutingInfoLength: g.routingInfoLength,
    PerHopRoutingInfoLength: g.perHopRoutingInfoLength,
    SURBLength: g.surbLength,
    SphinxPlaintextHeaderLength: g.sphinxPlaintextHeaderLength,
    PayloadTagLength: g.payloadTagLength,
    ForwardPayloadLength: g.forwardPayloadLength,
    UserForwardPayloadLength: g.userForwardPayloadLength,
    NextNodeHopLength: g.nextNodeHopLength,
    SPRPKeyMaterialLength: g.sprpKeyMaterialLength,
    NIKEName: g.nikeName,
    KEMName: g.kemName,
  });
}

/** BLAKE2b-256 of encodeGeometry(g): 32 bytes, carried in the consensus. */
export function geometryHash(g: Geometry): Uint8Array {
  return blake2b(encodeGeometry(g), { dkLen: 32 });
}

/**
 * Recognises the geometry of a packet (or SURB) from its sizes, as the vector checker needs:
 * headerLength = 2 + 32 + nrHops·perHop + 32 with perHop 82 (NIKE) or 114 (KEM).
 */
export function geometryFromHeaderLength(headerLength: number, forwardPayloadLength: number): Geometry | null {
  assertInt(headerLength, 'headerLength', 0, Number.MAX_SAFE_INTEGER);
  assertInt(forwardPayloadLength, 'forwardPayloadLength', 0, MAX_USER_FORWARD_PAYLOAD_BYTES);
  const body = headerLength - AD_LENGTH - X25519_KEY_LENGTH - MAC_LENGTH;
  for (const kind of ['nike', 'kem'] as const) {
    const perHop = NEXT_NODE_HOP_LENGTH + SURB_REPLY_COMMAND_LENGTH + (kind === 'kem' ? X25519_KEM_CIPHERTEXT_LENGTH : 0);
    if (body > 0 && body % perHop === 0 && body / perHop <= MAX_HOPS) {
      const o = { nrHops: body / perHop, userForwardPayloadLength: forwardPayloadLength, withSurb: false };
      return kind === 'nike' ? Geometry.nike(o) : Geometry.kem(o);
    }
  }
  return null;
}
