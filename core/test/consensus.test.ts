import { strict as assert } from 'node:assert';
import {
  assignLayers,
  buildConsensus,
  decodeConsensus,
  encodeConsensus,
  encodeSignedConsensusJson,
  majorityThreshold,
  signConsensus,
  toHex,
  verifyConsensus,
  type Consensus,
  type Ed25519Signer,
  type SignedConsensusJson,
} from '@strata/core';
import { makeTestNetwork, testSigner, TEST_GEOMETRY_HASH, TEST_PARAMS } from './fixtures.js';

const EPOCH = 42;
const SRV = new Uint8Array(32).fill(9);

describe('consensus', () => {
  const nodes = makeTestNetwork(2, 7);
  const descriptors = nodes.map((n) => n.descriptorFor(EPOCH));
  const authorities = [0, 1, 2].map((i) => testSigner(`authority/${i}`));
  const trusted = authorities.map((a) => a.publicKey);

  function build(): Consensus {
    return buildConsensus({ epoch: EPOCH, descriptors, sharedRandom: SRV, params: TEST_PARAMS, sphinxGeometryHash: TEST_GEOMETRY_HASH });
  }

  function served(signers: Ed25519Signer[], c: Consensus = build()): SignedConsensusJson {
    const bytes = encodeConsensus(c);
    return encodeSignedConsensusJson(c.epoch, bytes, signers.map((s) => signConsensus(bytes, s)));
  }

  it('needs a majority: ⌊n/2⌋+1', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(majorityThreshold), [1, 2, 2, 3, 3]);
  });

  it('builds the same bytes from the same inputs in any order', () => {
    const a = encodeConsensus(build());
    const b = encodeConsensus(buildConsensus({ epoch: EPOCH, descriptors: [...descriptors].reverse(), sharedRandom: SRV, params: TEST_PARAMS, sphinxGeometryHash: TEST_GEOMETRY_HASH }));
    assert.deepEqual(a, b);
  });

  it('puts providers apart and balances the mixes over three layers', () => {
    const c = build();
    assert.equal(c.providers.length, 2);
    assert.deepEqual(c.layers.map((l) => l.length).sort(), [2, 2, 3]);
  });

  it('assigns layers differently under another shared random value', () => {
    const mixes = descriptors.filter((d) => d.descriptor.role === 'mix');
    const ids = (srv: Uint8Array): string[][] => assignLayers(mixes, srv, 3).map((l) => l.map((m) => toHex(m.descriptor.nodeId)));
    const differs = [1, 2, 3, 4, 5].some((v) => JSON.stringify(ids(new Uint8Array(32).fill(v))) !== JSON.stringify(ids(SRV)));
    assert.ok(differs);
  });

  it('decodes what it encodes', () => {
    const c = build();
    const back = decodeConsensus(encodeConsensus(c), { verifyDescriptorSignatures: true });
    assert.deepEqual(encodeConsensus(back), encodeConsensus(c));
    assert.deepEqual(back.params, c.params);
  });

  it('refuses to build without providers or with an empty layer', () => {
    const mixesOnly = descriptors.filter((d) => d.descriptor.role === 'mix');
    assert.throws(() => buildConsensus({ epoch: EPOCH, descriptors: mixesOnly, sharedRandom: SRV, params: TEST_PARAMS, sphinxGeometryHash: TEST_GEOMETRY_HASH }), { name: 'ConsensusError', reason: 'layers' });
    assert.throws(() => buildConsensus({ epoch: EPOCH, descriptors: descriptors.slice(0, 3), sharedRandom: SRV, params: TEST_PARAMS, sphinxGeometryHash: TEST_GEOMETRY_HASH }), { name: 'ConsensusError', reason: 'layers' });
  });

  it('refuses descriptors of another epoch', () => {
    const stale = nodes[3].descriptorFor(EPOCH - 1);
    assert.throws(() => buildConsensus({ epoch: EPOCH, descriptors: [...descriptors.slice(0, 3), stale], sharedRandom: SRV, params: TEST_PARAMS, sphinxGeometryHash: TEST_GEOMETRY_HASH }), { name: 'ConsensusError', reason: 'epoch' });
  });

  describe('verifyConsensus', () => {
    it('accepts a document with a majority of valid signatures', () => {
      const v = verifyConsensus(served(authorities.slice(0, 2)), trusted, 2, { epoch: EPOCH, sphinxGeometryHash: TEST_GEOMETRY_HASH });
      assert.equal(v.consensus.epoch, EPOCH);
      assert.equal(v.signers.length, 2);
    });

    it('accepts the JSON as a string too', () => {
      verifyConsensus(JSON.stringify(served(authorities)), trusted, 2);
    });

    it('rejects an under-threshold document', () => {
      assert.throws(() => verifyConsensus(served(authorities.slice(0, 1)), trusted, 2), { name: 'ConsensusError', reason: 'threshold' });
    });

    it('does not count one authority twice', () => {
      const doc = served([authorities[0], authorities[0]]);
      assert.throws(() => verifyConsensus(doc, trusted, 2), { name: 'ConsensusError', reason: 'threshold' });
    });

    it('rejects forged signatures', () => {
      const doc = served(authorities.slice(0, 2));
      doc.signatures[1].signature = doc.signatures[1].signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      assert.throws(() => verifyConsensus(doc, trusted, 2), { name: 'ConsensusError', reason: 'signature' });
    });

    it('rejects signatures by unknown signers', () => {
      const strangers = [0, 1].map((i) => testSigner(`stranger/${i}`));
      const doc = served([authorities[0], ...strangers]);
      assert.throws(() => verifyConsensus(doc, trusted, 2), { name: 'ConsensusError', reason: 'unknown-signer' });
    });

    it('rejects a replayed document of an older epoch', () => {
      assert.throws(() => verifyConsensus(served(authorities), trusted, 2, { epoch: EPOCH + 1 }), { name: 'ConsensusError', reason: 'epoch' });
    });

    it('rejects a wrapper whose epoch differs from the document', () => {
      const doc = served(authorities);
      doc.epoch = EPOCH + 1;
      assert.throws(() => verifyConsensus(doc, trusted, 2), { name: 'ConsensusError', reason: 'encoding' });
    });

    it('rejects a document for another Sphinx geometry', () => {
      assert.throws(() => verifyConsensus(served(authorities), trusted, 2, { sphinxGeometryHash: new Uint8Array(32) }), { name: 'ConsensusError', reason: 'geometry' });
    });

    it('rejects tampered layers: two mixes swapped between layers under valid signatures', () => {
      const c = build();
      const bytes = encodeConsensus(c);
      const sigs = authorities.map((s) => signConsensus(bytes, s));
      // Find a mix in layer 1 and one in layer 2 whose swap keeps both lists in node id order,
      // then swap their embedded descriptors byte for byte (same length: same address shape).
      const sorted = (l: Uint8Array[]): boolean => l.every((id, i) => i === 0 || Buffer.compare(l[i - 1], id) < 0);
      const ids = c.layers.map((l) => l.map((m) => m.descriptor.nodeId));
      let pair: [number, number] | undefined;
      for (let i = 0; i < ids[0].length && !pair; i++) {
        for (let j = 0; j < ids[1].length && !pair; j++) {
          const l0 = ids[0].map((x, k) => (k === i ? ids[1][j] : x));
          const l1 = ids[1].map((x, k) => (k === j ? ids[0][i] : x));
          if (sorted(l0) && sorted(l1)) pair = [i, j];
        }
      }
      assert.ok(pair, 'fixture has a sort-preserving swap');
      const a = c.layers[0][pair[0]].encoded;
      const b = c.layers[1][pair[1]].encoded;
      assert.equal(a.length, b.length);
      const buf = Buffer.from(bytes);
      const ia = buf.indexOf(Buffer.from(a));
      const ib = buf.indexOf(Buffer.from(b));
      Buffer.from(b).copy(buf, ia);
      Buffer.from(a).copy(buf, ib);
      const tampered = encodeSignedConsensusJson(EPOCH, new Uint8Array(buf), sigs);
      assert.throws(() => verifyConsensus(tampered, trusted, 2), { name: 'ConsensusError', reason: 'layers' });
    });

    it('rejects layers that were re-signed but do not follow from the shared random value', () => {
      const c = build();
      const layers = c.layers.map((l) => [...l]);
      layers[2].push(layers[0].pop()!);
      assert.throws(() => served(authorities, { ...c, layers }), { name: 'ConsensusError', reason: 'layers' });
    });

    it('rejects a document whose bytes changed after signing', () => {
      const doc = served(authorities);
      const bytes = Buffer.from(doc.document, 'base64');
      bytes[bytes.length - 10] ^= 1; // inside the last descriptor's signature
      doc.document = bytes.toString('base64');
      assert.throws(() => verifyConsensus(doc, trusted, 2), { name: 'ConsensusError', reason: 'signature' });
    });

    it('rejects malformed JSON and malformed fields', () => {
      assert.throws(() => verifyConsensus('{not json', trusted, 2), { name: 'ConsensusError', reason: 'encoding' });
      assert.throws(() => verifyConsensus([], trusted, 2), { name: 'ConsensusError', reason: 'encoding' });
      assert.throws(() => verifyConsensus({ epoch: 1, document: '!!', signatures: [] }, trusted, 2), { name: 'ConsensusError', reason: 'encoding' });
      const doc = served(authorities);
      assert.throws(() => verifyConsensus({ ...doc, signatures: [{ authority: 'ab', signature: 'cd' }] }, trusted, 2), { name: 'ConsensusError', reason: 'encoding' });
      assert.throws(() => verifyConsensus({ ...doc, document: Buffer.from('strata/consensus/v1').toString('base64') }, trusted, 2), { name: 'ConsensusError', reason: 'encoding' });
    });

    it('asserts a sane threshold', () => {
      assert.throws(() => verifyConsensus(served(authorities), trusted, 4), { name: 'AssertionError' });
      assert.throws(() => verifyConsensus(served(authorities), trusted, 0), { name: 'AssertionError' });
    });
  });
});
