import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { concatBytes } from '@strata/core';
import { commitTo, decodeReveal, decodeVote, encodeReveal, encodeVote, revealMatches, sharedRandomValue } from '@strata/directory';
import { makeTestNetwork, testSecret, testSigner } from '../../core/test/fixtures.js';

describe('authority messages', () => {
  const a = testSigner('authority/0');
  const b = testSigner('authority/1');
  const nodes = makeTestNetwork(1, 3);
  const secret = testSecret('reveal/0');

  it('round-trips a vote with its descriptors in node id order', () => {
    const descriptors = nodes.map((n) => n.descriptorFor(5));
    const vote = encodeVote(5, commitTo(5, a.publicKey, secret), [...descriptors].reverse(), a);
    const back = decodeVote(vote.encoded);
    assert.equal(back.epoch, 5);
    assert.deepEqual(back.author, a.publicKey);
    assert.deepEqual(back.descriptors.map((d) => d.encoded), vote.descriptors.map((d) => d.encoded));
    for (let i = 1; i < back.descriptors.length; i++) assert.ok(Buffer.compare(back.descriptors[i - 1].descriptor.nodeId, back.descriptors[i].descriptor.nodeId) < 0);
  });

  it('rejects a vote whose author field was swapped', () => {
    const vote = encodeVote(5, commitTo(5, a.publicKey, secret), [], a);
    const forged = vote.encoded.slice();
    forged.set(b.publicKey, 'strata/dir-vote/v1'.length + 8);
    assert.throws(() => decodeVote(forged), { name: 'ExchangeError', reason: 'signature' });
  });

  it('rejects a vote carrying a descriptor of another epoch', () => {
    const vote = encodeVote(5, commitTo(5, a.publicKey, secret), [nodes[0].descriptorFor(4)], a);
    assert.throws(() => decodeVote(vote.encoded), { name: 'ExchangeError', reason: 'descriptor' });
  });

  it('rejects truncated and padded messages', () => {
    const vote = encodeVote(5, commitTo(5, a.publicKey, secret), [], a);
    assert.throws(() => decodeVote(vote.encoded.subarray(0, 50)), { name: 'ExchangeError', reason: 'encoding' });
    assert.throws(() => decodeVote(concatBytes(vote.encoded, new Uint8Array(1))), { name: 'ExchangeError', reason: 'encoding' });
    const reveal = encodeReveal(5, secret, a);
    assert.throws(() => decodeReveal(reveal.encoded.subarray(1)), { name: 'ExchangeError', reason: 'encoding' });
  });

  it('matches a reveal only to the commitment it opens', () => {
    const vote = decodeVote(encodeVote(5, commitTo(5, a.publicKey, secret), [], a).encoded);
    assert.equal(revealMatches(vote, decodeReveal(encodeReveal(5, secret, a).encoded)), true);
    assert.equal(revealMatches(vote, decodeReveal(encodeReveal(5, testSecret('other'), a).encoded)), false);
    assert.equal(revealMatches(vote, decodeReveal(encodeReveal(6, secret, a).encoded)), false);
    assert.equal(revealMatches(vote, decodeReveal(encodeReveal(5, secret, b).encoded)), false);
  });

  it('derives the shared random value independent of reveal order, dependent on every reveal', () => {
    const r1 = { author: a.publicKey, reveal: secret };
    const r2 = { author: b.publicKey, reveal: testSecret('reveal/1') };
    assert.deepEqual(sharedRandomValue(5, [r1, r2]), sharedRandomValue(5, [r2, r1]));
    assert.notDeepEqual(sharedRandomValue(5, [r1, r2]), sharedRandomValue(5, [r1]));
    assert.notDeepEqual(sharedRandomValue(5, [r1, r2]), sharedRandomValue(6, [r1, r2]));
  });

  it('throws only ExchangeError for random and mutated messages', () => {
    const vote = encodeVote(5, commitTo(5, a.publicKey, secret), nodes.map((n) => n.descriptorFor(5)), a).encoded;
    const reveal = encodeReveal(5, secret, a).encoded;
    const mutate = (valid: Uint8Array) =>
      fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(valid.length)).map(([i, x, cut]) => {
        const b = valid.slice(0, Math.max(cut, i + 1));
        b[i] ^= x;
        return b;
      });
    const only = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        assert.equal((err as Error).name, 'ExchangeError', (err as Error).message);
      }
    };
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutate(vote), mutate(reveal)), (bytes) => {
        only(() => decodeVote(bytes));
        only(() => decodeReveal(bytes));
      }),
      { seed: 20261126, numRuns: 300 },
    );
  });
});
