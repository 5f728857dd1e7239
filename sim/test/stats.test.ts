import assert from 'node:assert/strict';
import { bootstrapCi95, ci95, erlangCdf, metricStat, quantileSorted } from '../src/stats.js';

describe('stats', () => {
  it('interpolates quantiles linearly', () => {
    assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  });

  it('gives a Student t interval over repetition means', () => {
    const [lo, hi] = ci95([1, 2, 3]) as [number, number];
    assert.ok(Math.abs(lo - (2 - 4.303 / Math.sqrt(3))) < 1e-9 && Math.abs(hi - (2 + 4.303 / Math.sqrt(3))) < 1e-9);
    assert.equal(ci95([1]), null);
  });

  it('gives a bootstrap interval that stays inside the non-negative repetition means', () => {
    // A skewed non-negative metric (ε): the t-interval goes below zero, the bootstrap does not.
    const v = [0.01, 0.02, 0.01, 0.9, 0.03];
    assert.ok((ci95(v) as [number, number])[0] < 0);
    const [lo, hi] = bootstrapCi95(v) as [number, number];
    assert.ok(lo >= 0.01 && hi <= 0.9 && lo < hi, `${lo} ${hi}`);
    assert.deepEqual(bootstrapCi95(v), [lo, hi]);
    assert.equal(bootstrapCi95([1]), null);
    assert.equal(metricStat(v.map((x) => Float64Array.of(x)), false, 'bootstrap').ciMethod, 'bootstrap');
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
