// Katzenpost's Sphinx vector format (core/sphinx/testdata/*_vectors.json): checking and making.
// Pure: the CLI (bin.ts) does the file I/O.
import type { CryptoBackend } from './backend.js';
import { bytesEqual, concatBytes, fromHex, toHex } from './bytes.js';
import { decodeCommands, encodeCommands, type Command } from './commands.js';
import { NODE_ID_LENGTH, PAYLOAD_TAG_LENGTH, RECIPIENT_ID_LENGTH, SPRP_KEY_MATERIAL_LENGTH, SURB_ID_LENGTH } from './constants.js';
import { defaultBackend } from './default-backend.js';
import { SphinxArgumentError, SphinxError } from './errors.js';
import { Geometry, geometryFromHeaderLength, MAX_HOPS, MAX_USER_FORWARD_PAYLOAD_BYTES } from './geometry.js';
import { generateNodeKeyPair, prepareNodeKey, publicKeyFromPrivate } from './node-key.js';
import { createPacket } from './packet.js';
import type { PathHop } from './path.js';
import { createSurb, decryptSurbPayload, packetFromSurb } from './surb.js';
import { unwrapPacket, unwrapPacketInto, type UnwrapResult } from './unwrap.js';
import { createUnwrapScratch } from './unwrap-scratch.js';
import type { NodePrivateKey } from './node-key.js';

export interface VectorNode {
  ID: string;
  PrivateKey: string;
}
export interface VectorHop {
  ID: string;
  PublicKey: string;
  Commands: string[];
}
export interface VectorTest {
  Nodes: VectorNode[];
  Path: VectorHop[];
  Packets: string[];
  Payload: string;
  Surb: string;
  SurbKeys: string;
}

export interface VectorCheck {
  index: number;
  /** Short description, e.g. "nike forward 3 hops" or "commands nodeDelay". */
  label: string;
  ok: boolean;
  kind: 'nike' | 'kem' | 'unknown';
  hops: number;
  surb: boolean;
  failures: string[];
}

/** Katzenpost's vector generators use delay 0xdeadbabe·(i+1) mod 2^32 at hop i. */
const DELAY_BASE = 0xdeadbabe;

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new SphinxError(`${what}: must be a string`);
  return v;
}

/** Parses a vector file's JSON text; throws SphinxError if it is not an array of tests. */
export function parseVectorFile(text: string): VectorTest[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new SphinxError('not valid JSON');
  }
  return parseVectorData(data);
}

function parseVectorData(data: unknown): VectorTest[] {
  if (!Array.isArray(data) || data.length === 0) throw new SphinxError('expected a non-empty array of tests');
  return data.map((t: unknown, i) => {
    if (typeof t !== 'object' || t === null) throw new SphinxError(`test ${i}: not an object`);
    const o = t as Record<string, unknown>;
    if (!Array.isArray(o.Nodes) || !Array.isArray(o.Path) || !Array.isArray(o.Packets)) {
      throw new SphinxError(`test ${i}: needs Nodes, Path and Packets arrays`);
    }
    return {
      Nodes: o.Nodes.map((n: Record<string, unknown>, j: number) => ({
        ID: str(n?.ID, `test ${i} Nodes[${j}].ID`),
        PrivateKey: str(n?.PrivateKey, `test ${i} Nodes[${j}].PrivateKey`),
      })),
      Path: o.Path.map((h: Record<string, unknown>, j: number) => ({
        ID: str(h?.ID, `test ${i} Path[${j}].ID`),
        PublicKey: str(h?.PublicKey, `test ${i} Path[${j}].PublicKey`),
        Commands: Array.isArray(h?.Commands) ? h.Commands.map((c: unknown) => str(c, `test ${i} Path[${j}].Commands`)) : [],
      })),
      Packets: o.Packets.map((p: unknown, j: number) => str(p, `test ${i} Packets[${j}]`)),
      Payload: str(o.Payload, `test ${i} Payload`),
      Surb: typeof o.Surb === 'string' ? o.Surb : '',
      SurbKeys: typeof o.SurbKeys === 'string' ? o.SurbKeys : '',
    };
  });
}

/** Recognises NIKE or KEM geometry from the sizes in a test. */
export function geometryOfTest(t: VectorTest): Geometry | null {
  const payloadLength = t.Payload.length / 2;
  const headerLength = t.Surb ? t.Surb.length / 2 - NODE_ID_LENGTH - SPRP_KEY_MATERIAL_LENGTH : t.Packets[0].length / 2 - PAYLOAD_TAG_LENGTH - payloadLength;
  if (!Number.isInteger(headerLength) || !Number.isInteger(payloadLength) || headerLength <= 0) return null;
  if (payloadLength > MAX_USER_FORWARD_PAYLOAD_BYTES) return null;
  const g = geometryFromHeaderLength(headerLength, payloadLength);
  if (!g || g.packetLength * 2 !== t.Packets[0].length) return null;
  return g;
}

/** Which unwrap entry point a vector check drives (both share one implementation; both are checked). */
export type UnwrapApi = 'unwrapPacket' | 'unwrapPacketInto';

type HopUnwrap = (key: NodePrivateKey, packet: Uint8Array) => UnwrapResult;

function assertUnwrapApi(api: unknown): asserts api is UnwrapApi {
  if (api !== 'unwrapPacket' && api !== 'unwrapPacketInto') throw new SphinxArgumentError('api', "must be 'unwrapPacket' or 'unwrapPacketInto'");
}

/** unwrapPacketInto as a mix worker uses it: one scratch, two output buffers in turn (pre-filled with junk). */
function intoUnwrap(g: Geometry): HopUnwrap {
  const scratch = createUnwrapScratch(g);
  const outs = [new Uint8Array(g.packetLength).fill(0xa5), new Uint8Array(g.packetLength).fill(0x5a)];
  let turn = 0;
  return (key, packet) => {
    const out = outs[turn];
    turn ^= 1;
    const r = unwrapPacketInto(g, key, packet, out, scratch);
    return { ...r, packet: r.forwarded ? out : null };
  };
}

/**
 * Verifies one test: every hop's unwrap (next packet, next hop id, commands), the final payload,
 * and for SURB tests the reply packet re-created from Surb + Payload and the SurbKeys decryption.
 */
export function checkVectorTest(t: VectorTest, index: number, backend: CryptoBackend = defaultBackend(), api: UnwrapApi = 'unwrapPacket'): VectorCheck {
  assertUnwrapApi(api);
  const failures: string[] = [];
  const hops = t.Path.length;
  const surb = t.Surb.length > 0;
  const g = geometryOfTest(t);
  const kind = g ? g.kind : 'unknown';
  const label = `${kind} ${surb ? 'surb-reply' : 'forward'} ${hops} hop${hops === 1 ? '' : 's'}`;
  const result = (): VectorCheck => ({ index, label, ok: failures.length === 0, kind, hops, surb, failures });
  if (!g) {
    failures.push('sizes match no NIKE or KEM geometry');
    return result();
  }
  try {
    if (hops < 1 || hops > g.nrHops || t.Nodes.length !== hops) failures.push('Nodes and Path disagree on the hop count');
    if (t.Packets.length !== hops && !(t.Packets.length === hops + 1 && t.Packets[hops] === '')) failures.push('Packets has the wrong number of entries');
    if (failures.length) return result();
    for (let i = 0; i < hops; i++) {
      if (t.Nodes[i].ID !== t.Path[i].ID) failures.push(`hop ${i}: node id differs from path id`);
      if (toHex(publicKeyFromPrivate(fromHex(t.Nodes[i].PrivateKey), backend)) !== t.Path[i].PublicKey.toLowerCase()) {
        failures.push(`hop ${i}: public key does not match the private key`);
      }
    }
    const payload = fromHex(t.Payload);
    let packet = fromHex(t.Packets[0]);
    const unwrapHop: HopUnwrap = api === 'unwrapPacketInto' ? intoUnwrap(g) : (key, p) => unwrapPacket(g, key, p);
    for (let i = 0; i < hops; i++) {
      const r = unwrapHop(prepareNodeKey(fromHex(t.Nodes[i].PrivateKey), backend), packet);
      const own = r.commands.filter((c) => c.type !== 'nextNodeHop');
      const want = concatBytes(...t.Path[i].Commands.map(fromHex));
      if (!bytesEqual(encodeCommands(own), want)) failures.push(`hop ${i}: commands differ`);
      if (i < hops - 1) {
        if (!r.packet || !r.nextHop) {
          failures.push(`hop ${i}: expected a forward hop`);
          break;
        }
        if (toHex(r.nextHop) !== t.Path[i + 1].ID.toLowerCase()) failures.push(`hop ${i}: next hop id differs`);
        if (t.Packets[i + 1] && toHex(r.packet) !== t.Packets[i + 1].toLowerCase()) failures.push(`hop ${i}: unwrapped packet differs`);
        packet = r.packet;
      } else {
        if (r.packet || r.nextHop || !r.payload) {
          failures.push(`hop ${i}: expected the terminal hop`);
          break;
        }
        let out = r.payload;
        if (surb) out = decryptSurbPayload(g, out, fromHex(t.SurbKeys));
        if (!bytesEqual(out, payload)) failures.push(`hop ${i}: final payload differs`);
      }
    }
    if (surb) {
      const surbBytes = fromHex(t.Surb);
      const keys = fromHex(t.SurbKeys);
      if (keys.length !== SPRP_KEY_MATERIAL_LENGTH * (hops + 1)) failures.push('SurbKeys has the wrong length');
      else if (!bytesEqual(keys.subarray(keys.length - SPRP_KEY_MATERIAL_LENGTH), surbBytes.subarray(g.headerLength + NODE_ID_LENGTH))) {
        failures.push("SurbKeys' last entry differs from the SURB's payload key");
      }
      const re = packetFromSurb(g, surbBytes, payload);
      if (toHex(re.packet) !== t.Packets[0].toLowerCase()) failures.push('packet re-created from the SURB differs');
      if (toHex(re.firstHop) !== t.Path[0].ID.toLowerCase()) failures.push('SURB first hop differs');
    }
  } catch (e) {
    const err = e as Error;
    failures.push(`${err.name}: ${err.message}`);
  }
  return result();
}

export interface MakeVectorsOptions {
  hops: number;
  payloadBytes: number;
  surb?: boolean;
  kem?: boolean;
  count?: number;
  backend?: CryptoBackend;
}

/** Fresh tests with random keys, ids and payloads, in Katzenpost's format (full-length paths). */
export function makeVectorTests(o: MakeVectorsOptions): VectorTest[] {
  const backend = o.backend ?? defaultBackend();
  const count = o.count ?? 1;
  if (!Number.isInteger(o.hops) || o.hops < 1 || o.hops > MAX_HOPS) throw new SphinxError(`hops must be 1..${MAX_HOPS}`);
  if (!Number.isInteger(count) || count < 1) throw new SphinxError('count must be a positive integer');
  const geo = { nrHops: o.hops, userForwardPayloadLength: o.payloadBytes, withSurb: false };
  const g = o.kem ? Geometry.kem(geo) : Geometry.nike(geo);
  const tests: VectorTest[] = [];
  for (let k = 0; k < count; k++) {
    const nodes = Array.from({ length: o.hops }, () => ({ id: backend.randomBytes(NODE_ID_LENGTH), ...generateNodeKeyPair(backend) }));
    const path: PathHop[] = nodes.map((n, i) => {
      const commands: Command[] = [];
      if (i < o.hops - 1) commands.push({ type: 'nodeDelay', delayMs: (DELAY_BASE * (i + 1)) % 2 ** 32 });
      else {
        commands.push({ type: 'recipient', id: backend.randomBytes(RECIPIENT_ID_LENGTH) });
        if (o.surb) commands.push({ type: 'surbReply', id: backend.randomBytes(SURB_ID_LENGTH) });
      }
      return { id: n.id, publicKey: n.publicKey, commands };
    });
    const payload = backend.randomBytes(g.forwardPayloadLength);
    let packet: Uint8Array;
    let surbHex = '';
    let surbKeysHex = '';
    if (o.surb) {
      const s = createSurb(g, path, { backend });
      packet = packetFromSurb(g, s.surb, payload).packet;
      surbHex = toHex(s.surb);
      surbKeysHex = toHex(s.surbKeys);
    } else {
      packet = createPacket(g, path, payload, { backend });
    }
    const packets = [toHex(packet)];
    for (let i = 0; i < o.hops; i++) {
      const r = unwrapPacket(g, prepareNodeKey(nodes[i].privateKey, backend), packet);
      if (r.packet) {
        packet = r.packet;
        packets.push(toHex(packet));
      }
    }
    packets.push(''); // the terminal hop forwards nothing
    tests.push({
      Nodes: nodes.map((n) => ({ ID: toHex(n.id), PrivateKey: toHex(n.privateKey) })),
      Path: path.map((h) => ({ ID: toHex(h.id), PublicKey: toHex(h.publicKey), Commands: h.commands.map((c) => toHex(encodeCommands([c]))) })),
      Packets: packets,
      Payload: toHex(payload),
      Surb: surbHex,
      SurbKeys: surbKeysHex,
    });
  }
  return tests;
}

/** Katzenpost's sphinx_commands_vectors.json: one object with the four routing-command encodings. */
export interface CommandsVector {
  NextHopID: string;
  NextHopMAC: string;
  NextHopCmdWant: string;
  RecipientID: string;
  RecipientCmdWant: string;
  SURBReplyID: string;
  SURBReplyCmdWant: string;
  NodeDelay: number;
  NodeDelayCmdWant: string;
}

export function isCommandsVector(v: unknown): v is CommandsVector {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'NextHopCmdWant' in v && 'NodeDelayCmdWant' in v;
}

/** Checks each command's encoding and that decoding gives the command back. */
export function checkCommandsVector(v: CommandsVector): VectorCheck[] {
  const cases: [string, () => Command, string][] = [
    ['nextNodeHop', () => ({ type: 'nextNodeHop', id: fromHex(v.NextHopID), mac: fromHex(v.NextHopMAC) }), v.NextHopCmdWant],
    ['recipient', () => ({ type: 'recipient', id: fromHex(v.RecipientID) }), v.RecipientCmdWant],
    ['surbReply', () => ({ type: 'surbReply', id: fromHex(v.SURBReplyID) }), v.SURBReplyCmdWant],
    ['nodeDelay', () => ({ type: 'nodeDelay', delayMs: v.NodeDelay }), v.NodeDelayCmdWant],
  ];
  return cases.map(([name, make, want], index) => {
    const failures: string[] = [];
    try {
      const cmd = make();
      const enc = encodeCommands([cmd]);
      if (toHex(enc) !== String(want).toLowerCase()) failures.push('encoding differs');
      const dec = decodeCommands(fromHex(String(want)));
      if (dec.length !== 1 || !bytesEqual(encodeCommands(dec), enc)) failures.push('decoding differs');
    } catch (e) {
      failures.push(`${(e as Error).name}: ${(e as Error).message}`);
    }
    return { index, label: `commands ${name}`, ok: failures.length === 0, kind: 'unknown', hops: 0, surb: false, failures };
  });
}

/** Checks a whole vector file's text (Sphinx test array or the commands object). */
export function checkVectorFile(text: string, backend: CryptoBackend = defaultBackend(), api: UnwrapApi = 'unwrapPacket'): VectorCheck[] {
  assertUnwrapApi(api);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new SphinxError('not valid JSON');
  }
  if (isCommandsVector(data)) return checkCommandsVector(data);
  return parseVectorData(data).map((t, i) => checkVectorTest(t, i, backend, api));
}
