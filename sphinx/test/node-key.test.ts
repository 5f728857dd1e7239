import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import { generateNodeKeyPair, nativeBackend, portableBackend, prepareNodeKey, publicKeyFromPrivate } from '../src/index.js';
import { hex, loadJson, toHex } from './helpers.js';

const vectors = loadJson<{ Nodes: { PrivateKey: string }[]; Path: { PublicKey: string }[] }[]>('sphinx_vectors.json');

describe('node keys', () => {
  it('derive the public keys of the Katzenpost vectors with both backends', () => {
    for (const b of [nativeBackend(), portableBackend()]) {
      for (const [i, n] of vectors[4].Nodes.entries()) {
        assert.equal(toHex(publicKeyFromPrivate(hex(n.PrivateKey), b)), vectors[4].Path[i].PublicKey);
        assert.equal(toHex(prepareNodeKey(hex(n.PrivateKey), b).publicKey), vectors[4].Path[i].PublicKey);
      }
    }
  });

  it('generate 32-byte key pairs whose public key matches the private key', () => {
    for (const b of [nativeBackend(), portableBackend()]) {
      const kp = generateNodeKeyPair(b);
      assert.equal(kp.privateKey.length, 32);
      assert.equal(toHex(kp.publicKey), toHex(publicKeyFromPrivate(kp.privateKey, b)));
    }
  });

  it('never show the private key when printed or serialised', () => {
    const priv = hex(vectors[0].Nodes[0].PrivateKey);
    const k = prepareNodeKey(priv);
    assert.ok(!inspect(k, { showHidden: true, depth: 5 }).includes(vectors[0].Nodes[0].PrivateKey));
    assert.ok(!JSON.stringify(k).includes(vectors[0].Nodes[0].PrivateKey));
    assert.ok(!Object.keys(k).includes('scalar'));
  });

  it('refuse private keys of the wrong length or type', () => {
    assert.throws(() => prepareNodeKey(new Uint8Array(31)), { name: 'SphinxArgumentError', path: 'privateKey' });
    assert.throws(() => prepareNodeKey('00' as unknown as Uint8Array), { name: 'SphinxArgumentError', path: 'privateKey' });
    assert.throws(() => prepareNodeKey(new Uint8Array(32), {} as never), { name: 'SphinxArgumentError', path: 'backend' });
  });
});
