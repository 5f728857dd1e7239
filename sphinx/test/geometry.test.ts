import { strict as assert } from 'node:assert';
import { DEFAULT_GEOMETRY, encodeGeometry, Geometry, geometryFromHeaderLength, geometryHash } from '../src/index.js';
import { toHex } from './helpers.js';

function expectArgError(fn: () => unknown, path: string): void {
  assert.throws(fn, (e: Error & { path?: string }) => e.name === 'SphinxArgumentError' && e.path === path);
}

describe('geometry', () => {
  it("derives Katzenpost's deployed sizes for the default: header 476, SURB 572, packet 3082", () => {
    const g = DEFAULT_GEOMETRY;
    assert.equal(g.kind, 'nike');
    assert.equal(g.nrHops, 5);
    assert.equal(g.perHopRoutingInfoLength, 82);
    assert.equal(g.routingInfoLength, 410);
    assert.equal(g.headerLength, 476);
    assert.equal(g.surbLength, 572);
    assert.equal(g.userForwardPayloadLength, 2000);
    assert.equal(g.forwardPayloadLength, 2000 + 2 + 572);
    assert.equal(g.packetLength, 3082);
    assert.equal(g.payloadTagLength, 32);
  });

  it('derives the vector geometry: NIKE 5 hops, 103-byte payload, no SURB → 611-byte packets', () => {
    const g = Geometry.nike({ nrHops: 5, userForwardPayloadLength: 103 });
    assert.equal(g.forwardPayloadLength, 103);
    assert.equal(g.packetLength, 611);
  });

  it('derives the KEM vector geometry: 114-byte hops, header 636, SURB 732, packet 771', () => {
    const g = Geometry.kem({ nrHops: 5, userForwardPayloadLength: 103 });
    assert.equal(g.perHopRoutingInfoLength, 114);
    assert.equal(g.headerLength, 636);
    assert.equal(g.surbLength, 732);
    assert.equal(g.packetLength, 771);
    assert.equal(g.commandsLength, 82);
  });

  it('is frozen', () => {
    assert.ok(Object.isFrozen(DEFAULT_GEOMETRY));
  });

  it('recognises NIKE and KEM geometries from a header length', () => {
    assert.equal(geometryFromHeaderLength(476, 103)?.kind, 'nike');
    assert.equal(geometryFromHeaderLength(636, 103)?.kind, 'kem');
    assert.equal(geometryFromHeaderLength(636, 103)?.nrHops, 5);
    assert.equal(geometryFromHeaderLength(477, 103), null);
    assert.equal(geometryFromHeaderLength(0, 103), null);
  });

  it('rejects hop counts and payload lengths out of range with path-prefixed errors', () => {
    expectArgError(() => Geometry.nike({ nrHops: 0, userForwardPayloadLength: 10 }), 'geometry.nrHops');
    expectArgError(() => Geometry.nike({ nrHops: 33, userForwardPayloadLength: 10 }), 'geometry.nrHops');
    expectArgError(() => Geometry.kem({ nrHops: 2.5, userForwardPayloadLength: 10 }), 'geometry.nrHops');
    expectArgError(() => Geometry.nike({ nrHops: 5, userForwardPayloadLength: -1 }), 'geometry.userForwardPayloadLength');
    expectArgError(() => Geometry.nike({ nrHops: 5, userForwardPayloadLength: 1, withSurb: 'yes' as unknown as boolean }), 'geometry.withSurb');
  });

  describe('geometryHash', () => {
    it('is 32 bytes and stable for the default geometry', () => {
      const h = geometryHash(DEFAULT_GEOMETRY);
      assert.equal(h.length, 32);
      assert.equal(toHex(h), DEFAULT_HASH_HEX);
    });
    it('covers a canonical CBOR map whose keys are ordered shortest first', () => {
      const enc = encodeGeometry(DEFAULT_GEOMETRY);
      assert.equal(enc[0], 0xa0 | 14); // map of 14 entries
      assert.equal(Buffer.from(enc.subarray(2, 8)).toString(), 'NrHops'); // the shortest key comes first
    });
    it('differs whenever kind, hops, payload length or SURB flag differ', () => {
      const variants = [
        DEFAULT_GEOMETRY,
        Geometry.kem({ nrHops: 5, userForwardPayloadLength: 2000, withSurb: true }),
        Geometry.nike({ nrHops: 4, userForwardPayloadLength: 2000, withSurb: true }),
        Geometry.nike({ nrHops: 5, userForwardPayloadLength: 2001, withSurb: true }),
        Geometry.nike({ nrHops: 5, userForwardPayloadLength: 2000, withSurb: false }),
      ];
      assert.equal(new Set(variants.map((g) => toHex(geometryHash(g)))).size, variants.length);
    });
    it('is equal for equal geometries built separately', () => {
      const a = Geometry.nike({ nrHops: 5, userForwardPayloadLength: 2000, withSurb: true });
      assert.equal(toHex(geometryHash(a)), toHex(geometryHash(DEFAULT_GEOMETRY)));
      assert.ok(a.equals(DEFAULT_GEOMETRY));
    });
    it('refuses a non-Geometry', () => {
      expectArgError(() => geometryHash({} as Geometry), 'geometry');
    });
  });
});

// Pinned so that an accidental change of the canonical input is caught (docs/spec/sphinx.md).
const DEFAULT_HASH_HEX = 'ed57ca3bc2165a0483e0d16d97511e15f318ed5cedfc3e7388c85ee8a2c0fb47';
