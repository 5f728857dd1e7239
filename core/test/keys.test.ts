import { strict as assert } from 'node:assert';
import { blake2b } from '@noble/hashes/blake2.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  Ed25519Signer,
  ed25519Verify,
  fromHex,
  generateIdentityKeyPair,
  generateX25519KeyPair,
  identityPublicKey,
  isValidX25519PublicKey,
  nodeIdOf,
  x25519PublicKey,
} from '@strata/core';

describe('keys', () => {
  it('signs with node:crypto what @noble/curves verifies, and verifies what it signs', () => {
    const pair = generateIdentityKeyPair();
    const msg = new TextEncoder().encode('strata');
    const sig = new Ed25519Signer(pair.privateKey).sign(msg);
    assert.equal(ed25519.verify(sig, msg, pair.publicKey), true);
    const nobleSig = ed25519.sign(msg, pair.privateKey);
    assert.equal(ed25519Verify(pair.publicKey, msg, nobleSig), true);
  });

  it('rejects a signature with one flipped bit and one of the wrong length', () => {
    const pair = generateIdentityKeyPair();
    const msg = new Uint8Array([1, 2, 3]);
    const sig = new Ed25519Signer(pair.privateKey).sign(msg);
    sig[5] ^= 1;
    assert.equal(ed25519Verify(pair.publicKey, msg, sig), false);
    assert.equal(ed25519Verify(pair.publicKey, msg, sig.subarray(0, 63)), false);
  });

  it('derives public keys from private keys', () => {
    const id = generateIdentityKeyPair();
    assert.deepEqual(identityPublicKey(id.privateKey), id.publicKey);
    const x = generateX25519KeyPair();
    assert.deepEqual(x25519PublicKey(x.privateKey), x.publicKey);
  });

  it('makes the node id BLAKE2b-256 of the identity key', () => {
    const id = generateIdentityKeyPair();
    assert.deepEqual(nodeIdOf(id.publicKey), blake2b(id.publicKey, { dkLen: 32 }));
    assert.throws(() => nodeIdOf(new Uint8Array(31)), { name: 'AssertionError' });
  });

  it('refuses small-order X25519 public keys', () => {
    assert.equal(isValidX25519PublicKey(new Uint8Array(32)), false);
    assert.equal(isValidX25519PublicKey(fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b8')), false);
    assert.equal(isValidX25519PublicKey(fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880')), false);
    assert.equal(isValidX25519PublicKey(generateX25519KeyPair().publicKey), true);
  });
});
