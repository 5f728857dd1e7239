import { strict as assert } from 'node:assert';
import { createDescriptor, encodeConsensus, signDescriptor, toHex } from '@strata/core';
import { agreedDescriptors, commitTo, encodeReveal, encodeVote, tally, type TallyInput } from '@strata/directory';
import { makeTestNetwork, makeTestNode, testSecret, testSigner, TEST_GEOMETRY_HASH, TEST_PARAMS } from '../../core/test/fixtures.js';

const EPOCH = 9;

describe('agreement', () => {
  const authorities = [0, 1, 2].map((i) => testSigner(`authority/${i}`));
  const secrets = [0, 1, 2].map((i) => testSecret(`reveal/${i}`));
  const nodes = makeTestNetwork(2, 6);
  const descriptors = nodes.map((n) => n.descriptorFor(EPOCH));

  function input(voteSets: number[][], revealers = [0, 1, 2], extra: Record<number, ReturnType<typeof descriptors.slice>> = {}): TallyInput {
    const votes = voteSets.map((idx, i) =>
      encodeVote(EPOCH, commitTo(EPOCH, authorities[i].publicKey, secrets[i]), [...idx.map((j) => descriptors[j]), ...(extra[i] ?? [])], authorities[i]),
    );
    const reveals = revealers.map((i) => encodeReveal(EPOCH, secrets[i], authorities[i]));
    return { epoch: EPOCH, votes, reveals, threshold: 2, params: TEST_PARAMS, sphinxGeometryHash: TEST_GEOMETRY_HASH, layers: 3 };
  }

  const all = descriptors.map((_, i) => i);

  it('gives the same bytes whatever order votes and reveals arrive in', () => {
    const x = input([all, all, all]);
    const r1 = tally(x);
    const r2 = tally({ ...x, votes: [...x.votes].reverse(), reveals: [...x.reveals].reverse() });
    assert.ok(r1.ok && r2.ok);
    assert.deepEqual(encodeConsensus(r1.consensus), encodeConsensus(r2.consensus));
  });

  it('includes a descriptor only when a threshold of votes carry it', () => {
    const x = input([all, all.slice(0, 7), all.slice(0, 6)]);
    const ids = agreedDescriptors(x.votes, 2).map((d) => toHex(d.descriptor.nodeId));
    assert.equal(ids.length, 7);
    assert.ok(!ids.includes(toHex(descriptors[7].descriptor.nodeId)));
  });

  it('lets no single authority inject a node', () => {
    const sybil = makeTestNode('mix', 25000).descriptorFor(EPOCH);
    const r = tally(input([all, all, all], [0, 1, 2], { 2: [sybil] }));
    assert.ok(r.ok);
    const listed = r.consensus.layers.flat().map((d) => toHex(d.descriptor.nodeId));
    assert.ok(!listed.includes(toHex(sybil.descriptor.nodeId)));
  });

  it('leaves out a node that showed different authorities different descriptors', () => {
    const n = nodes[7];
    const d = descriptors[7].descriptor;
    const rival = signDescriptor(createDescriptor({ epoch: EPOCH, role: d.role, identityKey: d.identityKey, linkKey: d.linkKey, linkAddresses: ['tcp://127.0.0.9:9'], sphinxPublicKeys: [d.sphinxKeys[0].publicKey, d.sphinxKeys[1].publicKey] }), n.signer);
    const seven = all.slice(0, 7);
    const x = input([all, seven, seven], [0, 1, 2], { 1: [rival] });
    const ids = agreedDescriptors(x.votes, 2).map((sd) => toHex(sd.descriptor.nodeId));
    assert.equal(ids.length, 7);
    assert.ok(!ids.includes(toHex(d.nodeId)));
  });

  it('changes the layer assignment when a reveal is withheld (what a withholder can choose)', () => {
    const full = tally(input([all, all, all], [0, 1, 2]));
    const withheld = tally(input([all, all, all], [0, 1]));
    assert.ok(full.ok && withheld.ok);
    assert.notDeepEqual(full.consensus.sharedRandom, withheld.consensus.sharedRandom);
  });

  it('fails without a threshold of votes or of matching reveals', () => {
    const one = tally({ ...input([all]), votes: input([all]).votes });
    assert.deepEqual([one.ok, !one.ok && one.reason], [false, 'votes']);
    const fewReveals = tally(input([all, all, all], [0]));
    assert.deepEqual([fewReveals.ok, !fewReveals.ok && fewReveals.reason], [false, 'reveals']);
  });

  it('fails when the agreed set cannot fill every layer', () => {
    const r = tally(input([[0, 1, 2], [0, 1, 2], [0, 1, 2]]));
    assert.deepEqual([r.ok, !r.ok && r.reason], [false, 'layers']);
  });
});
