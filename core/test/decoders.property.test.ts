// Hostile input: every decoder either succeeds or throws its own typed error, never anything
// else, for random bytes and for valid encodings with random bytes flipped, cut or appended.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  assignLayers,
  buildConsensus,
  decodeConsensus,
  decodeSignedDescriptor,
  encodeConsensus,
  encodeSignedConsensusJson,
  signConsensus,
  toBase64,
  verifyConsensus,
} from '@strata/core';
import { makeTestNetwork, testSigner, TEST_GEOMETRY_HASH, TEST_PARAMS } from './fixtures.js';

const SEED = 20261126;
const nodes = makeTestNetwork(2, 4);
const descriptors = nodes.map((n) => n.descriptorFor(3));
const consensus = buildConsensus({ epoch: 3, descriptors, sharedRandom: new Uint8Array(32).fill(1), params: TEST_PARAMS, sphinxGeometryHash: TEST_GEOMETRY_HASH });
const docBytes = encodeConsensus(consensus);
const authorities = [0, 1, 2].map((i) => testSigner(`authority/${i}`));
const trusted = authorities.map((a) => a.publicKey);

/** A valid encoding with one of: a flipped byte, a cut, or appended bytes. */
function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const b = valid.slice();
      b[i] ^= x;
      return b;
    }),
    fc.nat(valid.length - 1).map((n) => valid.slice(0, n)),
    fc.uint8Array({ minLength: 1, maxLength: 16 }).map((extra) => Uint8Array.from([...valid, ...extra])),
  );
}

function throwsOnly(names: string[], fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(names.includes((err as Error).name), `unexpected ${(err as Error).name}: ${(err as Error).message}`);
  }
}

describe('decoders under hostile input', () => {
  it('decodeSignedDescriptor throws only DescriptorError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated(descriptors[0].encoded)), (bytes) => {
        throwsOnly(['DescriptorError'], () => decodeSignedDescriptor(bytes));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('decodeConsensus throws only ConsensusError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated(docBytes)), (bytes) => {
        throwsOnly(['ConsensusError'], () => decodeConsensus(bytes));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('verifyConsensus rejects every mutated document with a ConsensusError', () => {
    const sigs = authorities.map((a) => signConsensus(docBytes, a));
    fc.assert(
      fc.property(mutated(docBytes), (bytes) => {
        const doc = { ...encodeSignedConsensusJson(3, docBytes, sigs), document: toBase64(bytes) };
        assert.throws(() => verifyConsensus(doc, trusted, 2), { name: 'ConsensusError' });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('verifyConsensus throws only ConsensusError for arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        throwsOnly(['ConsensusError'], () => verifyConsensus(json, trusted, 2));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('assignLayers keeps layer sizes within one of each other', () => {
    const pool = makeTestNetwork(0, 40).map((n) => n.descriptorFor(3));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 8 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (n, layers, srv) => {
        const sizes = assignLayers(pool.slice(0, n), srv, layers).map((l) => l.length);
        assert.equal(sizes.reduce((a, b) => a + b, 0), n);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
