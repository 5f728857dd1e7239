import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import { sha512_256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import {
  createPacket,
  DEFAULT_GEOMETRY,
  Geometry,
  nativeBackend,
  portableBackend,
  prepareNodeKey,
  unwrapPacket,
  unwrapPacketInto,
  createUnwrapScratch,
  type CryptoBackend,
  type PathHop,
  type UnwrapScratch,
} from '../src/index.js';
import { createHeader } from '../src/header.js';
import { flipBit, hex, loadJson, makeNodes, makePath, seededRandom, toHex } from './helpers.js';

interface VectorTest {
  Nodes: { ID: string; PrivateKey: string }[];
  Path: { ID: string; PublicKey: string; Commands: string[] }[];
  Packets: string[];
  Payload: string;
}
const vectors = loadJson<VectorTest[]>('sphinx_vectors.json');
const VECTOR_GEOMETRY = Geometry.nike({ nrHops: 5, userForwardPayloadLength: 103 });
const g = DEFAULT_GEOMETRY;

function expectInvalid(fn: () => unknown, reasons: readonly string[]): void {
  assert.throws(fn, (e: Error & { reason?: string }) => {
    assert.equal(e.name, 'InvalidPacketError', `${e.name}: ${e.message}`);
    assert.ok(reasons.includes(e.reason!), `reason ${e.reason} not in ${reasons.join(',')}`);
    return true;
  });
}

/** A 5-hop NIKE packet and the packets each hop receives. */
function fiveHopChain(seed: number, geometry: Geometry = g) {
  const r = seededRandom(seed);
  const nodes = makeNodes(5, r);
  const keys = nodes.map((n) => prepareNodeKey(n.privateKey));
  const payload = r(geometry.forwardPayloadLength);
  const arriving = [createPacket(geometry, makePath(nodes, r), payload, { random: r })];
  for (let i = 0; i < 4; i++) arriving.push(unwrapPacket(geometry, keys[i], arriving[i]).packet!);
  return { nodes, keys, payload, arriving };
}

describe('unwrapPacket', () => {
  it('unwraps the Katzenpost 5-hop vector hop by hop with its delays, next hops and recipient', () => {
    const t = vectors[4];
    let packet = hex(t.Packets[0]);
    for (let i = 0; i < 5; i++) {
      const res = unwrapPacket(VECTOR_GEOMETRY, hex(t.Nodes[i].PrivateKey), packet);
      if (i < 4) {
        assert.equal(res.delayMs, (0xdeadbabe * (i + 1)) % 2 ** 32);
        assert.equal(toHex(res.nextHop!), t.Path[i + 1].ID);
        assert.equal(toHex(res.packet!), t.Packets[i + 1]);
        assert.equal(res.recipient, null);
        packet = res.packet!;
      } else {
        assert.equal(toHex(res.recipient!), t.Path[4].Commands[0].slice(2));
        assert.equal(res.delayMs, null);
        assert.equal(res.surbId, null);
        assert.equal(toHex(res.payload!), t.Payload);
      }
    }
  });

  it('returns SHA-512/256 of alpha as the replay tag', () => {
    const packet = hex(vectors[0].Packets[0]);
    const res = unwrapPacket(VECTOR_GEOMETRY, hex(vectors[0].Nodes[0].PrivateKey), packet);
    assert.equal(toHex(res.replayTag), toHex(sha512_256(packet.subarray(2, 34))));
  });

  it('gives the same result with both backends', () => {
    const t = vectors[2];
    const packet = hex(t.Packets[0]);
    const a = unwrapPacket(VECTOR_GEOMETRY, prepareNodeKey(hex(t.Nodes[0].PrivateKey), nativeBackend()), packet);
    const b = unwrapPacket(VECTOR_GEOMETRY, prepareNodeKey(hex(t.Nodes[0].PrivateKey), portableBackend()), packet);
    assert.equal(toHex(a.packet!), toHex(b.packet!));
    assert.equal(toHex(a.replayTag), toHex(b.replayTag));
  });

  it('leaves the input packet unchanged', () => {
    const packet = hex(vectors[1].Packets[0]);
    const before = toHex(packet);
    unwrapPacket(VECTOR_GEOMETRY, hex(vectors[1].Nodes[0].PrivateKey), packet);
    assert.equal(toHex(packet), before);
  });

  it('rejects a header with one flipped bit at the hop it reaches, wherever the bit is', () => {
    const { keys, arriving } = fiveHopChain(41);
    const pick = seededRandom(42);
    for (let hop = 0; hop < 5; hop++) {
      // Every header bit at the first hop; a seeded sample of 96 bits at the later hops.
      const bits = hop === 0 ? [...Array(g.headerLength * 8).keys()] : [...pick(96 * 2)].map((_, j, a) => ((a[2 * j] ?? 0) << 8 | (a[2 * j + 1] ?? 0)) % (g.headerLength * 8)).slice(0, 96);
      for (const bit of bits) expectInvalid(() => unwrapPacket(g, keys[hop], flipBit(arriving[hop], bit)), ['version', 'mac', 'key']);
    }
  });

  it('never yields the original plaintext when a payload bit flips', () => {
    const { keys, payload, arriving } = fiveHopChain(43);
    const pick = seededRandom(44)(40);
    const bodyBits = (g.packetLength - g.headerLength) * 8;
    for (let j = 0; j < 20; j++) {
      const bit = g.headerLength * 8 + (((pick[2 * j] << 8) | pick[2 * j + 1]) * 97) % bodyBits;
      const start = j % 5; // flip on the way to a different hop each time
      let packet = flipBit(arriving[start], bit);
      let delivered: Uint8Array | null = null;
      try {
        for (let i = start; i < 5; i++) {
          const res = unwrapPacket(g, keys[i], packet);
          if (res.packet) packet = res.packet;
          else delivered = res.payload;
        }
      } catch (e) {
        assert.equal((e as Error).name, 'InvalidPacketError');
        assert.equal((e as { reason?: string }).reason, 'payload');
      }
      assert.ok(delivered === null || toHex(delivered) !== toHex(payload), `bit ${bit}`);
    }
  });

  it('gives a typed error and nothing else for truncated, oversized and garbage packets', () => {
    const key = prepareNodeKey(seededRandom(45)(32));
    const { arriving } = fiveHopChain(46);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 4000 }),
          fc.uint8Array({ minLength: g.packetLength, maxLength: g.packetLength }),
          fc.integer({ min: 0, max: g.packetLength - 1 }).map((n) => arriving[0].slice(0, n)),
          fc.uint8Array({ minLength: 1, maxLength: 64 }).map((x) => new Uint8Array([...arriving[0], ...x])),
        ),
        (packet) => {
          expectInvalid(() => unwrapPacket(g, key, packet), ['length', 'version', 'mac', 'key']);
        },
      ),
      { seed: 47, numRuns: 400 },
    );
  });

  it('rejects a packet of the wrong length with reason length', () => {
    const { keys, arriving } = fiveHopChain(48);
    expectInvalid(() => unwrapPacket(g, keys[0], arriving[0].subarray(0, g.packetLength - 1)), ['length']);
    expectInvalid(() => unwrapPacket(g, keys[0], new Uint8Array(0)), ['length']);
  });

  it('rejects an unknown version with reason version', () => {
    const { keys, arriving } = fiveHopChain(49);
    const p = arriving[0].slice();
    p[1] = 1;
    expectInvalid(() => unwrapPacket(g, keys[0], p), ['version']);
  });

  it('rejects a low-order alpha with reason key', () => {
    const { keys, arriving } = fiveHopChain(50);
    for (const u of ['00', '01', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f']) {
      const p = arriving[0].slice();
      p.set(hex(u.padEnd(64, '0')), 2);
      expectInvalid(() => unwrapPacket(g, keys[0], p), ['key']);
    }
  });

  it("rejects another node's key with reason mac", () => {
    const { keys, arriving } = fiveHopChain(51);
    expectInvalid(() => unwrapPacket(g, keys[1], arriving[0]), ['mac']);
  });

  it('rejects a hop carrying two surbReply commands with reason commands', () => {
    const r = seededRandom(52);
    const nodes = makeNodes(1, r);
    const path: PathHop[] = makePath(nodes, r);
    // Bypass path validation to forge a header the way a hostile sender could.
    const surbReply = { type: 'surbReply' as const, id: new Uint8Array(16) };
    path[0] = { ...path[0], commands: [surbReply, surbReply] };
    const { header } = createHeader(g, path, nativeBackend(), r);
    const packet = new Uint8Array(g.packetLength);
    packet.set(header);
    expectInvalid(() => unwrapPacket(g, prepareNodeKey(nodes[0].privateKey), packet), ['commands']);
  });

  it('accepts a raw 32-byte private key as well as a prepared one', () => {
    const t = vectors[0];
    const res = unwrapPacket(VECTOR_GEOMETRY, hex(t.Nodes[0].PrivateKey), hex(t.Packets[0]), { backend: portableBackend() });
    assert.equal(toHex(res.payload!), t.Payload);
  });

  it('refuses a key prepared with a different backend than opts.backend', () => {
    const key = prepareNodeKey(new Uint8Array(32).fill(3), nativeBackend());
    assert.throws(() => unwrapPacket(g, key, new Uint8Array(g.packetLength), { backend: portableBackend() }), { name: 'SphinxArgumentError', path: 'opts.backend' });
  });

  it('refuses arguments of the wrong type with SphinxArgumentError', () => {
    const key = prepareNodeKey(new Uint8Array(32).fill(3));
    assert.throws(() => unwrapPacket(g, key, 'abc' as unknown as Uint8Array), { name: 'SphinxArgumentError', path: 'packet' });
    assert.throws(() => unwrapPacket(g, new Uint8Array(31), new Uint8Array(g.packetLength)), { name: 'SphinxArgumentError', path: 'key' });
    assert.throws(() => unwrapPacket({} as Geometry, key, new Uint8Array(g.packetLength)), { name: 'SphinxArgumentError', path: 'geometry' });
  });

  it('unwraps KEM packets and rejects them under the NIKE geometry', () => {
    const kem = Geometry.kem({ nrHops: 5, userForwardPayloadLength: 103 });
    const t = loadJson<VectorTest[]>('kemsphinx_vectors.json')[1];
    const packet = hex(t.Packets[0]);
    const res = unwrapPacket(kem, hex(t.Nodes[0].PrivateKey), packet);
    assert.equal(toHex(res.packet!), t.Packets[1]);
    assert.equal(toHex(res.replayTag), toHex(sha512_256(packet.subarray(2, 34))));
    expectInvalid(() => unwrapPacket(VECTOR_GEOMETRY, hex(t.Nodes[0].PrivateKey), packet), ['length']);
  });

  it('never prints key material when the error is inspected', () => {
    const { keys, arriving } = fiveHopChain(53);
    try {
      unwrapPacket(g, keys[1], arriving[0]);
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(!inspect(e).includes(toHex(arriving[0].subarray(2, 34))));
    }
  });
});

describe('unwrapPacketInto', () => {
  const engines: [string, CryptoBackend][] = [['native', nativeBackend()], ['native openssl', nativeBackend('openssl')], ['portable', portableBackend()]];

  for (const [name, backend] of engines) {
    it(`writes every hop of a 5-hop chain byte for byte as unwrapPacket returns it, with one scratch (${name})`, () => {
      const r = seededRandom(70);
      const nodes = makeNodes(5, r, backend);
      const keys = nodes.map((n) => prepareNodeKey(n.privateKey, backend));
      const packet0 = createPacket(g, makePath(nodes, r, true), r(g.forwardPayloadLength), { random: r, backend });
      const scratch = createUnwrapScratch(g);
      const outs = [new Uint8Array(g.packetLength).fill(0xa5), new Uint8Array(g.packetLength).fill(0x5a)];
      let packet = packet0;
      for (let i = 0; i < 5; i++) {
        const want = unwrapPacket(g, keys[i], packet);
        const out = outs[i & 1];
        const before = toHex(out);
        const got = unwrapPacketInto(g, keys[i], packet, out, scratch);
        assert.equal(toHex(got.replayTag), toHex(want.replayTag));
        assert.deepEqual(got.commands, want.commands);
        assert.deepEqual([got.nextHop, got.surbId, got.recipient, got.delayMs, got.payload], [want.nextHop, want.surbId, want.recipient, want.delayMs, want.payload]);
        assert.equal(got.forwarded, want.packet !== null);
        if (i < 4) {
          assert.equal(toHex(out), toHex(want.packet!));
          packet = out;
        } else {
          assert.equal(toHex(out), before, 'a terminal hop leaves out untouched');
        }
      }
    });
  }

  it('throws the same errors as unwrapPacket for flipped header bits and keeps working afterwards', () => {
    const { keys, arriving } = fiveHopChain(71);
    const scratch = createUnwrapScratch(g);
    const out = new Uint8Array(g.packetLength);
    for (let bit = 0; bit < g.headerLength * 8; bit += 13) {
      const bad = flipBit(arriving[1], bit);
      let want = '';
      try {
        unwrapPacket(g, keys[1], bad);
      } catch (e) {
        want = `${(e as Error).name} ${(e as { reason?: string }).reason}`;
      }
      assert.notEqual(want, '');
      assert.throws(() => unwrapPacketInto(g, keys[1], bad, out, scratch), (e: Error & { reason?: string }) => `${e.name} ${e.reason}` === want);
    }
    unwrapPacketInto(g, keys[1], arriving[1], out, scratch);
    assert.equal(toHex(out), toHex(arriving[2]));
  });

  it('gives a typed error and nothing else for garbage packets', () => {
    const key = prepareNodeKey(seededRandom(72)(32));
    const scratch = createUnwrapScratch(g);
    const out = new Uint8Array(g.packetLength);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (packet) => {
        expectInvalid(() => unwrapPacketInto(g, key, packet, out, scratch), ['length', 'version', 'mac', 'key']);
      }),
      { seed: 73, numRuns: 200 },
    );
  });

  it('leaves no key material in the scratch after a forward hop, a terminal hop or a failure', () => {
    const { keys, arriving } = fiveHopChain(74);
    const scratch = createUnwrapScratch(g);
    const out = new Uint8Array(g.packetLength);
    const clean = () => {
      for (const b of [scratch.secret, scratch.okm, scratch.blindingScalar]) assert.ok(b.every((x) => x === 0));
    };
    unwrapPacketInto(g, keys[0], arriving[0], out, scratch);
    clean();
    unwrapPacketInto(g, keys[4], arriving[4], out, scratch);
    clean();
    assert.throws(() => unwrapPacketInto(g, keys[0], flipBit(arriving[0], 3000), out, scratch), { name: 'InvalidPacketError' });
    clean();
  });

  it('refuses an out of the wrong size, an out that overlaps the packet and a foreign scratch with SphinxArgumentError', () => {
    const { keys, arriving } = fiveHopChain(75);
    const scratch = createUnwrapScratch(g);
    const arg = (path: string, fn: () => unknown) => assert.throws(fn, { name: 'SphinxArgumentError', path });
    arg('out', () => unwrapPacketInto(g, keys[0], arriving[0], new Uint8Array(g.packetLength - 1), scratch));
    arg('out', () => unwrapPacketInto(g, keys[0], arriving[0], 'x' as unknown as Uint8Array, scratch));
    const both = new Uint8Array(2 * g.packetLength);
    both.set(arriving[0]);
    arg('out', () => unwrapPacketInto(g, keys[0], both.subarray(0, g.packetLength), both.subarray(100, 100 + g.packetLength), scratch));
    arg('out', () => unwrapPacketInto(g, keys[0], arriving[0], arriving[0], scratch));
    arg('scratch', () => unwrapPacketInto(g, keys[0], arriving[0], new Uint8Array(g.packetLength), {} as UnwrapScratch));
    const other = createUnwrapScratch(Geometry.nike({ nrHops: 5, userForwardPayloadLength: 103 }));
    arg('scratch', () => unwrapPacketInto(g, keys[0], arriving[0], new Uint8Array(g.packetLength), other));
    arg('packet', () => unwrapPacketInto(g, keys[0], null as unknown as Uint8Array, new Uint8Array(g.packetLength), scratch));
    arg('key', () => unwrapPacketInto(g, new Uint8Array(31), arriving[0], new Uint8Array(g.packetLength), scratch));
    arg('geometry', () => unwrapPacketInto({} as Geometry, keys[0], arriving[0], new Uint8Array(g.packetLength), scratch));
  });

  it('accepts a scratch made for an equal geometry object', () => {
    const { keys, arriving } = fiveHopChain(76);
    const same = Geometry.nike({ nrHops: g.nrHops, userForwardPayloadLength: g.userForwardPayloadLength, withSurb: g.withSurb });
    const out = new Uint8Array(g.packetLength);
    unwrapPacketInto(g, keys[0], arriving[0], out, createUnwrapScratch(same));
    assert.equal(toHex(out), toHex(arriving[1]));
  });

  it('reads a packet from and writes the next one to disjoint views of one shared buffer', () => {
    const { keys, arriving } = fiveHopChain(78);
    const shared = new Uint8Array(new SharedArrayBuffer(7 + 2 * g.packetLength));
    const input = shared.subarray(7, 7 + g.packetLength);
    input.set(arriving[2]);
    const out = shared.subarray(7 + g.packetLength);
    const r = unwrapPacketInto(g, keys[2], input, out, createUnwrapScratch(g));
    assert.equal(r.forwarded, true);
    assert.equal(toHex(out), toHex(arriving[3]));
    assert.equal(toHex(input), toHex(arriving[2]));
  });

  it('unwraps into a view of a larger buffer, as a worker filling a batch does', () => {
    const { keys, arriving } = fiveHopChain(77);
    const batch = new Uint8Array(64 + 2 * g.packetLength);
    const scratch = createUnwrapScratch(g);
    unwrapPacketInto(g, keys[0], arriving[0], batch.subarray(64, 64 + g.packetLength), scratch);
    unwrapPacketInto(g, keys[1], arriving[1], batch.subarray(64 + g.packetLength), scratch);
    assert.equal(toHex(batch.subarray(64, 64 + g.packetLength)), toHex(arriving[1]));
    assert.equal(toHex(batch.subarray(64 + g.packetLength)), toHex(arriving[2]));
  });
});
