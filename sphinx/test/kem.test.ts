import { strict as assert } from 'node:assert';
import { sha256 } from '@noble/hashes/sha2.js';
import { nativeBackend, portableBackend, publicKeyFromPrivate } from '../src/index.js';
import { kemCombine, kemDecapsulate, kemEncapsulate } from '../src/kem.js';
import { seededRandom, toHex } from './helpers.js';

describe('X25519 KEM adapter', () => {
  for (const b of [nativeBackend(), portableBackend()]) {
    it(`decapsulates to the encapsulated secret (${b.name})`, () => {
      const r = seededRandom(81);
      const sk = r(32);
      const pk = publicKeyFromPrivate(sk, b);
      const { ciphertext, sharedSecret } = kemEncapsulate(b, pk, b.importPoint(pk), r(32));
      assert.equal(ciphertext.length, 32);
      assert.equal(toHex(kemDecapsulate(b, b.importScalar(sk), pk, ciphertext)), toHex(sharedSecret));
    });
  }

  it('hashes label || len||ss || len||pk || len||ct with SHA-256', () => {
    const ss = new Uint8Array(32).fill(1);
    const pk = new Uint8Array(32).fill(2);
    const ct = new Uint8Array(32).fill(3);
    const len = [0, 0, 0, 32];
    const want = sha256(Uint8Array.from([...new TextEncoder().encode('kemadapter-sha256-v1'), ...len, ...ss, ...len, ...pk, ...len, ...ct]));
    assert.equal(toHex(kemCombine(nativeBackend(), ss, pk, ct)), toHex(want));
  });

  it('rejects a low-order ciphertext with reason key', () => {
    const b = nativeBackend();
    assert.throws(() => kemDecapsulate(b, b.importScalar(new Uint8Array(32).fill(5)), new Uint8Array(32), new Uint8Array(32)), {
      name: 'InvalidPacketError',
      reason: 'key',
    });
  });
});
