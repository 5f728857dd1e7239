import { strict as assert } from 'node:assert';
import { createCipheriv } from 'node:crypto';
import { CipherState } from '../../src/link/cipher-state.js';

const key = new Uint8Array(32).fill(9);
const EMPTY = new Uint8Array(0);

describe('CipherState', () => {
  it('uses a 32-bit zero prefix and a little-endian 64-bit counter as the ChaChaPoly nonce', () => {
    const c = new CipherState();
    c.initializeKey(key);
    c.encryptWithAd(EMPTY, EMPTY);
    const ct = c.encryptWithAd(EMPTY, Uint8Array.of(1, 2, 3)); // n = 1
    const nonce = Buffer.alloc(12);
    nonce[4] = 1;
    const ref = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    const want = Buffer.concat([ref.update(Uint8Array.of(1, 2, 3)), ref.final(), ref.getAuthTag()]);
    assert.deepEqual(Buffer.from(ct), want);
  });

  it('rekeys to the first 32 bytes of ENCRYPT(k, 2^64-1, empty, zeros) and keeps the nonce', () => {
    const c = new CipherState();
    c.initializeKey(key);
    c.encryptWithAd(EMPTY, EMPTY);
    c.rekey();
    const maxNonce = Buffer.from('00000000ffffffffffffffff', 'hex');
    const r = createCipheriv('chacha20-poly1305', key, maxNonce, { authTagLength: 16 });
    const newKey = r.update(new Uint8Array(32));
    const expected = new CipherState();
    expected.initializeKey(newKey);
    expected.encryptWithAd(EMPTY, EMPTY); // same nonce (1) as c
    assert.equal(c.nonce, 1);
    assert.deepEqual(c.encryptWithAd(EMPTY, Uint8Array.of(5)), expected.encryptWithAd(EMPTY, Uint8Array.of(5)));
  });

  it('rejects a ciphertext with one flipped bit and does not advance the nonce', () => {
    const a = new CipherState();
    const b = new CipherState();
    a.initializeKey(key);
    b.initializeKey(key);
    const ct = a.encryptWithAd(EMPTY, new Uint8Array(40));
    ct[3] ^= 1;
    assert.throws(() => b.decryptWithAd(EMPTY, ct), { name: 'AeadError' });
    assert.equal(b.nonce, 0);
  });

  it('rejects a ciphertext shorter than the tag', () => {
    const c = new CipherState();
    c.initializeKey(key);
    assert.throws(() => c.decryptWithAd(EMPTY, new Uint8Array(15)), { name: 'AeadError' });
  });

  it('passes data through unchanged before a key is set', () => {
    const c = new CipherState();
    assert.deepEqual(c.encryptWithAd(EMPTY, Uint8Array.of(1, 2)), Uint8Array.of(1, 2));
  });
});
