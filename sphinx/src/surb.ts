// Single-use reply blocks (Katzenpost surb.go): SURB = header || first-hop id || SPRP key || nonce.
import { assertBytes, isBytes } from './assert.js';

import { ctIsZero } from './bytes.js';
import { NODE_ID_LENGTH, PAYLOAD_TAG_LENGTH, SPRP_KEY_LENGTH, SPRP_KEY_MATERIAL_LENGTH } from './constants.js';
import { InvalidPacketError, SphinxArgumentError } from './errors.js';
import { assertGeometry, type Geometry } from './geometry.js';
import { createHeader } from './header.js';
import { resolveCreateOptions, type CreateOptions } from './options.js';
import { validatePath, type PathHop } from './path.js';
import { sprpDecrypt, sprpEncrypt } from './sprp.js';

export interface Surb {
  /** g.surbLength bytes, handed to the party who will reply. */
  surb: Uint8Array;
  /** (hops + 1) × 64 bytes the creator keeps to decrypt the reply. Secret. */
  surbKeys: Uint8Array;
  /** Id of the node the reply packet is first sent to. */
  firstHop: Uint8Array;
}

/** Creates a SURB along `path`; the last hop needs a surbReply command (the reply's id). */
export function createSurb(g: Geometry, path: readonly PathHop[], opts?: CreateOptions): Surb {
  assertGeometry(g);
  validatePath(g, path, true);
  const { backend, random } = resolveCreateOptions(opts);
  const payloadKey = random(SPRP_KEY_MATERIAL_LENGTH); // key48 || nonce16 the replier encrypts with
  const { header, sprpKeys } = createHeader(g, path, backend, random);
  // SURB keys: the hops' SPRP keys last hop first, then the SURB's own payload key.
  const surbKeys = new Uint8Array(SPRP_KEY_MATERIAL_LENGTH * (path.length + 1));
  for (let i = path.length - 1, off = 0; i >= 0; i--, off += SPRP_KEY_MATERIAL_LENGTH) {
    surbKeys.set(sprpKeys[i].key, off);
    surbKeys.set(sprpKeys[i].iv, off + SPRP_KEY_LENGTH);
  }
  surbKeys.set(payloadKey, SPRP_KEY_MATERIAL_LENGTH * path.length);
  const surb = new Uint8Array(g.surbLength);
  surb.set(header, 0);
  surb.set(path[0].id, g.headerLength);
  surb.set(payloadKey, g.headerLength + NODE_ID_LENGTH);
  return { surb, surbKeys, firstHop: path[0].id.slice() };
}

/**
 * Makes the reply packet from a SURB received from someone else (hostile input: a malformed SURB
 * gives InvalidPacketError 'length' or 'version'). `payload` must be g.forwardPayloadLength bytes.
 */
export function packetFromSurb(g: Geometry, surb: Uint8Array, payload: Uint8Array): { packet: Uint8Array; firstHop: Uint8Array } {
  assertGeometry(g);
  if (!isBytes(surb)) throw new SphinxArgumentError('surb', 'must be a Uint8Array');
  if (surb.length !== g.surbLength) throw new InvalidPacketError('length', `SURB is ${surb.length} bytes, geometry needs ${g.surbLength}`);
  if (surb[0] !== 0 || surb[1] !== 0) throw new InvalidPacketError('version', 'unknown SURB header version');
  assertBytes(payload, 'payload', g.forwardPayloadLength);
  const idOff = g.headerLength;
  const keyOff = idOff + NODE_ID_LENGTH;
  const key = surb.subarray(keyOff, keyOff + SPRP_KEY_LENGTH);
  const iv = surb.subarray(keyOff + SPRP_KEY_LENGTH, keyOff + SPRP_KEY_MATERIAL_LENGTH);
  const body = new Uint8Array(PAYLOAD_TAG_LENGTH + payload.length);
  body.set(payload, PAYLOAD_TAG_LENGTH);
  const packet = new Uint8Array(g.packetLength);
  packet.set(surb.subarray(0, g.headerLength), 0);
  packet.set(sprpEncrypt(key, iv, body), g.headerLength);
  return { packet, firstHop: surb.slice(idOff, keyOff) };
}

/**
 * Decrypts a SURB reply body (UnwrapResult.payload at the reply's last hop) with the creator's
 * surbKeys: undo each hop's SPRP decryption, then decrypt with the SURB key and check the zero tag.
 * Throws InvalidPacketError 'length' or 'payload'.
 */
export function decryptSurbPayload(g: Geometry, payload: Uint8Array, surbKeys: Uint8Array): Uint8Array {
  assertGeometry(g);
  if (!isBytes(payload)) throw new SphinxArgumentError('payload', 'must be a Uint8Array');
  if (payload.length !== PAYLOAD_TAG_LENGTH + g.forwardPayloadLength) {
    throw new InvalidPacketError('length', `reply payload is ${payload.length} bytes, geometry needs ${PAYLOAD_TAG_LENGTH + g.forwardPayloadLength}`);
  }
  assertBytes(surbKeys, 'surbKeys');
  const entries = surbKeys.length / SPRP_KEY_MATERIAL_LENGTH;
  if (!Number.isInteger(entries) || entries < 2 || entries > g.nrHops + 1) {
    throw new SphinxArgumentError('surbKeys', `must be 64 × (hops + 1) bytes with 1 ≤ hops ≤ ${g.nrHops}`);
  }
  let b: Uint8Array = payload;
  for (let i = 0; i < entries; i++) {
    const off = i * SPRP_KEY_MATERIAL_LENGTH;
    const key = surbKeys.subarray(off, off + SPRP_KEY_LENGTH);
    const iv = surbKeys.subarray(off + SPRP_KEY_LENGTH, off + SPRP_KEY_MATERIAL_LENGTH);
    b = i === entries - 1 ? sprpDecrypt(key, iv, b) : sprpEncrypt(key, iv, b);
  }
  if (!ctIsZero(b.subarray(0, PAYLOAD_TAG_LENGTH))) throw new InvalidPacketError('payload', 'reply payload tag is not zero');
  return b.slice(PAYLOAD_TAG_LENGTH);
}


