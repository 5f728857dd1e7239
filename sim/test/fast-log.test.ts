import assert from 'node:assert/strict';
import { seededRng } from '@strata/core/sched/index';
import { FAST_LN_MAX_ERROR, fastLn } from '../src/fast-log.js';

describe('fastLn', () => {
  it('stays within its stated error of Math.log on 300,000 positive normal numbers of every magnitude', () => {
    const rng = seededRng(17);
    let worst = 0;
    for (let i = 0; i < 300_000; i++) {
      // Uniform in the exponent over the whole normal range, uniform mantissa.
      const x = (1 + rng.uniform()) * 2 ** (rng.int(2046) - 1022);
      worst = Math.max(worst, Math.abs(fastLn(x) - Math.log(x)));
    }
    assert.ok(worst <= FAST_LN_MAX_ERROR, `worst ${worst}`);
  });

  it('is within its error at the table cell edges and the masses the sweeps see', () => {
    for (const x of [1, 2, 0.5, 1 + 2 ** -11, 2 - 2 ** -52, 1e-6, 1e-300, 3e300, Number.MIN_VALUE * 2 ** 52, Number.MAX_VALUE]) {
      assert.ok(Math.abs(fastLn(x) - Math.log(x)) <= FAST_LN_MAX_ERROR, `x = ${x}`);
    }
  });

  it('falls back to Math.log for zero, subnormal, negative, infinite and NaN inputs', () => {
    for (const x of [0, 5e-324, 1e-310, -1, -0, Infinity, -Infinity, NaN]) {
      assert.ok(Object.is(fastLn(x), Math.log(x)), `x = ${x}`);
    }
  });
});
