import { assertNumber } from './assert.js';
import { webcrypto } from 'node:crypto';

/**
 * A source of randomness. Simulation uses the seeded {@link Xoshiro128ss}; production uses
 * {@link cryptoRng}. Implementations must not allocate per call.
 */
export interface Rng {
  /** Uniform in [0, 1), 53 bits of resolution. */
  uniform(): number;
  /** Uniform integer in [0, n). n must be a positive integer below 2^32. */
  int(n: number): number;
  /** Exponential with the given rate (mean 1/rate), in the unit of 1/rate. */
  exponential(rate: number): number;
}

const TWO_POW_MINUS_32 = 2 ** -32;
const TWO_POW_MINUS_53 = 2 ** -53;

/** splitmix32 (Vigna): expands one 32-bit seed into well-mixed state words. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018):
 * 128-bit state, period 2^128 − 1, passes BigCrush; 32-bit output. Seeded through splitmix32 so
 * that nearby seeds give unrelated streams. Not cryptographic: simulation and tests only.
 */
export class Xoshiro128ss implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    assertNumber(seed, 'seed', { integer: true });
    // Fold seeds beyond 32 bits in so that 2^32 + 1 and 1 differ.
    const st = { s: (seed | 0) ^ Math.floor(seed / 2 ** 32) };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  /** Next 32-bit unsigned output. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  uniform(): number {
    // 53 bits: 21 high bits of one output and all 32 of the next.
    const hi = this.nextUint32() >>> 11;
    const lo = this.nextUint32();
    return (hi * 4294967296 + lo) * TWO_POW_MINUS_53;
  }

  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296)) assertNumber(n, 'n', { min: 1, max: 2 ** 32 });
    // Float multiply on 32 bits; the bias is below n / 2^32 (documented, fine for simulation).
    return Math.floor(this.nextUint32() * TWO_POW_MINUS_32 * n);
  }

  exponential(rate: number): number {
    if (!(rate > 0)) assertNumber(rate, 'rate', { min: 0, minExclusive: true });
    // Inversion: −ln(1 − U)/rate, with 1 − U in (0, 1] so the log is finite.
    return -Math.log(1 - this.uniform()) / rate;
  }

  /** A new generator whose seed is drawn from this one: independent sub-streams per component. */
  fork(): Xoshiro128ss {
    return new Xoshiro128ss(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Seeded fast PRNG (xoshiro128**). Same seed → same sequence on every platform. */
export function seededRng(seed: number): Xoshiro128ss {
  return new Xoshiro128ss(seed);
}

const CRYPTO_BATCH_WORDS = 1024;

/** An {@link Rng} over the OS CSPRNG (WebCrypto getRandomValues), refilled 4 KiB at a time. */
class CryptoRng implements Rng {
  private readonly buf = new Uint32Array(CRYPTO_BATCH_WORDS);
  private pos = CRYPTO_BATCH_WORDS;

  private next(): number {
    if (this.pos === CRYPTO_BATCH_WORDS) {
      webcrypto.getRandomValues(this.buf);
      this.pos = 0;
    }
    return this.buf[this.pos++];
  }

  uniform(): number {
    const hi = this.next() >>> 11;
    return (hi * 4294967296 + this.next()) * TWO_POW_MINUS_53;
  }

  int(n: number): number {
    assertNumber(n, 'n', { integer: true, min: 1, max: 2 ** 32 });
    // Rejection sampling: unbiased, as production code (e.g. path choice) must be.
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.next();
      if (x < limit) return x % n;
    }
  }

  exponential(rate: number): number {
    assertNumber(rate, 'rate', { min: 0, minExclusive: true });
    return -Math.log(1 - this.uniform()) / rate;
  }
}

/** The production random source: OS CSPRNG, batched. */
export function cryptoRng(): Rng {
  return new CryptoRng();
}
