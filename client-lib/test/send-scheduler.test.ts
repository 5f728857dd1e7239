import assert from 'node:assert/strict';
import { ksCriticalValue, ksOneSample, ksTwoSample, seededRng, VirtualClock } from '@strata/core/sched/index';
import { SendScheduler, type SendKind } from '../src/send-scheduler.js';

const RATES = { lambdaPPerS: 4, lambdaLPerS: 1, lambdaDPerS: 1 };
const TOTAL_PER_MS = 6 / 1000;

interface Emission {
  t: number;
  kind: SendKind;
  message: number | undefined;
}

/** Runs a scheduler for durationMs; realEveryMs > 0 enqueues a real message at that period. */
function run(seed: number, durationMs: number, realEveryMs = 0): Emission[] {
  const clock = new VirtualClock();
  const out: Emission[] = [];
  const s = new SendScheduler<number>(clock, seededRng(seed), RATES, (ev) =>
    out.push({ t: ev.atMs, kind: ev.kind, message: ev.message }),
  );
  s.start();
  if (realEveryMs > 0) {
    let n = 0;
    const feed = (): void => {
      s.enqueue(n++);
      if (clock.now() + realEveryMs < durationMs) clock.schedule(clock.now() + realEveryMs, feed);
    };
    clock.schedule(realEveryMs, feed);
  }
  clock.runUntil(durationMs);
  s.stop();
  return out;
}

describe('SendScheduler', () => {
  it('emits the same sequence for the same seed', () => {
    assert.deepEqual(run(5, 60_000, 700), run(5, 60_000, 700));
  });

  it('spaces emissions by Exp(λP+λL+λD) (KS test)', () => {
    const ev = run(6, 2_000_000);
    const gaps = new Float64Array(ev.length - 1);
    for (let i = 1; i < ev.length; i++) gaps[i - 1] = ev[i].t - ev[i - 1].t;
    assert.ok(gaps.length > 10_000);
    assert.ok(ksOneSample(gaps, (x) => 1 - Math.exp(-TOTAL_PER_MS * x)) < ksCriticalValue(0.001, gaps.length));
  });

  it('emits the same time distribution with and without real traffic (two-sample KS)', () => {
    const gapsOf = (ev: Emission[]): Float64Array => {
      const g = new Float64Array(ev.length - 1);
      for (let i = 1; i < ev.length; i++) g[i - 1] = ev[i].t - ev[i - 1].t;
      return g;
    };
    const idle = run(7, 1_000_000);
    const busy = run(8, 1_000_000, 400); // 2.5 real msg/s under λP = 4/s
    assert.ok(busy.filter((e) => e.kind === 'real').length > 2000);
    const a = gapsOf(idle);
    const b = gapsOf(busy);
    assert.ok(ksTwoSample(a, b) < ksCriticalValue(0.001, a.length, b.length));
  });

  it('sends the payload stream as real when queued and as drop otherwise, preserving order', () => {
    const ev = run(9, 200_000, 400);
    const reals = ev.filter((e) => e.kind === 'real').map((e) => e.message as number);
    assert.deepEqual(reals, reals.map((_, i) => i));
    const loops = ev.filter((e) => e.kind === 'loop').length;
    const drops = ev.filter((e) => e.kind === 'drop').length;
    // Expected: 200 s × 1/s loops; drops = λD + λP slots not used by real traffic.
    assert.ok(loops > 140 && loops < 260, `loops ${loops}`);
    assert.ok(drops > reals.length * 0.2, `drops ${drops}`);
  });

  it('reports the destination kinds in the same proportions with and without real traffic', () => {
    const share = (ev: Emission[]): number => ev.filter((e) => e.kind === 'loop').length / ev.length;
    const idle = share(run(10, 1_000_000));
    const busy = share(run(11, 1_000_000, 400));
    // A loop is 1/6 of the stream either way (binomial sd ≈ 0.0015 at n ≈ 6000).
    assert.ok(Math.abs(idle - 1 / 6) < 0.01 && Math.abs(busy - 1 / 6) < 0.01, `${idle} ${busy}`);
  });

  it('refuses to queue beyond maxQueue with SendQueueFullError', () => {
    const s = new SendScheduler<number>(new VirtualClock(), seededRng(1), { ...RATES, maxQueue: 2 }, () => {});
    s.enqueue(1);
    s.enqueue(2);
    assert.throws(() => s.enqueue(3), { name: 'SendQueueFullError', reason: 'queue_full' });
    assert.equal(s.queued, 2);
  });

  it('rejects a negative rate by name', () => {
    assert.throws(
      () => new SendScheduler(new VirtualClock(), seededRng(1), { ...RATES, lambdaLPerS: -1 }, () => {}),
      { name: 'InvalidArgumentError' },
    );
  });

  it('switches to new rates from now on (a new consensus), and starts a stream whose rate was zero', () => {
    const clock = new VirtualClock();
    const out: Emission[] = [];
    const s = new SendScheduler<number>(clock, seededRng(9), { lambdaPPerS: 0, lambdaLPerS: 0, lambdaDPerS: 0 }, (ev) => out.push({ t: ev.atMs, kind: ev.kind, message: ev.message }));
    s.start();
    clock.runUntil(10_000);
    assert.equal(out.length, 0);
    s.setRates({ lambdaPPerS: 20, lambdaLPerS: 0, lambdaDPerS: 0 });
    assert.deepEqual(s.rates, { lambdaPPerS: 20, lambdaLPerS: 0, lambdaDPerS: 0 });
    clock.runUntil(20_000);
    // 10 s at λP = 20/s: ~200 payload ticks (Poisson: 200 ± 5σ), all after the change.
    assert.ok(out.length > 130 && out.length < 270, `${out.length} ticks`);
    assert.ok(out.every((e) => e.t > 10_000 && e.kind === 'drop'));
    const before = out.length;
    s.setRates({ lambdaPPerS: 0, lambdaLPerS: 0, lambdaDPerS: 0 });
    clock.runUntil(30_000);
    assert.equal(out.length, before);
    s.stop();
    assert.throws(() => s.setRates({ lambdaPPerS: -1, lambdaLPerS: 0, lambdaDPerS: 0 }), { name: 'InvalidArgumentError' });
  });
});
