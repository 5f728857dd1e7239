import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { AES_KEY_WORDS, AES_LITTLE_ENDIAN, AES_OUT, AES_SBOX, aes10, aes4 } from '../src/aez-aes-round.js';

// Byte-oriented reference straight from FIPS-197 §5.1 (state as 16 bytes, column-major).
function gfMul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) p ^= a;
    const hi = a & 0x80;
    a = (a << 1) & 0xff;
    if (hi) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}

function referenceSbox(x: number): number {
  let inv = 0;
  for (let y = 1; y < 256 && x !== 0; y++) if (gfMul(x, y) === 1) inv = y;
  let s = 0x63;
  for (let i = 0; i < 8; i++) {
    // FIPS-197 eq. (5.1): b'_i = b_i ^ b_{i+4} ^ b_{i+5} ^ b_{i+6} ^ b_{i+7} ^ c_i
    const bit = ((inv >> i) ^ (inv >> ((i + 4) % 8)) ^ (inv >> ((i + 5) % 8)) ^ (inv >> ((i + 6) % 8)) ^ (inv >> ((i + 7) % 8))) & 1;
    s ^= bit << i;
  }
  return s;
}

function referenceRound(state: Uint8Array, roundKey: Uint8Array): Uint8Array {
  const sub = state.map((b) => referenceSbox(b));
  const shifted = new Uint8Array(16);
  for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) shifted[4 * c + r] = sub[4 * ((c + r) % 4) + r];
  const out = new Uint8Array(16);
  for (let c = 0; c < 4; c++) {
    const [a0, a1, a2, a3] = shifted.subarray(4 * c, 4 * c + 4);
    out[4 * c] = gfMul(a0, 2) ^ gfMul(a1, 3) ^ a2 ^ a3;
    out[4 * c + 1] = a0 ^ gfMul(a1, 2) ^ gfMul(a2, 3) ^ a3;
    out[4 * c + 2] = a0 ^ a1 ^ gfMul(a2, 2) ^ gfMul(a3, 3);
    out[4 * c + 3] = gfMul(a0, 3) ^ a1 ^ a2 ^ gfMul(a3, 2);
  }
  for (let i = 0; i < 16; i++) out[i] ^= roundKey[i];
  return out;
}

function words(bytes: Uint8Array): Int32Array {
  return new Int32Array(bytes.slice().buffer);
}

function runWords(f: typeof aes4, block: Uint8Array): Uint8Array {
  const w = words(block);
  f(w[0], w[1], w[2], w[3]);
  return new Uint8Array(AES_OUT.slice().buffer);
}

const block16 = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe('aez-aes-round', () => {
  it('runs on a little-endian platform', () => {
    assert.equal(AES_LITTLE_ENDIAN, true);
  });

  it('builds the FIPS-197 S-box (inverse in GF(2^8) then the affine map)', () => {
    for (let x = 0; x < 256; x++) assert.equal(AES_SBOX[x], referenceSbox(x), `S[${x}]`);
    assert.deepEqual([...AES_SBOX.subarray(0, 4)], [0x63, 0x7c, 0x77, 0x7b]); // FIPS-197 Fig. 7
    assert.equal(AES_SBOX[0x53], 0xed); // FIPS-197 §5.1.1 example
  });

  it('computes AES4 as four full rounds keyed J, I, L, 0', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), block16, (key, block) => {
        new Uint8Array(AES_KEY_WORDS.buffer).set(key);
        const [i, j, l] = [key.subarray(0, 16), key.subarray(16, 32), key.subarray(32, 48)];
        let want: Uint8Array = block;
        for (const rk of [j, i, l, new Uint8Array(16)]) want = referenceRound(want, rk);
        assert.deepEqual(runWords(aes4, block), want);
      }),
      { seed: 0x5eed4, numRuns: 40 },
    );
  });

  it('computes AES10 as ten full rounds keyed I, J, L, I, J, L, I, J, L, I', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), block16, (key, block) => {
        new Uint8Array(AES_KEY_WORDS.buffer).set(key);
        const [i, j, l] = [key.subarray(0, 16), key.subarray(16, 32), key.subarray(32, 48)];
        let want: Uint8Array = block;
        for (const rk of [i, j, l, i, j, l, i, j, l, i]) want = referenceRound(want, rk);
        assert.deepEqual(runWords(aes10, block), want);
      }),
      { seed: 0x5eed10, numRuns: 20 },
    );
  });
});
