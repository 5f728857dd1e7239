import { strict as assert } from 'node:assert';
import { encodeCanonicalMap } from '../src/cbor.js';
import { toHex } from './helpers.js';

describe('canonical CBOR', () => {
  it('orders keys shortest first, then bytewise, with shortest integer encodings (RFC 7049 §3.9)', () => {
    // {"a": 1, "b": "x", "aa": 24, "ab": 256, "c": 65536}
    const enc = encodeCanonicalMap({ aa: 24, c: 65536, b: 'x', ab: 256, a: 1 });
    assert.equal(toHex(enc), 'a5' + '616101' + '61626178' + '61631a00010000' + '6261611818' + '626162190100');
  });
  it('encodes the empty string and an empty map', () => {
    assert.equal(toHex(encodeCanonicalMap({})), 'a0');
    assert.equal(toHex(encodeCanonicalMap({ k: '' })), 'a1616b60');
  });
});
