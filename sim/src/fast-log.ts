/**
 * A table-driven natural logarithm with a proven absolute error, for the entropy sweeps' Σ m ln m
 * (one ln per entry of mass into a pool; Math.log costs ≈ 2× more in V8).
 *
 * x = 2^e · m with m ∈ [1, 2) (IEEE 754 binary64: e from the exponent bits, m = x·2^−e exactly).
 * The top FAST_LN_TABLE_BITS mantissa bits pick a cell [1 + i/N, 1 + (i+1)/N) whose midpoint c_i has
 * ln c_i and 1/c_i tabulated; r = m/c_i − 1 satisfies |r| ≤ 1/(2N) = 2^−12, and
 *   ln x = e·ln 2 + ln c_i + ln(1 + r),  ln(1 + r) ≈ r − r²/2 + r³/3,
 * whose truncation error is at most |r|⁴/(4(1 − |r|)) < 2.3e-16. The rounding of the table entries,
 * of r (a few ulps of 1) and of the sums (|ln x| ≤ 745, a few ulps of it) stays below 1e-12 for
 * every positive normal x, so {@link FAST_LN_MAX_ERROR} = 1e-12; zero, subnormal, infinite, negative
 * and NaN inputs fall back to Math.log (exact behaviour, same special values).
 */
export const FAST_LN_TABLE_BITS = 11;
/** Proven bound on |fastLn(x) − ln x| for every positive normal x (see above; tested on 3·10⁵ random inputs and the cell edges). */
export const FAST_LN_MAX_ERROR = 1e-12;

const N = 1 << FAST_LN_TABLE_BITS;
const SHIFT = 20 - FAST_LN_TABLE_BITS;
const INV_C = new Float64Array(N);
const LN_C = new Float64Array(N);
for (let i = 0; i < N; i++) {
  const c = 1 + (i + 0.5) / N;
  INV_C[i] = 1 / c;
  LN_C[i] = Math.log(c);
}
/** SCALE[b] = 2^(1023 − b): multiplies a number with biased exponent b into [1, 2) exactly. */
const SCALE = new Float64Array(2048);
for (let b = 1; b < 2047; b++) SCALE[b] = 2 ** (1023 - b);
// One shared view for the bit extraction (little-endian: word 1 holds sign, exponent, top mantissa).
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LN2 = Math.LN2;
const THIRD = 1 / 3;

/** ln x within {@link FAST_LN_MAX_ERROR} (absolute) for positive normal x; Math.log(x) otherwise. */
export function fastLn(x: number): number {
  F64[0] = x;
  const hi = U32[HI];
  const b = hi >>> 20; // sign bit set → b ≥ 2048
  if (b === 0 || b >= 2047) return Math.log(x);
  const i = (hi >>> SHIFT) & (N - 1);
  const r = x * SCALE[b] * INV_C[i] - 1;
  return (b - 1023) * LN2 + LN_C[i] + r * (1 - r * (0.5 - r * THIRD));
}
