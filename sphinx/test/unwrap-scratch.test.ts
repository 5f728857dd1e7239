import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import { createUnwrapScratch, DEFAULT_GEOMETRY as g, Geometry, UnwrapScratch } from '../src/index.js';

describe('createUnwrapScratch', () => {
  it('binds the scratch to its geometry and sizes the routing buffers for routing info plus one hop', () => {
    const s = createUnwrapScratch(g);
    assert.ok(s instanceof UnwrapScratch);
    assert.equal(s.geometry, g);
    assert.equal(s.padded.length, g.routingInfoLength + g.perHopRoutingInfoLength);
    assert.equal(s.routing.length, s.padded.length);
    const kem = Geometry.kem({ nrHops: 3, userForwardPayloadLength: 50 });
    assert.equal(createUnwrapScratch(kem).padded.length, kem.routingInfoLength + kem.perHopRoutingInfoLength);
  });

  it('keeps every buffer in one backing store', () => {
    const s = createUnwrapScratch(g);
    for (const b of [s.routing, s.secret, s.okm, s.blindingScalar, s.mac, s.replayTag]) assert.equal(b.buffer, s.padded.buffer);
  });

  it('refuses something that is not a Geometry with SphinxArgumentError', () => {
    assert.throws(() => createUnwrapScratch({} as Geometry), { name: 'SphinxArgumentError', path: 'geometry' });
  });

  it('prints its geometry, never its buffers', () => {
    const s = createUnwrapScratch(g);
    assert.equal(JSON.stringify(s), '"[UnwrapScratch]"');
    assert.match(inspect(s), /^UnwrapScratch \{ nike 5 hops/);
  });
});
