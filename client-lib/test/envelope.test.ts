import assert from 'node:assert/strict';
import fc from 'fast-check';
import { portableBackend } from '../src/crypto-backend.js';
import { nodeBackend } from '../src/crypto-node.js';
import { ENVELOPE_OVERHEAD_BYTES, envelopeCapacity, openEnvelope, sealEnvelope } from '../src/envelope.js';
import { identityFromSecrets } from '../src/identity.js';
import { seededBytes } from './helpers.js';

const SIZE = 1426;

describe('envelope', () => {
  const alice = identityFromSecrets(seededBytes(32, 31), seededBytes(32, 32));
  const bob = identityFromSecrets(seededBytes(32, 33), seededBytes(32, 34));
  const carol = identityFromSecrets(seededBytes(32, 35), seededBytes(32, 36));

  it('has a fixed overhead of 147 bytes', () => {
    assert.equal(ENVELOPE_OVERHEAD_BYTES, 147);
    assert.equal(envelopeCapacity(SIZE), SIZE - 147);
  });

  it('opens to the sealed body and the authenticated sender, across both backends', () => {
    const backends = [portableBackend, nodeBackend];
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: envelopeCapacity(SIZE) }), fc.nat(1), fc.nat(1), (body, s, o) => {
        const sealed = sealEnvelope(alice, bob, body, SIZE, backends[s]);
        assert.equal(sealed.length, SIZE);
        const opened = openEnvelope(bob, sealed, backends[o]);
        assert.deepEqual(opened.body, body);
        assert.deepEqual(opened.senderEd25519PublicKey, alice.ed25519PublicKey);
      }),
      { seed: 7, numRuns: 60 },
    );
  });

  it('is the same size whatever the body length', () => {
    assert.equal(sealEnvelope(alice, bob, new Uint8Array(0), SIZE, nodeBackend).length, SIZE);
    assert.equal(sealEnvelope(alice, bob, new Uint8Array(envelopeCapacity(SIZE)), SIZE, nodeBackend).length, SIZE);
  });

  it('refuses a body larger than the capacity', () => {
    assert.throws(() => sealEnvelope(alice, bob, new Uint8Array(envelopeCapacity(SIZE) + 1), SIZE), { name: 'InvalidArgumentError' });
  });

  it('does not open for anyone but the recipient', () => {
    const sealed = sealEnvelope(alice, bob, Uint8Array.of(1, 2, 3), SIZE, nodeBackend);
    assert.throws(() => openEnvelope(carol, sealed, nodeBackend), { name: 'EnvelopeError', reason: 'decrypt' });
  });

  it('rejects an envelope with any one byte flipped', () => {
    const sealed = sealEnvelope(alice, bob, seededBytes(100, 3), SIZE, nodeBackend);
    fc.assert(
      fc.property(fc.nat(SIZE - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bad = sealed.slice();
        bad[i] ^= x;
        assert.throws(() => openEnvelope(bob, bad, nodeBackend), (e: Error & { reason?: string }) => e.name === 'EnvelopeError' && ['decrypt', 'version', 'key'].includes(e.reason ?? ''));
      }),
      { seed: 8, numRuns: 80 },
    );
  });

  it('rejects a sender that claims a key it cannot sign for', () => {
    const liar = { ...alice, ed25519PublicKey: carol.ed25519PublicKey };
    const sealed = sealEnvelope(liar, bob, Uint8Array.of(9), SIZE, nodeBackend);
    assert.throws(() => openEnvelope(bob, sealed, nodeBackend), { name: 'EnvelopeError', reason: 'signature' });
    assert.throws(() => openEnvelope(bob, sealed, portableBackend), { name: 'EnvelopeError', reason: 'signature' });
  });

  it('rejects truncated, oversized and unknown-version input with typed errors', () => {
    const sealed = sealEnvelope(alice, bob, Uint8Array.of(1), SIZE, nodeBackend);
    assert.throws(() => openEnvelope(bob, sealed.subarray(0, 100)), { name: 'EnvelopeError', reason: 'length' });
    assert.throws(() => openEnvelope(bob, new Uint8Array(70000)), { name: 'EnvelopeError', reason: 'length' });
    assert.throws(() => openEnvelope(bob, 'x' as unknown as Uint8Array), { name: 'EnvelopeError', reason: 'length' });
    const v2 = sealed.slice();
    v2[0] = 2;
    assert.throws(() => openEnvelope(bob, v2), { name: 'EnvelopeError', reason: 'version' });
    const zeroKey = sealed.slice();
    zeroKey.fill(0, 1, 33);
    assert.throws(() => openEnvelope(bob, zeroKey, nodeBackend), { name: 'EnvelopeError', reason: 'key' });
  });

  it('throws only EnvelopeError for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, v1) => {
        if (v1 && bytes.length > 0) bytes[0] = 1;
        try {
          openEnvelope(bob, bytes, nodeBackend);
          assert.fail('opened random bytes');
        } catch (e) {
          assert.equal((e as Error).name, 'EnvelopeError');
        }
      }),
      { seed: 13, numRuns: 200 },
    );
  });
});
