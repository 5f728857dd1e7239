import { strict as assert } from 'node:assert';
import { x25519 } from '@noble/curves/ed25519.js';
import { clampedRepresentative, clampedScalarModL, mulModL } from '../src/scalar.js';
import { seededRandom, toHex } from './helpers.js';

describe('scalar folding', () => {
  it('gives one scalar whose X25519 equals the two-step chain, for every pair of scalars', () => {
    const r = seededRandom(90);
    let found = 0;
    for (let i = 0; i < 40; i++) {
      const a = r(32);
      const b = r(32);
      const P = x25519.getPublicKey(r(32));
      const k = clampedRepresentative(mulModL(clampedScalarModL(a), clampedScalarModL(b)));
      assert.ok(k, `pair ${i}`);
      found++;
      assert.equal(toHex(x25519.scalarMult(k, P)), toHex(x25519.scalarMult(b, x25519.scalarMult(a, P))));
      assert.equal(k[0] & 7, 0);
      assert.equal(k[31] & 0xc0, 0x40);
    }
    assert.equal(found, 40);
  });

  it('reduces a clamped scalar the way X25519 decodes it', () => {
    const k = new Uint8Array(32).fill(0xff);
    // clamp(0xff…ff) clears bits 0-2 and 255 and sets 254: 0x7fff…fff8
    const v = (2n ** 255n - 1n) & ~7n;
    assert.equal(clampedScalarModL(k), v % (2n ** 252n + 27742317777372353535851937790883648493n));
  });
});
