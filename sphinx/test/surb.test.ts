import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  createSurb,
  decryptSurbPayload,
  DEFAULT_GEOMETRY,
  Geometry,
  nativeBackend,
  packetFromSurb,
  portableBackend,
  prepareNodeKey,
  unwrapPacket,
  type CryptoBackend,
} from '../src/index.js';
import { flipBit, makeNodes, makePath, seededRandom, toHex } from './helpers.js';

const KEM_GEOMETRY = Geometry.kem({ nrHops: 5, userForwardPayloadLength: 500, withSurb: true });

function expectInvalid(fn: () => unknown, reason: string): void {
  assert.throws(fn, (e: Error & { reason?: string }) => e.name === 'InvalidPacketError' && e.reason === reason);
}

/** Creates a SURB, replies through it, and returns what the last hop delivers. */
function reply(g: Geometry, backend: CryptoBackend, hops: number, seed: number) {
  const r = seededRandom(seed);
  const nodes = makeNodes(hops, r, backend);
  const path = makePath(nodes, r, true);
  const s = createSurb(g, path, { backend, random: r });
  const message = r(g.forwardPayloadLength);
  const { packet, firstHop } = packetFromSurb(g, s.surb, message);
  assert.equal(toHex(firstHop), toHex(nodes[0].id));
  let p = packet;
  let body: Uint8Array | null = null;
  let surbId: Uint8Array | null = null;
  for (let i = 0; i < hops; i++) {
    const res = unwrapPacket(g, prepareNodeKey(nodes[i].privateKey, backend), p);
    if (res.packet) p = res.packet;
    else ({ payload: body, surbId } = res);
  }
  return { s, message, body: body!, surbId: surbId!, path };
}

describe('SURBs', () => {
  for (const [name, g] of [['NIKE', DEFAULT_GEOMETRY], ['KEM', KEM_GEOMETRY]] as const) {
    it(`deliver the reply to the SURB creator intact over random ${name} paths (native)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5 }), fc.integer(), (hops, seed) => {
          const { s, message, body, surbId, path } = reply(g, nativeBackend(), hops, seed);
          const last = path[hops - 1].commands.find((c) => c.type === 'surbReply');
          assert.equal(toHex(surbId), toHex((last as { id: Uint8Array }).id));
          assert.equal(toHex(decryptSurbPayload(g, body, s.surbKeys)), toHex(message));
        }),
        { seed: name === 'NIKE' ? 61 : 62, numRuns: 15 },
      );
    });
    it(`deliver the reply to the SURB creator intact over a ${name} path (portable)`, () => {
      const { s, message, body } = reply(g, portableBackend(), 3, 63);
      assert.equal(toHex(decryptSurbPayload(g, body, s.surbKeys)), toHex(message));
    });
  }

  it('lay out the SURB as header || first hop || payload key, and keep that key last in surbKeys', () => {
    const g = DEFAULT_GEOMETRY;
    const r = seededRandom(64);
    const nodes = makeNodes(4, r);
    const s = createSurb(g, makePath(nodes, r, true), { random: r });
    assert.equal(s.surb.length, g.surbLength);
    assert.equal(s.surbKeys.length, 64 * 5);
    assert.equal(toHex(s.surb.subarray(g.headerLength, g.headerLength + 32)), toHex(nodes[0].id));
    assert.equal(toHex(s.surb.subarray(g.headerLength + 32)), toHex(s.surbKeys.subarray(256)));
    assert.equal(toHex(s.firstHop), toHex(nodes[0].id));
  });

  it('make byte-identical reply packets with both backends from the same random source', () => {
    const r = seededRandom(65);
    const path = makePath(makeNodes(3, r), r, true);
    const a = createSurb(DEFAULT_GEOMETRY, path, { backend: nativeBackend(), random: seededRandom(66) });
    const b = createSurb(DEFAULT_GEOMETRY, path, { backend: portableBackend(), random: seededRandom(66) });
    assert.equal(toHex(a.surb), toHex(b.surb));
    assert.equal(toHex(a.surbKeys), toHex(b.surbKeys));
  });

  it('reject a reply decrypted with the wrong keys with reason payload', () => {
    const g = DEFAULT_GEOMETRY;
    const { body } = reply(g, nativeBackend(), 2, 67);
    const other = reply(g, nativeBackend(), 2, 68);
    expectInvalid(() => decryptSurbPayload(g, body, other.s.surbKeys), 'payload');
  });

  it('reject a reply with one flipped bit with reason payload', () => {
    const g = DEFAULT_GEOMETRY;
    const { s, body } = reply(g, nativeBackend(), 2, 69);
    for (const bit of [0, 255, 256, 8000, body.length * 8 - 1]) expectInvalid(() => decryptSurbPayload(g, flipBit(body, bit), s.surbKeys), 'payload');
  });

  it('reject a malformed SURB with reasons length and version', () => {
    const g = DEFAULT_GEOMETRY;
    const r = seededRandom(70);
    const s = createSurb(g, makePath(makeNodes(2, r), r, true), { random: r });
    const msg = new Uint8Array(g.forwardPayloadLength);
    expectInvalid(() => packetFromSurb(g, s.surb.subarray(1), msg), 'length');
    expectInvalid(() => packetFromSurb(g, new Uint8Array(g.surbLength + 1), msg), 'length');
    const bad = s.surb.slice();
    bad[0] = 0xff;
    expectInvalid(() => packetFromSurb(g, bad, msg), 'version');
    assert.throws(() => packetFromSurb(g, s.surb, msg.subarray(1)), { name: 'SphinxArgumentError', path: 'payload' });
  });

  it('reject reply bodies and SURB keys of the wrong length', () => {
    const g = DEFAULT_GEOMETRY;
    const { s, body } = reply(g, nativeBackend(), 2, 71);
    expectInvalid(() => decryptSurbPayload(g, body.subarray(1), s.surbKeys), 'length');
    assert.throws(() => decryptSurbPayload(g, body, s.surbKeys.subarray(1)), { name: 'SphinxArgumentError', path: 'surbKeys' });
    assert.throws(() => decryptSurbPayload(g, body, s.surbKeys.subarray(0, 64)), { name: 'SphinxArgumentError', path: 'surbKeys' });
    assert.throws(() => decryptSurbPayload(g, body, new Uint8Array(64 * 7)), { name: 'SphinxArgumentError', path: 'surbKeys' });
  });

  it('need a surbReply command at the last hop', () => {
    const r = seededRandom(72);
    assert.throws(() => createSurb(DEFAULT_GEOMETRY, makePath(makeNodes(2, r), r, false)), { name: 'SphinxArgumentError', path: 'path[1].commands' });
  });
});
