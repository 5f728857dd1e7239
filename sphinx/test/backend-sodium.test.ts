// The libsodium X25519 glue on its own: what it accepts as a sodium-native module.
import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';
import { sha512_256 } from '@noble/hashes/sha2.js';
import { makeSha512_256Into, makeSodiumX25519, type SodiumNative } from '../src/backend-sodium.js';
import { loadSodiumX25519 } from '../src/backend-native.js';
import { seededRandom, toHex } from './helpers.js';

const sodium = loadSodiumX25519() ? (createRequire(import.meta.url)('sodium-native') as SodiumNative) : null;

describe('makeSodiumX25519', () => {
  it('returns null for a module without the expected functions or sizes, so the native backend keeps OpenSSL', () => {
    assert.equal(makeSodiumX25519({} as SodiumNative), null);
    assert.equal(makeSodiumX25519(null as unknown as SodiumNative), null);
    const f = () => {};
    const fake = { crypto_scalarmult: f, crypto_scalarmult_base: f, crypto_stream_chacha20: f, crypto_hash_sha256: f, crypto_hash_sha256_init: f, crypto_hash_sha256_update: f, crypto_hash_sha256_final: f, crypto_hash_sha256_STATEBYTES: 104 };
    const sizes = { crypto_scalarmult_BYTES: 32, crypto_scalarmult_SCALARBYTES: 32, crypto_stream_chacha20_NONCEBYTES: 8 };
    assert.notEqual(makeSodiumX25519({ ...fake, ...sizes }), null);
    assert.equal(makeSodiumX25519({ ...fake, ...sizes, crypto_stream_chacha20_NONCEBYTES: 12 }), null);
    assert.equal(makeSodiumX25519({ ...fake, ...sizes, crypto_hash_sha256_init: undefined } as unknown as SodiumNative), null);
  });
});

describe('makeSha512_256Into', () => {
  it('hashes SHA-512/256 on libsodium SHA-512 with the FIPS 180-4 initial value, for empty to multi-block inputs', function () {
    if (!sodium) this.skip();
    const fn = makeSha512_256Into(sodium!)!;
    assert.equal(typeof fn, 'function');
    const r = seededRandom(80);
    const out = new Uint8Array(32);
    for (const n of [0, 1, 32, 111, 112, 127, 128, 129, 3000]) {
      const data = r(n);
      fn(data, out);
      assert.equal(toHex(out), toHex(sha512_256(data)), `${n} bytes`);
    }
  });

  it('returns null when the SHA-512 state does not look as expected, so OpenSSL stays in use', () => {
    const f = () => {};
    const base = { crypto_hash_sha512_STATEBYTES: 208, crypto_hash_sha512_init: f, crypto_hash_sha512_update: f, crypto_hash_sha512_final: f } as unknown as SodiumNative;
    assert.equal(makeSha512_256Into(base), null); // hashes nothing: the "abc" self-test fails
    assert.equal(makeSha512_256Into({ ...base, crypto_hash_sha512_final: undefined } as unknown as SodiumNative), null);
    assert.equal(makeSha512_256Into({ ...base, crypto_hash_sha512_STATEBYTES: 8 } as unknown as SodiumNative), null);
  });
});
