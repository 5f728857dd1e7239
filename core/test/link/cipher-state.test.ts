import { strict as assert } from 'node:assert';
import { createCipheriv } from 'node:crypto';
import { availableAeadEngines, CipherState, defaultAeadEngine } from '../../src/link/cipher-state.js';

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

  it('opens into a caller buffer what decryptWithAd returns, and zeroes that buffer when the tag is wrong', () => {
    const a = new CipherState();
    const b = new CipherState();
    a.initializeKey(key);
    b.initializeKey(key);
    const pt = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
    const out = new Uint8Array(40);
    b.decryptWithAdInto(EMPTY, a.encryptWithAd(EMPTY, pt), out);
    assert.deepEqual(out, pt);
    const bad = a.encryptWithAd(EMPTY, pt);
    bad[bad.length - 1] ^= 1;
    out.fill(7);
    assert.throws(() => b.decryptWithAdInto(EMPTY, bad, out), { name: 'AeadError' });
    assert.ok(out.every((x) => x === 0));
    assert.throws(() => b.decryptWithAdInto(EMPTY, a.encryptWithAd(EMPTY, pt), new Uint8Array(39)), { name: 'AssertionError' });
    assert.throws(() => new CipherState().decryptWithAdInto(EMPTY, new Uint8Array(56), out), { name: 'AssertionError' });
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

  it('prefers libsodium when sodium-native loads and names the engine it uses', () => {
    const engines = availableAeadEngines();
    assert.ok(engines.includes('openssl'));
    assert.equal(defaultAeadEngine(), engines[0]);
    assert.equal(new CipherState().engineName, engines[0]);
    assert.equal(new CipherState('openssl').engineName, 'openssl');
  });

  it('refuses an unknown engine name', () => {
    assert.throws(() => new CipherState('aes' as 'openssl'), { name: 'AssertionError' });
  });

  for (const engine of availableAeadEngines()) {
    describe(`on ${engine}`, () => {
      it('seals exactly what OpenSSL seals, with and without associated data, across a rekey', () => {
        const a = new CipherState(engine);
        const ref = new CipherState('openssl');
        a.initializeKey(key);
        ref.initializeKey(key);
        const ad = Uint8Array.of(7, 7, 7);
        for (const [i, len] of [0, 1, 64, 3084].entries()) {
          const pt = new Uint8Array(len).map((_, j) => (j * 31 + i) & 0xff);
          assert.deepEqual(a.encryptWithAd(i % 2 ? ad : EMPTY, pt), ref.encryptWithAd(i % 2 ? ad : EMPTY, pt));
        }
        a.rekey();
        ref.rekey();
        assert.deepEqual(a.encryptWithAd(EMPTY, Uint8Array.of(5)), ref.encryptWithAd(EMPTY, Uint8Array.of(5)));
      });

      it('seals into a caller buffer what encryptWithAd returns', () => {
        const a = new CipherState(engine);
        const b = new CipherState(engine);
        a.initializeKey(key);
        b.initializeKey(key);
        const pt = new Uint8Array(100).fill(3);
        const out = new Uint8Array(116);
        a.encryptWithAdInto(EMPTY, pt, out);
        assert.deepEqual(out, b.encryptWithAd(EMPTY, pt));
        assert.equal(a.nonce, 1);
        assert.throws(() => a.encryptWithAdInto(EMPTY, pt, new Uint8Array(115)), { name: 'AssertionError' });
      });

      it('opens what the other engine sealed and rejects a flipped tag bit', () => {
        for (const other of availableAeadEngines()) {
          const s = new CipherState(other);
          const r = new CipherState(engine);
          s.initializeKey(key);
          r.initializeKey(key);
          const pt = new Uint8Array(3084).fill(0x5a);
          const ct = s.encryptWithAd(EMPTY, pt);
          assert.deepEqual(r.decryptWithAd(EMPTY, ct), pt);
          const bad = s.encryptWithAd(EMPTY, pt);
          bad[bad.length - 1] ^= 0x80;
          assert.throws(() => r.decryptWithAd(EMPTY, bad), { name: 'AeadError' });
          assert.equal(r.nonce, 1);
        }
      });
    });
  }
});
