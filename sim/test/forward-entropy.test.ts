import assert from 'node:assert/strict';
import { seededRng } from '@strata/core/sched/index';
import { ForwardEntropy, PoolLog, pruneBoundBits } from '../src/forward-entropy.js';
import { runRepetition } from '../src/engine.js';
import { finiteMean, network } from './helpers.js';

/** Logs departures of `pool` seen with the given pool sizes; returns their record ids. */
function logDepartures(log: PoolLog, pool: number, ks: number[]): number[] {
  return ks.map((k) => log.depart(pool, k));
}

const bits = (ps: number[]): number => -ps.reduce((a, p) => a + p * Math.log2(p), 0);

describe('ForwardEntropy', () => {
  it('gives two bits for a pool of four drained one by one, with no error', () => {
    const log = new PoolLog(1);
    for (const k of [4, 3, 2, 1]) log.leave(log.depart(0, k), false);
    const r = new ForwardEntropy(log, Int32Array.of(0)).computeAll(Int32Array.of(0), Int32Array.of(0));
    assert.ok(Math.abs(r.entropy[0] - 2) < 1e-12);
    assert.ok(Math.abs(r.minEntropy[0] - 2) < 1e-12);
    assert.equal(r.errorBound[0], 0);
  });

  it('re-sweeps a pool that gets mass back after it was swept, whatever the sweep order', () => {
    // Pool 0: d0 (k=2) → pool 1; d1 (k=2) → out; d2 (k=1) → out. Pool 1: e0 (k=2) → pool 0 before d1; e1 (k=1) → out.
    const log = new PoolLog(2);
    const [d0, d1, d2] = logDepartures(log, 0, [2, 2, 1]);
    const [e0, e1] = logDepartures(log, 1, [2, 1]);
    log.recDestPool.data[d0] = 1;
    log.recDestPos.data[d0] = 0;
    log.recDestPool.data[e0] = 0;
    log.recDestPos.data[e0] = 1;
    for (const r of [d1, d2, e1]) log.leave(r, false);
    // By hand: d1 gets 1/4 + 1/8, d2 gets 1/4 + 1/8, e1 gets 1/4.
    const expected = bits([3 / 8, 3 / 8, 1 / 4]);
    for (const rank of [Int32Array.of(0, 1), Int32Array.of(1, 0)]) {
      const r = new ForwardEntropy(log, rank).computeAll(Int32Array.of(0), Int32Array.of(0));
      assert.ok(Math.abs(r.entropy[0] - expected) < 1e-12, `${r.entropy[0]} vs ${expected}`);
      assert.ok(Math.abs(r.minEntropy[0] - Math.log2(8 / 3)) < 1e-12);
    }
  });

  it('normalises away mass the observer can exclude', () => {
    const log = new PoolLog(1);
    log.leave(log.depart(0, 3), true);
    log.leave(log.depart(0, 2), false);
    log.leave(log.depart(0, 1), false);
    const r = new ForwardEntropy(log, Int32Array.of(0)).computeAll(Int32Array.of(0), Int32Array.of(0));
    assert.ok(Math.abs(r.entropy[0] - 1) < 1e-12);
  });

  it('normalises away mass stuck in a pool that never sends again', () => {
    const log = new PoolLog(1);
    log.leave(log.depart(0, 3), false);
    log.leave(log.depart(0, 2), false); // the observer still counts one packet, which never leaves
    const r = new ForwardEntropy(log, Int32Array.of(0)).computeAll(Int32Array.of(0), Int32Array.of(0));
    assert.ok(Math.abs(r.entropy[0] - 1) < 1e-12);
    assert.equal(r.errorBound[0], 0);
  });

  it('agrees with the online reference tracker on every tracked message of a small network, within its error bound', () => {
    // Honest network; one corrupt mix per layer; mix loops (mass coming back to an earlier layer).
    for (const extra of [{}, { adversary: { corruptMixFraction: 0.34, placement: 'per-layer' } }, { mixLoops: { lambdaMPerS: 2 } }]) {
      const r = runRepetition(network({ ...extra, metrics: { trackedTargets: 60 } }), 0);
      const c = r.columns;
      let compared = 0;
      for (let i = 0; i < c.entropy.length; i++) {
        if (!Number.isFinite(c.referenceEntropy[i])) continue;
        compared++;
        const d = Math.abs(c.entropy[i] - c.referenceEntropy[i]);
        // The reference drops masses below 1e-9: allow it 1e-3 bits on top of our bound.
        assert.ok(d <= c.entropyErrorBound[i] + 1e-3, `message ${i}: ${c.entropy[i]} vs ${c.referenceEntropy[i]} (bound ${c.entropyErrorBound[i]})`);
      }
      assert.ok(compared >= 50, `compared ${compared}`);
    }
  });

  it('keeps the pruning error within the reported bound when pruning hard', () => {
    const fine = runRepetition(network({ durationS: 30, metrics: { entropyPruneMass: 1e-9 } }), 0).columns;
    const coarse = runRepetition(network({ durationS: 30, metrics: { entropyPruneMass: 1e-2 } }), 0).columns;
    assert.equal(fine.entropy.length, coarse.entropy.length);
    let loose = 0;
    for (let i = 0; i < fine.entropy.length; i++) {
      const d = Math.abs(fine.entropy[i] - coarse.entropy[i]);
      assert.ok(d <= coarse.entropyErrorBound[i] + fine.entropyErrorBound[i] + 1e-12, `message ${i}: ${d} > ${coarse.entropyErrorBound[i]}`);
      if (coarse.entropyErrorBound[i] > 0) loose++;
    }
    assert.ok(loose > fine.entropy.length / 2, 'hard pruning should actually prune');
  });

  it('gives zero entropy to every message when every mix is corrupt', () => {
    const c = runRepetition(network({ durationS: 20, adversary: { corruptMixFraction: 1 }, metrics: { trackedTargets: 0 } }), 0).columns;
    assert.ok(c.entropy.length > 100);
    assert.ok(c.entropy.every((h) => h === 0));
  });

  it('computes every n-th message only when asked to', () => {
    const c = runRepetition(network({ durationS: 20, metrics: { trackedTargets: 0, entropyEvery: 3 } }), 0).columns;
    for (let i = 0; i < c.entropy.length; i++) assert.equal(Number.isNaN(c.entropy[i]), i % 3 !== 0);
    assert.ok(finiteMean(c.entropy) > 1);
  });
});

describe('pruneBoundBits', () => {
  const h2 = (a: number): number => -a * Math.log2(a) - (1 - a) * Math.log2(1 - a);
  const normalised = (xs: number[]): number[] => {
    const z = xs.reduce((a, x) => a + x, 0);
    return xs.map((x) => x / z);
  };

  it('bounds |H(q) − H(P)| for mixtures q = (1 − a)P + aQ, and is never looser than h2(a) + a·log2 N', () => {
    const rng = seededRng(8);
    for (let trial = 0; trial < 2000; trial++) {
      const N = 2 + rng.int(60);
      // P spread or concentrated; Q concentrated on one output or spread (the extremes of each side).
      const skew = rng.uniform() < 0.5 ? 1 : 8;
      const P = normalised(Array.from({ length: N }, () => rng.uniform() ** skew + 1e-12));
      const Q = rng.uniform() < 0.5 ? normalised(Array.from({ length: N }, (_, i) => (i === rng.int(N) ? 1 : 1e-12))) : normalised(Array.from({ length: N }, () => rng.uniform() + 1e-12));
      const a = rng.uniform() < 0.5 ? rng.uniform() * 0.01 : rng.uniform() * 0.49;
      const q = P.map((p, i) => (1 - a) * p + a * Q[i]);
      const hP = bits(P);
      // Computed part: mass Z, pruned δ with δ/(Z + δ) = a.
      const Z = 1 - a;
      const b = pruneBoundBits(a, Z, Math.log2(N), hP);
      assert.ok(Math.abs(bits(q) - hP) <= b + 1e-9, `trial ${trial}: |${bits(q)} − ${hP}| > ${b}`);
      assert.ok(b <= h2(a) + a * Math.log2(N) + 1e-12);
    }
  });

  it('is zero without pruned mass and log2 N once half the mass is unknown', () => {
    assert.equal(pruneBoundBits(0, 1, 10, 5), 0);
    assert.equal(pruneBoundBits(1, 1, 10, 5), 10);
  });

  it('is tighter than h2(a) + a·log2 N when the computed entropy is known', () => {
    const a = 0.003;
    assert.ok(pruneBoundBits(a, 1 - a, 20, 11) < 0.7 * pruneBoundBits(a, 1 - a, 20));
  });
});
