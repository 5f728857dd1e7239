// Forward packet creation (Katzenpost sphinx.go NewPacket / kemsphinx.go NewKEMPacket).
import { assertBytes } from './assert.js';
import { PAYLOAD_TAG_LENGTH } from './constants.js';
import { assertGeometry, type Geometry } from './geometry.js';
import { createHeader } from './header.js';
import { resolveCreateOptions, type CreateOptions } from './options.js';
import { validatePath, type PathHop } from './path.js';
import { sprpEncrypt } from './sprp.js';

/**
 * Creates a forward packet along `path` (1..g.nrHops hops). `payload` must be exactly
 * g.forwardPayloadLength bytes; it is delivered at the last hop (UnwrapResult.payload).
 */
export function createPacket(g: Geometry, path: readonly PathHop[], payload: Uint8Array, opts?: CreateOptions): Uint8Array {
  assertGeometry(g);
  validatePath(g, path);
  assertBytes(payload, 'payload', g.forwardPayloadLength);
  const { backend, random } = resolveCreateOptions(opts);
  const { header, sprpKeys } = createHeader(g, path, backend, random);
  // Payload = 32 zero bytes (the tag) || message, wrapped in one SPRP layer per hop, last hop first.
  let body: Uint8Array = new Uint8Array(PAYLOAD_TAG_LENGTH + payload.length);
  body.set(payload, PAYLOAD_TAG_LENGTH);
  for (let i = path.length - 1; i >= 0; i--) body = sprpEncrypt(sprpKeys[i].key, sprpKeys[i].iv, body);
  const packet = new Uint8Array(g.packetLength);
  packet.set(header, 0);
  packet.set(body, g.headerLength);
  return packet;
}
