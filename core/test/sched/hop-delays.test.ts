import assert from 'node:assert/strict';
import { ksCriticalValue, ksOneSample, sampleHopDelays, seededRng } from '@strata/core/sched/index';

describe('sampleHopDelays', () => {
  it('draws Exp(μ) delays into the given array', () => {
    const rng = seededRng(21);
    const mu = 1 / 50;
    const all = new Float64Array(30000);
    const out = new Float64Array(3);
    for (let i = 0; i < 10000; i++) {
      const got = sampleHopDelays(mu, 3, rng, Infinity, out);
      assert.equal(got, out);
      all.set(out, 3 * i);
    }
    assert.ok(ksOneSample(all, (x) => 1 - Math.exp(-mu * x)) < ksCriticalValue(0.001, all.length));
  });

  it('clamps every delay at the cap', () => {
    const d = sampleHopDelays(0.001, 100, seededRng(2), 5);
    assert.equal(d.length, 100);
    assert.ok(d.every((x) => x <= 5));
  });

  it('rejects a zero rate and a short output array by name or type', () => {
    assert.throws(() => sampleHopDelays(0, 3, seededRng(1), 10), { name: 'SchedArgumentError' });
    assert.throws(() => sampleHopDelays(1, 3, seededRng(1), 10, new Float64Array(2)), RangeError);
  });
});
