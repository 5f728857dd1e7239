// The libsodium X25519 glue on its own: what it accepts as a sodium-native module.
import { strict as assert } from 'node:assert';
import { makeSodiumX25519, type SodiumNative } from '../src/backend-sodium.js';

describe('makeSodiumX25519', () => {
  it('returns null for a module without the expected functions or sizes, so the native backend keeps OpenSSL', () => {
    assert.equal(makeSodiumX25519({} as SodiumNative), null);
    assert.equal(makeSodiumX25519(null as unknown as SodiumNative), null);
    const fake = { crypto_scalarmult: () => {}, crypto_scalarmult_base: () => {}, crypto_stream_chacha20: () => {}, crypto_hash_sha256: () => {} };
    assert.equal(makeSodiumX25519({ ...fake, crypto_scalarmult_BYTES: 32, crypto_scalarmult_SCALARBYTES: 32, crypto_stream_chacha20_NONCEBYTES: 12 }), null);
  });
});
