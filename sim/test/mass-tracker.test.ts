import assert from 'node:assert/strict';
import { DeliveredMass, h2, MassTracker } from '../src/mass-tracker.js';

describe('MassTracker', () => {
  it('spreads a target’s mass uniformly over the pool at each departure and conserves it', () => {
    const m = new MassTracker(1);
    m.attach(0, 7, 1);
    m.merge(0, 0); // target joins an (adversary-visible) pool of 4
    const out = new DeliveredMass();
    const sizes = [4, 3, 2, 1];
    sizes.forEach((k, i) => {
      m.draw(0, 10 + i, k);
      const a = m.take(10 + i) as number[];
      assert.equal(a[0], 7);
      out.add(a[1]);
    });
    // Pool of 4 drained one by one: each departure is the target with probability 1/4.
    assert.ok(Math.abs(out.total - 1) < 1e-12);
    assert.ok(Math.abs(out.entropy() - 2) < 1e-12);
    assert.ok(Math.abs(out.minEntropy() - 2) < 1e-12);
  });

  it('leaves a packet without masses untouched', () => {
    const m = new MassTracker(2);
    m.merge(1, 3);
    m.draw(1, 4, 1);
    assert.equal(m.has(4), false);
  });
});

describe('h2', () => {
  it('is one bit at one half and zero at the ends', () => {
    assert.equal(h2(0.5), 1);
    assert.equal(h2(0), 0);
    assert.equal(h2(1), 0);
  });
});
