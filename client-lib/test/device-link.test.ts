import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeLinkBundle,
  decodeLinkChunk,
  decodeLinkCode,
  deriveLinkKeys,
  encodeLinkBundle,
  encodeLinkCode,
  openLinkChunks,
  sealLinkChunks,
} from '../src/device-link.js';
import { seededBytes } from './helpers.js';

const open = (bodies: Uint8Array[], key: Uint8Array): Uint8Array => {
  const chunks = bodies.map(decodeLinkChunk).sort((a, b) => a.index - b.index);
  return openLinkChunks(chunks.map((c) => c.sealed), key);
};

describe('device-link', () => {
  it('encodes a link code and decodes it back; anything else is a bad-link-code', () => {
    const secret = seededBytes(32, 1);
    assert.deepEqual(decodeLinkCode(encodeLinkCode(secret)), secret);
    for (const bad of ['', 'strata-link1-', `strata-link1-${'0'.repeat(63)}`, `strata-link2-${'0'.repeat(64)}`, `strata-link1-${'G'.repeat(64)}`]) {
      assert.throws(() => decodeLinkCode(bad), { name: 'ClientError', reason: 'bad-link-code' });
    }
  });

  it('derives distinct keys from a code, and the same keys on both devices', () => {
    const a = deriveLinkKeys(seededBytes(32, 2));
    const b = deriveLinkKeys(seededBytes(32, 2));
    assert.deepEqual(a, b);
    const all = [a.aliasId, a.aliasSeed, a.accountSeed, a.deviceSeed, a.sealKey].map((k) => Buffer.from(k).toString('hex'));
    assert.equal(new Set(all).size, 5);
    assert.notDeepEqual(deriveLinkKeys(seededBytes(32, 3)).aliasId, a.aliasId);
  });

  it('seals a bundle into fixed-size chunks that open back in any order (property)', () => {
    const key = deriveLinkKeys(seededBytes(32, 4)).sealKey;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6000 }), fc.integer({ min: 100, max: 1500 }), (plain, bodyBytes) => {
        const bodies = sealLinkChunks(plain, key, bodyBytes);
        assert.ok(bodies.every((b) => b.length === bodyBytes));
        assert.deepEqual(open(bodies.reverse(), key), plain);
      }),
      { seed: 7, numRuns: 60 },
    );
  });

  it('refuses chunks under another code, a tampered chunk and a malformed header', () => {
    const key = deriveLinkKeys(seededBytes(32, 5)).sealKey;
    const bodies = sealLinkChunks(seededBytes(3000, 6), key, 1424);
    assert.throws(() => open(bodies, deriveLinkKeys(seededBytes(32, 6)).sealKey), { name: 'ClientError', reason: 'bad-link-code' });
    const tampered = bodies.map((b) => b.slice());
    tampered[1][10] ^= 1;
    assert.throws(() => open(tampered, key), { name: 'ClientError', reason: 'bad-link-code' });
    const header = bodies[0].slice();
    header[0] = header[1]; // index = count
    assert.throws(() => decodeLinkChunk(header), { name: 'ClientError', reason: 'bad-link-code' });
    assert.throws(() => decodeLinkChunk(new Uint8Array(10)), { name: 'ClientError', reason: 'bad-link-code' });
  });

  it('round-trips a bundle of identity and contacts; refuses a malformed one', () => {
    const b = { identity: seededBytes(65, 7), contacts: [{ address: 'strata1abc', name: 'bob', verified: true }] };
    assert.deepEqual(decodeLinkBundle(encodeLinkBundle(b)), b);
    assert.throws(() => decodeLinkBundle(new TextEncoder().encode('{"v":2}')), { name: 'ClientError', reason: 'bad-link-code' });
    assert.throws(() => decodeLinkBundle(new Uint8Array([0xff])), { name: 'ClientError', reason: 'bad-link-code' });
  });
});
