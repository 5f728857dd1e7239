import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { VECTORS_DIR } from './helpers.js';
import {
  AEZ_KEY_BYTES,
  AezAuthenticationError,
  aezDecrypt,
  aezDecryptInto,
  aezEncrypt,
  aezEncryptInto,
} from '../src/aez.js';

/** The pure-JS npm `aez` package (a port of the same Go/C code): an independent cross-check. */
interface NpmAez {
  encrypt(key: Buffer, nonce: Buffer, ad: Buffer[], tau: number, plaintext: Buffer): Buffer;
  decrypt(key: Buffer, nonce: Buffer, ad: Buffer[], tau: number, ciphertext: Buffer): Buffer | null;
}
const npmAez = createRequire(import.meta.url)('aez') as NpmAez;

interface SprpVector {
  name: string;
  key_hex: string;
  iv_hex: string;
  plaintext_hex: string;
  ciphertext_hex: string;
}
const VECTORS_PATH = `${VECTORS_DIR}/primitives/sprp_aez.json`;
const vectors = (JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { vectors: SprpVector[] }).vectors;

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const buf = (b: Uint8Array) => Buffer.from(b);

/** Deterministic filler (no Math.random in tests). */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const KEY = pattern(AEZ_KEY_BYTES, 1);
const NONCE = pattern(16, 2);

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const c = b.slice();
  c[bit >>> 3] ^= 1 << (bit & 7);
  return c;
}

/** Number of aligned 16-byte blocks in which a and b are equal. */
function equalBlocks(a: Uint8Array, b: Uint8Array): number {
  let same = 0;
  for (let off = 0; off + 16 <= a.length; off += 16) {
    if (toHex(a.subarray(off, off + 16)) === toHex(b.subarray(off, off + 16))) same++;
  }
  return same;
}

function expectAuthError(f: () => unknown): void {
  assert.throws(f, (e: Error) => e.name === 'AezAuthenticationError' && e instanceof AezAuthenticationError);
}

function expectArgError(f: () => unknown, path: string): void {
  assert.throws(f, (e: Error & { path?: string }) => e.name === 'SphinxArgumentError' && e.path === path);
}

describe('aez', () => {
  describe('Katzenpost sprp_aez vectors', () => {
    it('has one vector for each length the file promises', () => {
      assert.deepEqual(
        vectors.map((v) => v.plaintext_hex.length / 2),
        [0, 1, 15, 16, 17, 31, 32, 33, 48, 64, 100, 1024],
      );
    });
    for (const v of vectors) {
      it(`encrypts ${v.name} to the expected ciphertext`, () => {
        assert.equal(toHex(aezEncrypt(hex(v.key_hex), hex(v.iv_hex), hex(v.plaintext_hex))), v.ciphertext_hex);
      });
      it(`decrypts ${v.name} to the expected plaintext`, () => {
        assert.equal(toHex(aezDecrypt(hex(v.key_hex), hex(v.iv_hex), hex(v.ciphertext_hex))), v.plaintext_hex);
      });
      it(`gives the same bytes through the in-place variants for ${v.name}`, () => {
        const data = hex(v.plaintext_hex);
        aezEncryptInto(hex(v.key_hex), hex(v.iv_hex), data, data);
        assert.equal(toHex(data), v.ciphertext_hex);
        aezDecryptInto(hex(v.key_hex), hex(v.iv_hex), data, data);
        assert.equal(toHex(data), v.plaintext_hex);
      });
    }
  });

  describe('agreement with the npm aez package', () => {
    it('agrees on every length 0..96 with tau 0 (AEZ-tiny, AEZ-core and every fragment size)', () => {
      for (let n = 0; n <= 96; n++) {
        const m = pattern(n, 100 + n);
        const want = npmAez.encrypt(buf(KEY), buf(NONCE), [], 0, buf(m));
        const got = aezEncrypt(KEY, NONCE, m);
        assert.equal(toHex(got), want.toString('hex'), `length ${n}`);
        assert.equal(toHex(aezDecrypt(KEY, NONCE, got)), toHex(m), `length ${n}`);
      }
    });

    it('agrees on random lengths up to 4000 bytes, tau 0 or 16, with random nonces, keys and AD', () => {
      const input = fc.record({
        key: fc.oneof(
          fc.uint8Array({ minLength: 48, maxLength: 48 }),
          fc.uint8Array({ minLength: 0, maxLength: 80 }),
        ),
        nonce: fc.uint8Array({ minLength: 0, maxLength: 40 }),
        ad: fc.array(fc.uint8Array({ minLength: 0, maxLength: 70 }), { maxLength: 3 }),
        tau: fc.constantFrom(0, 16),
        length: fc.integer({ min: 0, max: 4000 }),
        seed: fc.integer({ min: 1, max: 0x7fffffff }),
      });
      fc.assert(
        fc.property(input, ({ key, nonce, ad, tau, length, seed }) => {
          const m = pattern(length, seed);
          const want = npmAez.encrypt(buf(key), buf(nonce), ad.map(buf), tau, buf(m));
          const got = aezEncrypt(key, nonce, m, tau, ad);
          assert.equal(toHex(got), want.toString('hex'));
          const back = npmAez.decrypt(buf(key), buf(nonce), ad.map(buf), tau, buf(got));
          assert.ok(back !== null);
          assert.equal(back.toString('hex'), toHex(m));
        }),
        { seed: 0xae2, numRuns: 150 },
      );
    });

    it('agrees on long nonces and AD strings (more than 8 blocks each) and on other tau values', () => {
      const input = fc.record({
        nonce: fc.uint8Array({ minLength: 0, maxLength: 300 }),
        ad: fc.array(fc.uint8Array({ minLength: 100, maxLength: 400 }), { minLength: 1, maxLength: 3 }),
        tau: fc.constantFrom(1, 15, 33, 100),
        length: fc.integer({ min: 0, max: 300 }),
      });
      fc.assert(
        fc.property(input, ({ nonce, ad, tau, length }) => {
          const m = pattern(length, length + 1);
          const want = npmAez.encrypt(buf(KEY), buf(nonce), ad.map(buf), tau, buf(m));
          assert.equal(toHex(aezEncrypt(KEY, nonce, m, tau, ad)), want.toString('hex'));
          assert.equal(toHex(aezDecrypt(KEY, nonce, Uint8Array.from(want), tau, ad)), toHex(m));
        }),
        { seed: 0x10a6, numRuns: 60 },
      );
    });

    it('agrees on a message longer than the retained scratch buffer', () => {
      const m = pattern(70_001, 7);
      const want = npmAez.encrypt(buf(KEY), buf(NONCE), [], 0, buf(m));
      const got = aezEncrypt(KEY, NONCE, m);
      assert.equal(toHex(got), want.toString('hex'));
      assert.equal(toHex(aezDecrypt(KEY, NONCE, got)), toHex(m));
    });
  });

  describe('aezDecrypt', () => {
    it('inverts aezEncrypt for any message, tau, nonce and AD', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 0, maxLength: 600 }),
          fc.integer({ min: 0, max: 40 }),
          fc.uint8Array({ minLength: 0, maxLength: 24 }),
          fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
          (m, tau, nonce, ad) => {
            const c = aezEncrypt(KEY, nonce, m, tau, ad);
            assert.equal(c.length, m.length + tau);
            assert.deepEqual(aezDecrypt(KEY, nonce, c, tau, ad), m);
          },
        ),
        { seed: 0xdec, numRuns: 300 },
      );
    });

    it('garbles every block of the plaintext when one ciphertext bit flips (tau 0)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 32, max: 3100 }), fc.nat(), (length, bitSeed) => {
          const m = pattern(length, length);
          const c = aezEncrypt(KEY, NONCE, m);
          const bit = bitSeed % (length * 8);
          const garbled = aezDecrypt(KEY, NONCE, flipBit(c, bit));
          assert.equal(equalBlocks(garbled, m), 0, `length ${length}, bit ${bit}`);
        }),
        { seed: 0xb17, numRuns: 120 },
      );
    });

    it('garbles every block of the 3050-byte Sphinx payload whichever bit of it flips', () => {
      const m = pattern(3050, 3050);
      const c = aezEncrypt(KEY, NONCE, m);
      for (const bit of [0, 7, 8 * 16, 8 * 1500 + 3, 8 * 3008, 8 * 3017 + 7, 8 * 3018, 8 * 3049 + 7]) {
        assert.equal(equalBlocks(aezDecrypt(KEY, NONCE, flipBit(c, bit)), m), 0, `bit ${bit}`);
      }
    });

    it('changes every ciphertext block when one plaintext bit flips', () => {
      const m = pattern(3050, 9);
      const c = aezEncrypt(KEY, NONCE, m);
      for (const bit of [0, 8 * 1024 + 1, 8 * 3049 + 7]) {
        assert.equal(equalBlocks(aezEncrypt(KEY, NONCE, flipBit(m, bit)), c), 0, `bit ${bit}`);
      }
    });

    it('depends on every key and nonce byte', () => {
      const m = pattern(100, 5);
      const c = aezEncrypt(KEY, NONCE, m);
      for (let i = 0; i < KEY.length; i++) assert.notEqual(toHex(aezEncrypt(flipBit(KEY, 8 * i), NONCE, m)), toHex(c));
      for (let i = 0; i < NONCE.length; i++) assert.notEqual(toHex(aezEncrypt(KEY, flipBit(NONCE, 8 * i), m)), toHex(c));
    });

    it('rejects a tampered ciphertext with tau 16 with AezAuthenticationError', () => {
      for (const length of [0, 1, 20, 31, 32, 100, 3050]) {
        const m = pattern(length, 11);
        const c = aezEncrypt(KEY, NONCE, m, 16, [pattern(5, 1)]);
        expectAuthError(() => aezDecrypt(KEY, NONCE, flipBit(c, 3), 16, [pattern(5, 1)]));
        expectAuthError(() => aezDecrypt(KEY, NONCE, flipBit(c, c.length * 8 - 1), 16, [pattern(5, 1)]));
      }
    });

    it('rejects the right ciphertext under a different nonce, AD or tau', () => {
      const ad = [pattern(7, 3)];
      const c = aezEncrypt(KEY, NONCE, pattern(64, 4), 16, ad);
      expectAuthError(() => aezDecrypt(KEY, flipBit(NONCE, 0), c, 16, ad));
      expectAuthError(() => aezDecrypt(KEY, NONCE, c, 16, [flipBit(ad[0], 0)]));
      expectAuthError(() => aezDecrypt(KEY, NONCE, c, 16, []));
      expectAuthError(() => aezDecrypt(KEY, NONCE, c, 16, [ad[0], new Uint8Array(0)]));
      expectAuthError(() => aezDecrypt(KEY, NONCE, c, 15, ad));
    });

    it('rejects a ciphertext shorter than tau with AezAuthenticationError', () => {
      expectAuthError(() => aezDecrypt(KEY, NONCE, new Uint8Array(15), 16));
      expectAuthError(() => aezDecrypt(KEY, NONCE, new Uint8Array(0), 1));
    });

    it('authenticates an empty message by its tau-byte tag alone', () => {
      const tag = aezEncrypt(KEY, NONCE, new Uint8Array(0), 40);
      assert.equal(tag.length, 40);
      assert.equal(aezDecrypt(KEY, NONCE, tag, 40).length, 0);
      expectAuthError(() => aezDecrypt(KEY, NONCE, flipBit(tag, 319), 40));
    });

    it('returns an empty plaintext for an empty ciphertext with tau 0', () => {
      assert.equal(aezDecrypt(KEY, NONCE, new Uint8Array(0)).length, 0);
      assert.equal(aezEncrypt(KEY, NONCE, new Uint8Array(0)).length, 0);
    });
  });

  describe('aezEncryptInto and aezDecryptInto', () => {
    it('match aezEncrypt / aezDecrypt from and to unaligned views', () => {
      for (const length of [1, 17, 31, 32, 33, 63, 3050]) {
        const m = pattern(length, 21);
        const want = aezEncrypt(KEY, NONCE, m);
        const backing = new Uint8Array(length + 3);
        const src = backing.subarray(1, 1 + length);
        src.set(m);
        const dst = new Uint8Array(length + 5).subarray(3, 3 + length);
        aezEncryptInto(KEY, NONCE, src, dst);
        assert.equal(toHex(dst), toHex(want), `length ${length}`);
        aezDecryptInto(KEY, NONCE, dst, src);
        assert.equal(toHex(src), toHex(m), `length ${length}`);
      }
    });

    it('work in place and on overlapping views', () => {
      const m = pattern(3050, 22);
      const want = aezEncrypt(KEY, NONCE, m);
      const backing = new Uint8Array(3060);
      backing.set(m, 0);
      // dst starts 10 bytes after src inside the same buffer
      aezEncryptInto(KEY, NONCE, backing.subarray(0, 3050), backing.subarray(10, 3060));
      assert.equal(toHex(backing.subarray(10, 3060)), toHex(want));
      aezDecryptInto(KEY, NONCE, backing.subarray(10, 3060), backing.subarray(10, 3060));
      assert.equal(toHex(backing.subarray(10, 3060)), toHex(m));
    });

    it('accept a Buffer as input and output', () => {
      const m = Buffer.from(pattern(200, 23));
      const out = Buffer.alloc(200);
      aezEncryptInto(Buffer.from(KEY), Buffer.from(NONCE), m, out);
      assert.equal(out.toString('hex'), toHex(aezEncrypt(KEY, NONCE, m)));
    });
  });

  describe('argument checks', () => {
    it('rejects a key, nonce or message that is not a Uint8Array', () => {
      expectArgError(() => aezEncrypt('k' as unknown as Uint8Array, NONCE, new Uint8Array(1)), 'aezEncrypt.key');
      expectArgError(() => aezDecrypt(KEY, [1, 2] as unknown as Uint8Array, new Uint8Array(1)), 'aezDecrypt.nonce');
      expectArgError(() => aezEncrypt(KEY, NONCE, null as unknown as Uint8Array), 'aezEncrypt.plaintext');
      expectArgError(() => aezDecrypt(KEY, NONCE, undefined as unknown as Uint8Array), 'aezDecrypt.ciphertext');
    });

    it('rejects a negative, fractional or oversized tau', () => {
      expectArgError(() => aezEncrypt(KEY, NONCE, new Uint8Array(1), -1), 'aezEncrypt.tau');
      expectArgError(() => aezEncrypt(KEY, NONCE, new Uint8Array(1), 1.5), 'aezEncrypt.tau');
      expectArgError(() => aezDecrypt(KEY, NONCE, new Uint8Array(1), 2 ** 29), 'aezDecrypt.tau');
      expectArgError(() => aezDecrypt(KEY, NONCE, new Uint8Array(1), '16' as unknown as number), 'aezDecrypt.tau');
    });

    it('rejects AD that is not an array of Uint8Array', () => {
      expectArgError(() => aezEncrypt(KEY, NONCE, new Uint8Array(1), 0, 'ad' as unknown as Uint8Array[]), 'aezEncrypt.ad');
      expectArgError(() => aezEncrypt(KEY, NONCE, new Uint8Array(1), 0, [KEY, 'x' as unknown as Uint8Array]), 'aezEncrypt.ad[1]');
    });

    it('rejects a dst whose length differs from src in the in-place variants', () => {
      expectArgError(() => aezEncryptInto(KEY, NONCE, new Uint8Array(40), new Uint8Array(39)), 'aezEncryptInto.dst');
      expectArgError(() => aezDecryptInto(KEY, NONCE, new Uint8Array(40), {} as Uint8Array), 'aezDecryptInto.dst');
    });
  });
});
