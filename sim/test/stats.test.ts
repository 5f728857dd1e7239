import assert from 'node:assert/strict';
import { ci95, erlangCdf, metricStat, quantileSorted } from '../src/stats.js';

describe('stats', () => {
  it('interpolates quantiles linearly', () => {
    assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  });

  it('gives a Student t interval over repetition means', () => {
    const [lo, hi] = ci95([1, 2, 3]) as [number, number];
    assert.ok(Math.abs(lo - (2 - 4.303 / Math.sqrt(3))) < 1e-9 && Math.abs(hi - (2 + 4.303 / Math.sqrt(3))) < 1e-9);
    assert.equal(ci95([1]), null);
  });

  it('pools samples and ignores non-finite ones', () => {
    const m = metricStat([Float64Array.of(1, NaN, 3), Float64Array.of(5)]);
    assert.equal(m.n, 3);
    assert.equal(m.mean, 3);
    assert.equal(m.median, 3);
  });

  it('matches the exponential CDF for Erlang(1)', () => {
    assert.ok(Math.abs(erlangCdf(1, 2, 1) - (1 - Math.exp(-2))) < 1e-12);
  });
});
