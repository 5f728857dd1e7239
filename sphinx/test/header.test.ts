import { strict as assert } from 'node:assert';
import { DEFAULT_GEOMETRY, Geometry, nativeBackend, portableBackend } from '../src/index.js';
import { createHeader } from '../src/header.js';
import { makeNodes, makePath, seededRandom, toHex } from './helpers.js';

describe('createHeader', () => {
  it('makes the same header with folded blinding scalars as with the one-by-one X25519 chain', () => {
    // The chain is what Katzenpost computes; the folded scalars must give the very same bytes.
    for (let seed = 0; seed < 40; seed++) {
      const r = seededRandom(1000 + seed);
      const path = makePath(makeNodes(5, r), r);
      const a = createHeader(DEFAULT_GEOMETRY, path, nativeBackend(), seededRandom(seed), true);
      const b = createHeader(DEFAULT_GEOMETRY, path, nativeBackend(), seededRandom(seed), false);
      assert.equal(toHex(a.header), toHex(b.header), `seed ${seed}`);
      assert.deepEqual(a.sprpKeys, b.sprpKeys);
    }
  });

  it('makes the same folded header with the portable backend', () => {
    const r = seededRandom(77);
    const path = makePath(makeNodes(5, r), r);
    const a = createHeader(DEFAULT_GEOMETRY, path, nativeBackend(), seededRandom(78));
    const b = createHeader(DEFAULT_GEOMETRY, path, portableBackend(), seededRandom(78), false);
    assert.equal(toHex(a.header), toHex(b.header));
  });

  it('fills the unused hop slots of a short path with random bytes, not zeros', () => {
    const r = seededRandom(79);
    const g = Geometry.nike({ nrHops: 5, userForwardPayloadLength: 10 });
    const { header } = createHeader(g, makePath(makeNodes(1, r), r), nativeBackend(), seededRandom(80));
    const tail = header.subarray(g.routingInfoOffset + g.perHopRoutingInfoLength, g.macOffset);
    assert.ok(tail.some((x) => x !== 0));
    assert.equal(header.length, g.headerLength);
  });
});
