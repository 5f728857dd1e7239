import { strict as assert } from 'node:assert';
import { dh, generateLinkKeyPair, linkKeyPairFromPrivateKey, privateKeyObject, publicKeyObject } from '../../src/link/x25519.js';

describe('x25519', () => {
  it('derives the same public key from the private key as generation did', () => {
    const pair = generateLinkKeyPair();
    assert.deepEqual(linkKeyPairFromPrivateKey(pair.privateKey).publicKey, pair.publicKey);
  });

  it('agrees on a shared secret from both sides', () => {
    const a = generateLinkKeyPair();
    const b = generateLinkKeyPair();
    assert.deepEqual(
      dh(privateKeyObject(a), publicKeyObject(b.publicKey)),
      dh(privateKeyObject(b), publicKeyObject(a.publicKey)),
    );
  });

  for (const [name, hex] of [
    ['zero', '00'.repeat(32)],
    ['one', '01' + '00'.repeat(31)],
    ['order-8', 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'],
  ]) {
    it(`rejects the low-order point ${name} with reason low_order`, () => {
      assert.throws(() => dh(privateKeyObject(generateLinkKeyPair()), publicKeyObject(Buffer.from(hex, 'hex'))), {
        name: 'HandshakeError',
        reason: 'low_order',
      });
    });
  }

  it('rejects a key of the wrong length', () => {
    assert.throws(() => publicKeyObject(new Uint8Array(31)), { name: 'AssertionError' });
  });
});
