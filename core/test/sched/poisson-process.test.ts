import assert from 'node:assert/strict';
import { ksCriticalValue, ksOneSample, PoissonProcess, seededRng, VirtualClock } from '@strata/core/sched/index';

function ticks(seed: number, ratePerMs: number, untilMs: number): number[] {
  const clock = new VirtualClock();
  const out: number[] = [];
  const p = new PoissonProcess(clock, seededRng(seed), ratePerMs, (t) => out.push(t));
  p.start();
  clock.runUntil(untilMs);
  p.stop();
  return out;
}

describe('PoissonProcess', () => {
  it('ticks at the same times for the same seed', () => {
    assert.deepEqual(ticks(11, 0.01, 50_000), ticks(11, 0.01, 50_000));
  });

  it('spaces ticks by Exp(rate) (KS test)', () => {
    const t = ticks(12, 0.02, 500_000);
    const gaps = new Float64Array(t.length - 1);
    for (let i = 1; i < t.length; i++) gaps[i - 1] = t[i] - t[i - 1];
    assert.ok(gaps.length > 9000);
    assert.ok(ksOneSample(gaps, (x) => 1 - Math.exp(-0.02 * x)) < ksCriticalValue(0.001, gaps.length));
  });

  it('stops ticking when stopped and never ticks at rate zero', () => {
    const clock = new VirtualClock();
    let n = 0;
    const p = new PoissonProcess(clock, seededRng(1), 0, () => n++);
    p.start();
    clock.runUntil(1000);
    assert.equal(n, 0);
    p.setRate(1);
    p.start();
    clock.runUntil(2000);
    assert.ok(n > 500);
    p.stop();
    const before = n;
    clock.runUntil(3000);
    assert.equal(n, before);
  });

  it('rejects a negative rate by name', () => {
    assert.throws(() => new PoissonProcess(new VirtualClock(), seededRng(1), -1, () => {}), { name: 'SchedArgumentError' });
  });
});
