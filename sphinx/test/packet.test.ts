import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  createPacket,
  DEFAULT_GEOMETRY,
  Geometry,
  nativeBackend,
  portableBackend,
  prepareNodeKey,
  unwrapPacket,
  type Command,
  type CryptoBackend,
  type PathHop,
} from '../src/index.js';
import { makeNodes, makePath, seededRandom, toHex } from './helpers.js';

const KEM_GEOMETRY = Geometry.kem({ nrHops: 5, userForwardPayloadLength: 2000, withSurb: true });

/** Random commands that fit: forward hops get an optional NodeDelay, the last hop a subset of three. */
function randomPath(nodes: ReturnType<typeof makeNodes>, r: (n: number) => Uint8Array, flags: number): PathHop[] {
  return nodes.map((node, i) => {
    const commands: Command[] = [];
    const f = (flags >>> (i * 3)) & 7;
    if (i < nodes.length - 1) {
      if (f & 1) commands.push({ type: 'nodeDelay', delayMs: new DataView(r(4).buffer).getUint32(0) });
    } else {
      if (f & 1) commands.push({ type: 'recipient', id: r(32) });
      if (f & 2) commands.push({ type: 'nodeDelay', delayMs: f * 1000 });
      if (f & 4) commands.push({ type: 'surbReply', id: r(16) });
    }
    return { id: node.id, publicKey: node.publicKey, commands };
  });
}

function checkChain(g: Geometry, backend: CryptoBackend, hops: number, seed: number, flags: number): void {
  const r = seededRandom(seed);
  const nodes = makeNodes(hops, r, backend);
  const path = randomPath(nodes, r, flags);
  const payload = r(g.forwardPayloadLength);
  let packet = createPacket(g, path, payload, { backend, random: r });
  assert.equal(packet.length, g.packetLength);
  for (let i = 0; i < hops; i++) {
    const res = unwrapPacket(g, prepareNodeKey(nodes[i].privateKey, backend), packet);
    const own = res.commands.filter((c) => c.type !== 'nextNodeHop');
    assert.deepEqual(own, path[i].commands, `hop ${i} commands`);
    if (i < hops - 1) {
      assert.equal(toHex(res.nextHop!), toHex(nodes[i + 1].id));
      assert.equal(res.payload, null);
      packet = res.packet!;
    } else {
      assert.equal(res.packet, null);
      assert.equal(res.nextHop, null);
      const surb = path[i].commands.some((c) => c.type === 'surbReply');
      // With a surbReply command the last hop leaves the body (tag included) for the SURB owner.
      const want = surb ? new Uint8Array([...new Uint8Array(32), ...payload]) : payload;
      assert.equal(toHex(res.payload!), toHex(want));
    }
  }
}

describe('createPacket', () => {
  for (const [name, g] of [['NIKE', DEFAULT_GEOMETRY], ['KEM', KEM_GEOMETRY]] as const) {
    it(`delivers the same payload after unwrapping every hop of random ${name} paths (native)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5 }), fc.integer(), fc.nat(0x7fff), (hops, seed, flags) => checkChain(g, nativeBackend(), hops, seed, flags)),
        { seed: name === 'NIKE' ? 21 : 22, numRuns: 25 },
      );
    });
    it(`delivers the same payload after unwrapping every hop of random ${name} paths (portable)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5 }), fc.integer(), fc.nat(0x7fff), (hops, seed, flags) => checkChain(g, portableBackend(), hops, seed, flags)),
        { seed: name === 'NIKE' ? 23 : 24, numRuns: 3 },
      );
    });
  }

  it('makes byte-identical packets with both backends from the same random source', () => {
    for (const g of [DEFAULT_GEOMETRY, KEM_GEOMETRY]) {
      const nodes = makeNodes(5, seededRandom(1));
      const path = makePath(nodes, seededRandom(2));
      const payload = seededRandom(3)(g.forwardPayloadLength);
      const a = createPacket(g, path, payload, { backend: nativeBackend(), random: seededRandom(4) });
      const b = createPacket(g, path, payload, { backend: portableBackend(), random: seededRandom(4) });
      assert.equal(toHex(a), toHex(b));
    }
  });

  it('makes packets that unwrap with a different backend from the one that made them', () => {
    const r = seededRandom(9);
    const nodes = makeNodes(2, r);
    const payload = r(DEFAULT_GEOMETRY.forwardPayloadLength);
    const p = createPacket(DEFAULT_GEOMETRY, makePath(nodes, r), payload, { backend: portableBackend() });
    const hop1 = unwrapPacket(DEFAULT_GEOMETRY, prepareNodeKey(nodes[0].privateKey, nativeBackend()), p);
    const last = unwrapPacket(DEFAULT_GEOMETRY, prepareNodeKey(nodes[1].privateKey, portableBackend()), hop1.packet!);
    assert.equal(toHex(last.payload!), toHex(payload));
  });

  it('refuses a payload that is not exactly forwardPayloadLength bytes', () => {
    const r = seededRandom(5);
    const path = makePath(makeNodes(1, r), r);
    for (const n of [0, DEFAULT_GEOMETRY.forwardPayloadLength - 1, DEFAULT_GEOMETRY.forwardPayloadLength + 1]) {
      assert.throws(() => createPacket(DEFAULT_GEOMETRY, path, new Uint8Array(n)), { name: 'SphinxArgumentError', path: 'payload' });
    }
  });

  it('refuses a random source that returns the wrong number of bytes', () => {
    const r = seededRandom(6);
    const path = makePath(makeNodes(2, r), r);
    const payload = new Uint8Array(DEFAULT_GEOMETRY.forwardPayloadLength);
    assert.throws(() => createPacket(DEFAULT_GEOMETRY, path, payload, { random: () => new Uint8Array(3) }), { name: 'SphinxArgumentError', path: 'opts.random' });
  });

  it('refuses a path public key that is a low-order point', () => {
    const r = seededRandom(7);
    const path = makePath(makeNodes(2, r), r);
    path[1] = { ...path[1], publicKey: new Uint8Array(32) };
    const payload = new Uint8Array(DEFAULT_GEOMETRY.forwardPayloadLength);
    assert.throws(() => createPacket(DEFAULT_GEOMETRY, path, payload), { name: 'SphinxArgumentError', path: 'path[1].publicKey' });
  });
});
