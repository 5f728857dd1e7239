import assert from 'node:assert/strict';
import fc from 'fast-check';
import { portableBackend } from '../src/crypto-backend.js';
import { nodeBackend } from '../src/crypto-node.js';

describe('crypto backends', () => {
  it('agree on X25519 and Ed25519 for any keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), (a, b, msg) => {
        const pubB = portableBackend.x25519PublicKey(b);
        assert.deepEqual(nodeBackend.x25519PublicKey(b.slice()), pubB);
        assert.deepEqual(nodeBackend.x25519(a.slice(), pubB), portableBackend.x25519(a, pubB));
        const edPub = portableBackend.ed25519PublicKey(a);
        assert.deepEqual(nodeBackend.ed25519PublicKey(a.slice()), edPub);
        const sig = nodeBackend.ed25519Sign(msg, a.slice());
        assert.deepEqual(portableBackend.ed25519Sign(msg, a), sig); // Ed25519 is deterministic
        assert.equal(portableBackend.ed25519Verify(sig, msg, edPub), true);
        assert.equal(nodeBackend.ed25519Verify(sig, msg, edPub), true);
      }),
      { seed: 3, numRuns: 25 },
    );
  });

  it('agree between an ephemeral key on one side and a static key on the other', () => {
    for (const [e, s] of [[portableBackend, nodeBackend], [nodeBackend, portableBackend]] as const) {
      const secret = s.randomBytes(32);
      const eph = e.x25519Ephemeral();
      assert.deepEqual(eph.agree(s.x25519PublicKey(secret)), s.x25519(secret, eph.publicKey));
    }
  });

  it('refuse the all-zero shared secret of a low-order point', () => {
    // RFC 7748 §6.1; 0 and 1 (as u-coordinates) are low-order points
    const one = new Uint8Array(32);
    one[0] = 1;
    for (const backend of [portableBackend, nodeBackend]) {
      for (const point of [new Uint8Array(32), one]) {
        assert.throws(() => backend.x25519(backend.randomBytes(32), point), { name: 'EnvelopeError', reason: 'key' });
        assert.throws(() => backend.x25519Ephemeral().agree(point), { name: 'EnvelopeError', reason: 'key' });
      }
    }
  });

  it('answer false, never throw, for malformed signatures and keys', () => {
    const msg = Uint8Array.of(1, 2, 3);
    for (const backend of [portableBackend, nodeBackend]) {
      assert.equal(backend.ed25519Verify(new Uint8Array(64), msg, new Uint8Array(32)), false);
      assert.equal(backend.ed25519Verify(new Uint8Array(3), msg, new Uint8Array(32)), false);
      assert.equal(backend.ed25519Verify(new Uint8Array(64), msg, new Uint8Array(5)), false);
    }
  });
});
