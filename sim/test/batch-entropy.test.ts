import assert from 'node:assert/strict';
import { seededRng } from '@strata/core/sched/index';
import { BatchForwardEntropy } from '../src/batch-entropy.js';
import { ForwardEntropy, PoolLog, SKIP, buildPoolCsr } from '../src/forward-entropy.js';

const RANK = Int32Array.of(0, 0, 1, 1, 2, 2);

/**
 * A random but valid observer log over 6 pools in 3 ranks (2 per rank): packets arrive from outside
 * at rank 0, each departure goes on to the next rank (rank 2 mostly leaves the network), sometimes
 * back to rank 0 (a mix loop: mass comes back to swept pools), sometimes excluded. Returns the log
 * and the entry point of every packet that came from outside.
 */
function randomLog(seed: number, events: number): { log: PoolLog; entryPool: Int32Array; entryPos: Int32Array } {
  const rng = seededRng(seed);
  const log = new PoolLog(6);
  const count = new Int32Array(6);
  const pools: number[] = [];
  const poss: number[] = [];
  for (let t = 0; t < events; t++) {
    const p = rng.int(6);
    if (count[p] > 0 && rng.uniform() < 0.55) {
      const rec = log.depart(p, count[p]);
      count[p]--;
      const u = rng.uniform();
      const r = RANK[p];
      if (u < 0.05) log.leave(rec, true);
      else if (u < 0.1 && r === 2) {
        const d = rng.int(2);
        log.enter(rec, d);
        count[d]++;
      } else if (r < 2) {
        const d = 2 * (r + 1) + rng.int(2);
        log.enter(rec, d);
        count[d]++;
      } else log.leave(rec, false);
    } else {
      // An arrival is not logged: its entry point is the position of the pool's next departure.
      const d = rng.int(2);
      pools.push(d);
      poss.push(log.depCount[d]);
      count[d]++;
    }
  }
  // Drain every pool so all mass can leave.
  for (let p = 0; p < 6; p++) while (count[p] > 0) log.leave(log.depart(p, count[p]--), false);
  return { log, entryPool: Int32Array.from(pools), entryPos: Int32Array.from(poss) };
}

describe('BatchForwardEntropy', () => {
  it('gives every lane the single-message result, for any batch width', () => {
    const { log, entryPool, entryPos } = randomLog(5, 2000);
    assert.ok(entryPool.length > 400);
    const single = new ForwardEntropy(log, RANK, 1e-8).computeAll(entryPool, entryPos);
    for (const lanes of [1, 7, 64]) {
      const r = new BatchForwardEntropy(buildPoolCsr(log), { pruneMass: 1e-8, lanes }).computeAll(entryPool, entryPos);
      for (let i = 0; i < entryPool.length; i++) {
        assert.ok(r.errorBound[i] < 1e-4 && single.errorBound[i] < 1e-4, `message ${i}: bounds too loose to compare`);
        assert.ok(Math.abs(r.entropy[i] - single.entropy[i]) <= r.errorBound[i] + single.errorBound[i] + 1e-9, `lanes ${lanes}, message ${i}: ${r.entropy[i]} vs ${single.entropy[i]}`);
        assert.ok(Math.abs(r.minEntropy[i] - single.minEntropy[i]) <= 1e-4, `lanes ${lanes}, message ${i}: min-entropy ${r.minEntropy[i]} vs ${single.minEntropy[i]}`);
      }
    }
  });

  it('gives every lane the single-message result whatever the spread of a batch, with sparse messages', () => {
    const { log, entryPool, entryPos } = randomLog(6, 2000);
    // Every 4th message only, as with metrics.entropyEvery = 4 (the engine widens the spread 4×).
    const sparse = entryPool.map((p, i) => (i % 4 === 0 ? p : SKIP));
    const single = new ForwardEntropy(log, RANK, 1e-8).computeAll(sparse, entryPos);
    for (const spread of [0, 16, 4096, 1 << 20]) {
      const r = new BatchForwardEntropy(buildPoolCsr(log), { pruneMass: 1e-8, lanes: 32, spread }).computeAll(sparse, entryPos);
      for (let i = 0; i < entryPool.length; i++) {
        if (i % 4 !== 0) {
          assert.ok(Number.isNaN(r.entropy[i]), `message ${i} should be skipped`);
          continue;
        }
        assert.ok(Math.abs(r.entropy[i] - single.entropy[i]) <= r.errorBound[i] + single.errorBound[i] + 1e-9, `spread ${spread}, message ${i}: ${r.entropy[i]} vs ${single.entropy[i]}`);
      }
    }
  });

  it('stays within both error bounds of the single-message method when pruning hard', () => {
    const { log, entryPool, entryPos } = randomLog(9, 2000);
    const exact = new ForwardEntropy(log, RANK, 1e-8).computeAll(entryPool, entryPos);
    const r = new BatchForwardEntropy(buildPoolCsr(log), { pruneMass: 1e-2, lanes: 16 }).computeAll(entryPool, entryPos);
    let pruned = 0;
    for (let i = 0; i < entryPool.length; i++) {
      const d = Math.abs(r.entropy[i] - exact.entropy[i]);
      assert.ok(d <= r.errorBound[i] + exact.errorBound[i] + 1e-9, `message ${i}: ${d} > ${r.errorBound[i]}`);
      if (r.errorBound[i] > 1e-9) pruned++;
    }
    assert.ok(pruned > entryPool.length / 4, `hard pruning should actually prune (${pruned})`);
  });

  it('follows mass that comes back to a pool it has already left (a mix loop)', () => {
    // The hand-built case of forward-entropy.test.ts, logged in time order: d0 goes to pool 1, whose
    // e0 comes back to pool 0 before d1. Outputs 3/8 (d1), 3/8 (d2), 1/4 (e1).
    const log = new PoolLog(2);
    const d0 = log.depart(0, 2);
    log.enter(d0, 1);
    const e0 = log.depart(1, 2);
    log.enter(e0, 0);
    for (const [p, k] of [[0, 2], [0, 1], [1, 1]]) log.leave(log.depart(p, k), false);
    const expected = -[3 / 8, 3 / 8, 1 / 4].reduce((a, p) => a + p * Math.log2(p), 0);
    const r = new BatchForwardEntropy(buildPoolCsr(log)).computeAll(Int32Array.of(0, 0), Int32Array.of(0, 1));
    assert.ok(Math.abs(r.entropy[0] - expected) < 1e-9, `${r.entropy[0]} vs ${expected}`);
    assert.ok(Math.abs(r.minEntropy[0] - Math.log2(8 / 3)) < 1e-9);
    // The second message enters before d1: 1/2 to d1, 1/2 to d2.
    assert.ok(Math.abs(r.entropy[1] - 1) < 1e-9);
  });

  it('normalises away mass sent into a pool after that pool\'s last departure', () => {
    // Pool 1 departs once, then d0 (pool 0, k = 2) sends half the mass into pool 1, which never
    // departs again: only d1 can be the target (0 bits), as in the single-message sweep.
    const log = new PoolLog(2);
    log.leave(log.depart(1, 1), false);
    log.enter(log.depart(0, 2), 1);
    log.leave(log.depart(0, 1), false);
    const single = new ForwardEntropy(log, Int32Array.of(0, 1)).computeAll(Int32Array.of(0), Int32Array.of(0));
    const batch = new BatchForwardEntropy(buildPoolCsr(log)).computeAll(Int32Array.of(0), Int32Array.of(0));
    for (const r of [single, batch]) {
      assert.equal(r.entropy[0], 0);
      assert.ok(Math.abs(r.minEntropy[0]) < 1e-12);
      assert.ok(r.errorBound[0] < 1e-11); // nothing pruned: only the fastLn allowance
    }
  });

  it('rejects a log whose entries come before the departures that send them', () => {
    // e0 (logged after d1) claims to enter pool 0 before d1: no observer can log that.
    const log = new PoolLog(2);
    const [d0] = [2, 2, 1].map((k) => log.depart(0, k));
    const [e0, e1] = [2, 1].map((k) => log.depart(1, k));
    log.enter(d0, 1);
    log.recDestPool.data[e0] = 0;
    log.recDestPos.data[e0] = 1;
    log.leave(e1, false);
    assert.throws(() => new BatchForwardEntropy(buildPoolCsr(log)), { name: 'RangeError', message: /time order/ });
  });

  it('does not confuse an entry after a pool\'s last departure with the next pool\'s first departure', () => {
    // Both have CSR index 1: pool 0 holds one departure, pool 1 starts right after it.
    const log = new PoolLog(2);
    log.leave(log.depart(0, 1), false);
    log.leave(log.depart(1, 2), false);
    log.leave(log.depart(1, 1), false);
    const entryPool = Int32Array.of(0, 1, 0);
    const entryPos = Int32Array.of(1, 0, 1);
    const single = new ForwardEntropy(log, Int32Array.of(0, 1)).computeAll(entryPool, entryPos);
    const batch = new BatchForwardEntropy(buildPoolCsr(log)).computeAll(entryPool, entryPos);
    for (const r of [single, batch]) {
      assert.ok(Math.abs(r.entropy[1] - 1) < 1e-9, `${r.entropy[1]}`);
      // Stuck in pool 0 (no departure after it): no outgoing message can be it.
      assert.ok(Number.isNaN(r.entropy[0]) && Number.isNaN(r.entropy[2]));
    }
  });

  it('gives zero to messages that crossed no honest pool and NaN to skipped ones', () => {
    const { log, entryPool, entryPos } = randomLog(3, 500);
    const ep = entryPool.slice();
    ep[0] = -1;
    ep[1] = SKIP;
    const r = new BatchForwardEntropy(buildPoolCsr(log)).computeAll(ep, entryPos);
    assert.equal(r.entropy[0], 0);
    assert.equal(r.errorBound[0], 0);
    assert.ok(Number.isNaN(r.entropy[1]) && Number.isNaN(r.errorBound[1]));
    assert.ok(r.entropy[2] > 0);
  });

  it('rejects bad options and entry points with a RangeError', () => {
    const { log } = randomLog(3, 200);
    const csr = buildPoolCsr(log);
    assert.throws(() => new BatchForwardEntropy(csr, { lanes: 65 }), { name: 'RangeError' });
    assert.throws(() => new BatchForwardEntropy(csr, { pruneMass: 0 }), { name: 'RangeError' });
    assert.throws(() => new BatchForwardEntropy({ ...csr, rec: csr.rec.subarray(1) }), { name: 'RangeError' });
    assert.throws(() => new BatchForwardEntropy({ ...csr, rec: csr.rec.map(() => 0) }), { name: 'RangeError' });
    const be = new BatchForwardEntropy(csr);
    assert.throws(() => be.computeAll(Int32Array.of(9), Int32Array.of(0)), { name: 'RangeError' });
    assert.throws(() => be.computeAll(Int32Array.of(0), Int32Array.of(1 << 30)), { name: 'RangeError' });
    assert.throws(() => be.computeAll(Int32Array.of(0), Int32Array.of()), { name: 'RangeError' });
  });
});
