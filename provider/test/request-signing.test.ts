import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { ReplayCache } from '../src/replay-cache.js';
import { RequestVerifier, ed25519PublicKey, generateEd25519KeyPair, listDigest, requestSigningBytes, signRequest } from '../src/request-signing.js';

const NOW = 1_800_000_000_000;
const nonce = (i: number) => new Uint8Array(16).fill(i);

function verifier(notBeforeMs = 0) {
  return new RequestVerifier({ timestampWindowMs: 60_000, notBeforeMs, replayCache: new ReplayCache(60_000, 100, () => NOW), now: () => NOW });
}

describe('requestSigningBytes', () => {
  it('separates operations and field boundaries', () => {
    const a = requestSigningBytes('poll', [new Uint8Array([1, 2]), new Uint8Array([3])], 1, nonce(0));
    const b = requestSigningBytes('poll', [new Uint8Array([1]), new Uint8Array([2, 3])], 1, nonce(0));
    const c = requestSigningBytes('ack', [new Uint8Array([1, 2]), new Uint8Array([3])], 1, nonce(0));
    assert.notDeepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('rejects a nonce of the wrong length', () => {
    assert.throws(() => requestSigningBytes('poll', [], 1, new Uint8Array(15)), { name: 'ProviderValidationError' });
  });
});

describe('listDigest', () => {
  it('depends on the order and the number of items', () => {
    const x = new Uint8Array([1]);
    const y = new Uint8Array([2]);
    assert.notDeepEqual(listDigest([x, y]), listDigest([y, x]));
    assert.notDeepEqual(listDigest([]), listDigest([new Uint8Array(0)]));
  });
});

describe('RequestVerifier', () => {
  const k = generateEd25519KeyPair();
  const pub = ed25519PublicKey(k.publicKey);
  const fields = [new Uint8Array(32).fill(9)];

  it('accepts a fresh signed request once and refuses its replay', () => {
    const v = verifier();
    const sig = signRequest(k.privateKey, 'poll', fields, NOW, nonce(1));
    v.verify('poll', fields, NOW, nonce(1), [{ key: pub, signature: sig }]);
    assert.throws(() => v.verify('poll', fields, NOW, nonce(1), [{ key: pub, signature: sig }]), { name: 'RequestAuthError', reason: 'replayed_nonce' });
  });

  it('refuses a signature with one flipped bit, by another key or for another op', () => {
    const v = verifier();
    const sig = signRequest(k.privateKey, 'poll', fields, NOW, nonce(2));
    const flipped = Buffer.from(sig);
    flipped[5] ^= 0x10;
    assert.throws(() => v.verify('poll', fields, NOW, nonce(2), [{ key: pub, signature: flipped }]), { name: 'RequestAuthError', reason: 'bad_signature' });
    const other = ed25519PublicKey(generateEd25519KeyPair().publicKey);
    assert.throws(() => v.verify('poll', fields, NOW, nonce(2), [{ key: other, signature: sig }]), { name: 'RequestAuthError', reason: 'bad_signature' });
    assert.throws(() => v.verify('ack', fields, NOW, nonce(2), [{ key: pub, signature: sig }]), { name: 'RequestAuthError', reason: 'bad_signature' });
    assert.throws(() => v.verify('poll', fields, NOW, nonce(2), [{ key: pub, signature: sig.subarray(0, 63) }]), { name: 'RequestAuthError', reason: 'bad_signature' });
  });

  it('does not let a failed signature burn the nonce', () => {
    const v = verifier();
    const sig = signRequest(k.privateKey, 'poll', fields, NOW, nonce(3));
    assert.throws(() => v.verify('poll', fields, NOW, nonce(3), [{ key: pub, signature: new Uint8Array(64) }]), { name: 'RequestAuthError' });
    v.verify('poll', fields, NOW, nonce(3), [{ key: pub, signature: sig }]);
  });

  it('gives the same answers when verifying on the thread pool', async () => {
    const v = verifier();
    const sig = signRequest(k.privateKey, 'poll', fields, NOW, nonce(7));
    const flipped = Buffer.from(sig);
    flipped[0] ^= 1;
    await assert.rejects(v.verifyAsync('poll', fields, NOW, nonce(7), [{ key: pub, signature: flipped }]), { name: 'RequestAuthError', reason: 'bad_signature' });
    await assert.rejects(v.verifyAsync('poll', fields, NOW, nonce(7), [{ key: pub, signature: sig.subarray(1) }]), { name: 'RequestAuthError', reason: 'bad_signature' });
    await v.verifyAsync('poll', fields, NOW, nonce(7), [{ key: pub, signature: sig }]);
    await assert.rejects(v.verifyAsync('poll', fields, NOW, nonce(7), [{ key: pub, signature: sig }]), { name: 'RequestAuthError', reason: 'replayed_nonce' });
    await assert.rejects(v.verifyAsync('poll', fields, NOW - 60_001, nonce(8), [{ key: pub, signature: sig }]), { name: 'RequestAuthError', reason: 'stale_timestamp' });
  });

  it('lets only one of two concurrent copies of a request through', async () => {
    const v = verifier();
    const sig = signRequest(k.privateKey, 'poll', fields, NOW, nonce(9));
    const results = await Promise.allSettled([0, 1].map(() => v.verifyAsync('poll', fields, NOW, nonce(9), [{ key: pub, signature: sig }])));
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  });

  it('refuses timestamps outside the window or before the provider started', () => {
    const v = verifier(NOW - 1000);
    const old = NOW - 60_001;
    assert.throws(() => v.verify('poll', fields, old, nonce(4), [{ key: pub, signature: signRequest(k.privateKey, 'poll', fields, old, nonce(4)) }]), { name: 'RequestAuthError', reason: 'stale_timestamp' });
    const future = NOW + 60_001;
    assert.throws(() => v.verify('poll', fields, future, nonce(5), [{ key: pub, signature: signRequest(k.privateKey, 'poll', fields, future, nonce(5)) }]), { name: 'RequestAuthError', reason: 'stale_timestamp' });
    const beforeStart = NOW - 2000;
    assert.throws(() => v.verify('poll', fields, beforeStart, nonce(6), [{ key: pub, signature: signRequest(k.privateKey, 'poll', fields, beforeStart, nonce(6)) }]), { name: 'RequestAuthError', reason: 'stale_timestamp' });
  });
});

describe('RequestVerifier with libsodium (sodium-native, optional)', () => {
  const sodiumLoads = (() => {
    try {
      createRequire(import.meta.url)('sodium-native');
      return true;
    } catch {
      return false;
    }
  })();
  const k = generateEd25519KeyPair();
  const fields = [new Uint8Array(32).fill(4)];

  it('accepts a request signed for a key imported elsewhere than ed25519PublicKey (raw key read back once)', async () => {
    const v = verifier();
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(k.publicKey).toString('base64url') }, format: 'jwk' });
    v.verify('poll', fields, NOW, nonce(20), [{ key: pub, signature: signRequest(k.privateKey, 'poll', fields, NOW, nonce(20)) }]);
    await v.verifyAsync('poll', fields, NOW, nonce(21), [{ key: pub, signature: signRequest(k.privateKey, 'poll', fields, NOW, nonce(21)) }]);
  });

  it('refuses the trivial forgery (R = identity, S = 0) under the small-order identity key, which OpenSSL accepts', async function () {
    if (!sodiumLoads) this.skip();
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const forged = new Uint8Array(64);
    forged[0] = 1;
    const v = verifier();
    assert.throws(() => v.verify('poll', fields, NOW, nonce(22), [{ key: ed25519PublicKey(identity), signature: forged }]), { name: 'RequestAuthError', reason: 'bad_signature' });
    await assert.rejects(v.verifyAsync('poll', fields, NOW, nonce(23), [{ key: ed25519PublicKey(identity), signature: forged }]), { name: 'RequestAuthError', reason: 'bad_signature' });
  });
});
