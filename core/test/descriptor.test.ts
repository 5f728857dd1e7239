import { strict as assert } from 'node:assert';
import {
  Ed25519Signer,
  ByteReader,
  concatBytes,
  createDescriptor,
  decodeSignedDescriptor,
  encodeDescriptorBody,
  generateIdentityKeyPair,
  generateX25519KeyPair,
  signDescriptor,
  sphinxKeyFor,
  type Descriptor,
} from '@strata/core';
import { makeTestNode } from './fixtures.js';

/** Re-signs a modified descriptor body without validation, to test the decoder alone. */
function resignRaw(body: Uint8Array, signer: Ed25519Signer): Uint8Array {
  return concatBytes(body, signer.sign(body));
}

describe('descriptor', () => {
  it('round-trips a signed provider descriptor', () => {
    const node = makeTestNode('provider', 4000);
    const sd = node.descriptorFor(7);
    const back = decodeSignedDescriptor(sd.encoded, { epoch: 7 });
    assert.deepEqual(back.descriptor, sd.descriptor);
    assert.deepEqual(back.body, sd.body);
    assert.deepEqual(sphinxKeyFor(back.descriptor, 8), sd.descriptor.sphinxKeys[1].publicKey);
  });

  it('rejects a descriptor with one flipped signature bit', () => {
    const sd = makeTestNode('mix', 4001).descriptorFor(1);
    const bad = sd.encoded.slice();
    bad[bad.length - 3] ^= 1;
    assert.throws(() => decodeSignedDescriptor(bad), { name: 'DescriptorError', reason: 'signature' });
  });

  it('rejects a descriptor for another epoch than expected', () => {
    const sd = makeTestNode('mix', 4002).descriptorFor(1);
    assert.throws(() => decodeSignedDescriptor(sd.encoded, { epoch: 2 }), { name: 'DescriptorError', reason: 'epoch' });
  });

  it('rejects a node id that is not the hash of the identity key', () => {
    const node = makeTestNode('mix', 4003);
    const sd = node.descriptorFor(1);
    const body = sd.body.slice();
    const r = new ByteReader(body);
    r.fixed('strata/descriptor/v1'.length + 8 + 1); // magic, epoch, role
    body[r.offset] ^= 0xff; // first byte of the node id
    assert.throws(() => decodeSignedDescriptor(resignRaw(body, node.signer)), { name: 'DescriptorError', reason: 'node-id' });
  });

  it('rejects truncated, padded and oversized encodings', () => {
    const sd = makeTestNode('mix', 4004).descriptorFor(1);
    assert.throws(() => decodeSignedDescriptor(sd.encoded.subarray(0, 40)), { name: 'DescriptorError', reason: 'encoding' });
    assert.throws(() => decodeSignedDescriptor(concatBytes(sd.encoded, new Uint8Array(1))), { name: 'DescriptorError', reason: 'encoding' });
    assert.throws(() => decodeSignedDescriptor(new Uint8Array(5000)), { name: 'DescriptorError', reason: 'encoding' });
  });

  describe('validation', () => {
    const id = new Ed25519Signer(generateIdentityKeyPair().privateKey);
    const base = {
      epoch: 3,
      role: 'mix' as const,
      identityKey: id.publicKey,
      linkKey: generateX25519KeyPair().publicKey,
      linkAddresses: ['tcp://10.0.0.1:1234'],
      sphinxPublicKeys: [generateX25519KeyPair().publicKey, generateX25519KeyPair().publicKey] as [Uint8Array, Uint8Array],
    };

    it('accepts a well-formed mix descriptor and signs it', () => {
      const sd = signDescriptor(createDescriptor(base), id);
      assert.equal(decodeSignedDescriptor(sd.encoded).descriptor.role, 'mix');
    });

    it('rejects bad link addresses', () => {
      assert.throws(() => createDescriptor({ ...base, linkAddresses: ['http://x:1'] }), { name: 'DescriptorError', reason: 'address' });
      assert.throws(() => createDescriptor({ ...base, linkAddresses: [] }), { name: 'DescriptorError', reason: 'address' });
    });

    it('rejects a provider without a client API URL and a mix with one', () => {
      assert.throws(() => createDescriptor({ ...base, role: 'provider' }), { name: 'DescriptorError', reason: 'address' });
      assert.throws(() => createDescriptor({ ...base, clientApiUrl: 'https://a.example' }), { name: 'DescriptorError', reason: 'address' });
    });

    it('rejects small-order, reused and mislabelled Sphinx keys', () => {
      assert.throws(() => createDescriptor({ ...base, sphinxPublicKeys: [new Uint8Array(32), base.sphinxPublicKeys[1]] }), { name: 'DescriptorError', reason: 'keys' });
      assert.throws(() => createDescriptor({ ...base, sphinxPublicKeys: [base.linkKey, base.sphinxPublicKeys[1]] }), { name: 'DescriptorError', reason: 'keys' });
      const d = createDescriptor(base);
      const wrongEpoch: Descriptor = { ...d, sphinxKeys: [d.sphinxKeys[0], { ...d.sphinxKeys[1], epoch: 9 }] };
      assert.throws(() => encodeDescriptorBody(wrongEpoch), { name: 'DescriptorError', reason: 'keys' });
    });

    it('refuses to sign with another identity key', () => {
      const other = new Ed25519Signer(generateIdentityKeyPair().privateKey);
      assert.throws(() => signDescriptor(createDescriptor(base), other), { name: 'AssertionError' });
    });
  });
});
