import assert from 'node:assert/strict';
import { seededRng } from '@strata/core/sched/index';
import { DEFAULT_GEOMETRY, decryptSurbPayload, generateNodeKeyPair, packetFromSurb, unwrapPacket } from 'sphinx-packet-ts';
import { FLAG_SURB_ACK, FORWARD_HEADER_BYTES, PacketFactory, findProvider, type RouteNode, type RoutingView } from '../src/packets.js';
import { seededBytes } from './helpers.js';

const g = DEFAULT_GEOMETRY;

interface TestNode extends RouteNode {
  readonly privateKey: Uint8Array;
}

function node(i: number): TestNode {
  const k = generateNodeKeyPair();
  return { id: new Uint8Array(32).fill(i), sphinxKey: k.publicKey, privateKey: k.privateKey };
}

/** Two providers, three layers of two mixes: every node with a real Sphinx key pair. */
function network(): { view: RoutingView; nodes: Map<number, TestNode> } {
  const all = [1, 2, 11, 12, 21, 22, 31, 32].map(node);
  const nodes = new Map(all.map((n) => [n.id[0], n]));
  const [p1, p2, a, b, c, d, e, f] = all;
  const view: RoutingView = { epoch: 7, home: p1, providers: [p1, p2], layers: [[a, b], [c, d], [e, f]], muPerMs: 1 / 50, maxDelayMs: 5000 };
  return { view, nodes };
}

/** Unwraps `packet` hop by hop starting at `first`, like the real nodes would; returns every hop's result. */
function route(nodes: Map<number, TestNode>, first: Uint8Array, packet: Uint8Array) {
  const hops = [];
  let at = first;
  let p: Uint8Array | null = packet;
  while (p) {
    const n = nodes.get(at[0])!;
    const r = unwrapPacket(g, n.privateKey, p);
    hops.push({ node: at[0], ...r });
    if (!r.nextHop) break;
    at = r.nextHop;
    p = r.packet;
  }
  return hops;
}

describe('PacketFactory', () => {
  it('routes a message own provider → one mix per layer → the recipient provider, with delays on all hops but the last', () => {
    const { view, nodes } = network();
    const f = new PacketFactory(view, { geometry: g, rng: seededRng(1) });
    const alias = new Uint8Array(32).fill(0xaa);
    const body = seededBytes(f.bodyBytes, 3);
    const { packet } = f.build(view.providers[1], alias, body, new Uint8Array(32).fill(0xcc), new Uint8Array(16).fill(5));
    assert.equal(packet.length, g.packetLength);
    const hops = route(nodes, view.home.id, packet);
    assert.deepEqual(hops.map((h) => Math.floor(h.node / 10)), [0, 1, 2, 3, 0]);
    assert.equal(hops[0].node, 1);
    assert.equal(hops[4].node, 2);
    for (const h of hops.slice(0, 4)) assert.ok(h.delayMs !== null && h.delayMs >= 0);
    assert.equal(hops[4].delayMs, null);
    assert.deepEqual(hops[4].recipient, alias);
    const payload = hops[4].payload!;
    assert.equal(payload.length, g.forwardPayloadLength);
    assert.equal(payload[0], FLAG_SURB_ACK);
    assert.equal(payload[1], 0);
    assert.deepEqual(payload.subarray(FORWARD_HEADER_BYTES + g.surbLength), body);
  });

  it('embeds a SURB-ACK that returns through the three layers to our provider and decrypts with the kept keys', () => {
    const { view, nodes } = network();
    const f = new PacketFactory(view, { geometry: g, rng: seededRng(2) });
    const ackAlias = new Uint8Array(32).fill(0xcc);
    const surbId = new Uint8Array(16).fill(9);
    const { packet, ack } = f.build(view.providers[1], new Uint8Array(32).fill(1), new Uint8Array(f.bodyBytes), ackAlias, surbId);
    const last = route(nodes, view.home.id, packet).at(-1)!;
    const surb = last.payload!.subarray(FORWARD_HEADER_BYTES, FORWARD_HEADER_BYTES + g.surbLength);
    // The recipient's provider (payload.md §3.2): an all-zero body into the SURB.
    const reply = packetFromSurb(g, surb, new Uint8Array(g.forwardPayloadLength));
    const hops = route(nodes, reply.firstHop, reply.packet);
    assert.deepEqual(hops.map((h) => h.node < 10 ? 0 : Math.floor(h.node / 10)), [1, 2, 3, 0]);
    assert.equal(hops[3].node, view.home.id[0]);
    assert.deepEqual(hops[3].recipient, ackAlias);
    assert.deepEqual(hops[3].surbId, surbId);
    assert.deepEqual(ack.surbId, surbId);
    const plain = decryptSurbPayload(g, hops[3].payload!, ack.surbKeys);
    assert.ok(plain.every((b) => b === 0));
  });

  it('gives every packet the same size whatever it carries', () => {
    const { view } = network();
    const f = new PacketFactory(view, { geometry: g, rng: seededRng(3) });
    const sizes = new Set<number>();
    for (const dest of [view.home, f.randomProvider(), view.providers[1]]) {
      sizes.add(f.build(dest, new Uint8Array(32), seededBytes(f.bodyBytes, 4), new Uint8Array(32), new Uint8Array(16)).packet.length);
    }
    assert.deepEqual([...sizes], [g.packetLength]);
  });

  it('routes a drop like a message, with the same size and payload layout: flags, a SURB-shaped slot and the body', () => {
    const { view, nodes } = network();
    const f = new PacketFactory(view, { geometry: g, rng: seededRng(5) });
    const alias = new Uint8Array(32).fill(0xab);
    const body = seededBytes(f.bodyBytes, 6);
    const packet = f.buildDrop(view.providers[1], alias, body);
    assert.equal(packet.length, g.packetLength);
    const hops = route(nodes, view.home.id, packet);
    assert.deepEqual(hops.map((h) => Math.floor(h.node / 10)), [0, 1, 2, 3, 0]);
    for (const h of hops.slice(0, 4)) assert.ok(h.delayMs !== null && h.delayMs >= 0);
    assert.deepEqual(hops[4].recipient, alias);
    const payload = hops[4].payload!;
    assert.equal(payload[0], FLAG_SURB_ACK);
    assert.equal(payload[1], 0);
    assert.deepEqual(payload.subarray(FORWARD_HEADER_BYTES + g.surbLength), body);
    // The decoy reads as a SURB: header version 0, an X25519 public key (top bit clear), a layer-1 first hop.
    const surb = payload.subarray(FORWARD_HEADER_BYTES, FORWARD_HEADER_BYTES + g.surbLength);
    assert.deepEqual([surb[0], surb[1]], [0, 0]);
    assert.equal(surb[2 + 31] & 0x80, 0);
    const firstHop = surb.subarray(g.headerLength, g.headerLength + 32);
    assert.ok(view.layers[0].some((n) => n.id.every((b, i) => b === firstHop[i])));
  });

  it('gives a drop a decoy SURB that no one can use: the first mix rejects the reply built from it', () => {
    const { view, nodes } = network();
    const f = new PacketFactory(view, { geometry: g, rng: seededRng(7) });
    const last = route(nodes, view.home.id, f.buildDrop(view.providers[1], new Uint8Array(32).fill(1), new Uint8Array(f.bodyBytes))).at(-1)!;
    const surb = last.payload!.subarray(FORWARD_HEADER_BYTES, FORWARD_HEADER_BYTES + g.surbLength);
    const reply = packetFromSurb(g, surb, new Uint8Array(g.forwardPayloadLength));
    assert.throws(() => unwrapPacket(g, nodes.get(reply.firstHop[0])!.privateKey, reply.packet), { name: 'InvalidPacketError' });
  });

  it('draws a fresh decoy SURB for every drop', () => {
    const { view, nodes } = network();
    const f = new PacketFactory(view, { geometry: g, rng: seededRng(8) });
    const slot = () => {
      const last = route(nodes, view.home.id, f.buildDrop(view.home, new Uint8Array(32), new Uint8Array(f.bodyBytes))).at(-1)!;
      return last.payload!.slice(FORWARD_HEADER_BYTES, FORWARD_HEADER_BYTES + g.headerLength);
    };
    assert.notDeepEqual(slot(), slot());
  });

  it('refuses a body that is not exactly the body size', () => {
    const { view } = network();
    const f = new PacketFactory(view, { geometry: g, rng: seededRng(4) });
    assert.throws(() => f.build(view.home, new Uint8Array(32), new Uint8Array(f.bodyBytes - 1), new Uint8Array(32), new Uint8Array(16)), { name: 'InvalidArgumentError' });
  });

  it('finds a provider by node id and answers undefined for an unknown one', () => {
    const { view } = network();
    assert.equal(findProvider(view, new Uint8Array(32).fill(2)), view.providers[1]);
    assert.equal(findProvider(view, new Uint8Array(32).fill(99)), undefined);
  });
});
