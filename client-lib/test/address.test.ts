import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeAddress, encodeAddress, MAX_ADDRESS_CHARS, type Address } from '../src/address.js';
import { identityFromSecrets } from '../src/identity.js';
import { seededBytes } from './helpers.js';

function sampleAddress(seed: number, url = 'https://provider.example:8443/strata'): Address {
  const id = identityFromSecrets(seededBytes(32, seed), seededBytes(32, seed + 1000));
  return { ed25519PublicKey: id.ed25519PublicKey, x25519PublicKey: id.x25519PublicKey, provider: { url, nodeId: seededBytes(32, seed + 2000) } };
}

describe('address', () => {
  it('encodes to a lowercase strata1 string that decodes to the same address', () => {
    const a = sampleAddress(1);
    const text = encodeAddress(a);
    assert.match(text, /^strata1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/);
    assert.ok(text.length <= MAX_ADDRESS_CHARS);
    assert.deepEqual(decodeAddress(text), a);
  });

  it('round-trips for any keys, node id and provider url', () => {
    const keys = [1, 2, 3, 4, 5].map((s) => sampleAddress(s));
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.webUrl({ withQueryParameters: false, withFragments: false }).filter((u) => u.length <= 200 && !u.includes('@')),
        (k, nodeId, url) => {
          const a: Address = { ...k, provider: { url, nodeId } };
          const back = decodeAddress(encodeAddress(a));
          assert.deepEqual(back.provider.nodeId, nodeId);
          assert.equal(back.provider.url, url);
          assert.deepEqual(back.ed25519PublicKey, k.ed25519PublicKey);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('accepts the all-uppercase form (as read from a QR code)', () => {
    const a = sampleAddress(2);
    assert.deepEqual(decodeAddress(encodeAddress(a).toUpperCase()), a);
  });

  it('detects any single changed character with a checksum error', () => {
    const text = encodeAddress(sampleAddress(3));
    const alphabet = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
    for (let i = 'strata1'.length; i < text.length; i += 7) {
      const c = alphabet[(alphabet.indexOf(text[i]) + 1) % 32];
      const typo = text.slice(0, i) + c + text.slice(i + 1);
      assert.throws(() => decodeAddress(typo), (e: Error & { reason?: string }) => e.name === 'AddressError' && (e.reason === 'checksum' || e.reason === 'charset'));
    }
  });

  it('names the cause of each malformed input', () => {
    const text = encodeAddress(sampleAddress(4));
    assert.throws(() => decodeAddress('nostrata' + text), { name: 'AddressError', reason: 'prefix' });
    assert.throws(() => decodeAddress(text.slice(0, 20) + 'b' + text.slice(21)), { name: 'AddressError', reason: 'charset' });
    assert.throws(() => decodeAddress('strata1qqqq'), { name: 'AddressError', reason: 'length' });
    assert.throws(() => decodeAddress(text + 'q'.repeat(MAX_ADDRESS_CHARS)), { name: 'AddressError', reason: 'length' });
    assert.throws(() => decodeAddress('Strata1' + text.slice(7)), { name: 'AddressError', reason: 'charset' });
    assert.throws(() => decodeAddress(42 as unknown as string), { name: 'AddressError' });
  });

  it('refuses to encode a provider url that is not http(s) or carries credentials', () => {
    assert.throws(() => encodeAddress(sampleAddress(5, 'ftp://x.example/')), { name: 'AddressError', reason: 'url' });
    assert.throws(() => encodeAddress(sampleAddress(5, 'https://u:p@x.example/')), { name: 'AddressError', reason: 'url' });
  });

  it('refuses an Ed25519 key that is not a valid point', () => {
    const a = sampleAddress(6);
    assert.throws(() => encodeAddress({ ...a, ed25519PublicKey: new Uint8Array(32) }), { name: 'AddressError', reason: 'key' });
    assert.throws(() => encodeAddress({ ...a, x25519PublicKey: new Uint8Array(32) }), { name: 'AddressError', reason: 'key' });
  });

  it('throws only AddressError for arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ maxLength: 250 }).map((s) => 'strata1' + s)), (s) => {
        try {
          decodeAddress(s);
        } catch (e) {
          assert.equal((e as Error).name, 'AddressError');
        }
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});
