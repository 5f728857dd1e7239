import { strict as assert } from 'node:assert';
import { identityKeyOf } from '../../src/testnet/up.js';

describe('identityKeyOf', () => {
  it('reads a provider identity key given in hex or base64 and refuses anything else', () => {
    const hex = '0f'.repeat(32);
    assert.equal(identityKeyOf({ provider: { identityKey: hex } }), hex);
    assert.equal(identityKeyOf({ provider: { identityKey: Buffer.from(hex, 'hex').toString('base64') } }), hex);
    for (const bad of [undefined, {}, { provider: {} }, { provider: { identityKey: 'ab' } }, { provider: { identityKey: 7 } }]) {
      assert.equal(identityKeyOf(bad), undefined);
    }
  });
});
