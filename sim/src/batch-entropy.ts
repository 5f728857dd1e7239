import {
  DEFAULT_PRUNE_MASS,
  DEST_OUTPUT,
  SKIP,
  entropyBitsOf,
  poolSizeTables,
  pruneBoundBits,
  type ForwardEntropyResult,
  type PoolCsr,
} from './forward-entropy.js';
import { FAST_LN_MAX_ERROR, fastLn } from './fast-log.js';

/** Default number of messages propagated together (one lane each). */
export const DEFAULT_BATCH_LANES = 32;
/** Default widest spread, in departures of the entry pool, of the entry points of one batch. */
export const DEFAULT_BATCH_SPREAD = 1024;

export interface BatchEntropyOptions {
  /** Pruning threshold τ per lane (as {@link ForwardEntropy}). */
  pruneMass?: number;
  /** Messages per batch, 1..64. */
  lanes?: number;
  /** A batch's entry points lie within this many departures of one pool. */
  spread?: number;
}

const LN2 = Math.LN2;
// Module-local copies for the hot loop (an imported binding may be a getter under some loaders).
const OUT = DEST_OUTPUT;
const ln = fastLn;
const LN_ERROR_BITS = FAST_LN_MAX_ERROR / LN2;
const MAX_LANES = 64;
const REC_OUTPUT = -1;
const REC_GONE = -2;

/**
 * Exact forward entropy for every message, like {@link ForwardEntropy.computeAll}, but messages that
 * enter the same pool close in time are propagated together, one lane per message (Loopix App. A: a
 * departure takes g/k of the pool's mass g and the pool keeps g(1 − 1/k); linear, so lanes never
 * interact), and the observer's log is **replayed in the order it was recorded** (time order): every
 * pool holding mass of the batch keeps its own row of lane masses, and each departure of such a pool
 * is applied once, to all lanes, when its turn comes. Mass a departure sends to another pool is an
 * entry at that pool's first departure after the arrival, which comes later in the log, so it is
 * always in place before it is needed: each pool is swept once per batch, however often mass comes
 * back to it (mix loops), each output gets its whole mass at once, and Σ m ln m needs no correction.
 * A pool's lane masses are g = h·C with one scalar C, so a departure scales all lanes by scaling C;
 * all lanes' outputs share c = C/k, so outputs only accumulate scalars until h changes (`flush`).
 *
 * Per lane everything is as in the single-message sweep: a lane's pool mass below τ at a departure is
 * dropped and counted in that lane's pruned mass δ, giving the same bound ({@link pruneBoundBits});
 * mass left in a pool after its last departure is normalised away. ln h after an entry comes from
 * {@link fastLn}; its error ε adds at most ε/ln 2 bits (every output's ln m is off by ≤ ε and
 * Σ m/Z = 1), which is added to the reported bound. Not counted, as in the single-message sweep: float
 * rounding of the running ln C (≤ 2^-53·|ln C| per departure between two entries).
 *
 * No allocation per batch: scratch buffers are reused and cleared through generation counters.
 */
export class BatchForwardEntropy {
  private readonly start: Int32Array;
  private readonly rec: Int32Array;
  // The log by record (time order), so a replay reads it sequentially: pool, pool size k seen, and
  // where the packet went: the record of the destination pool's next departure, or REC_OUTPUT, or
  // REC_GONE (excluded, lost, or entering a pool after its last departure: normalised away).
  private readonly rPool: Int32Array;
  private readonly rK: Int32Array;
  private readonly rDest: Int32Array;
  /** 1 for a pool's last departure (what is left after it is normalised away). */
  private readonly rLast: Uint8Array;
  private readonly invK: Float64Array;
  private readonly qK: Float64Array;
  private readonly lnQ: Float64Array;
  private readonly lnK: Float64Array;
  private readonly log2N: number;
  readonly pruneMass: number;
  readonly lanes: number;
  readonly spread: number;
  readonly outputs: number;

  private gen = 0;
  // Pending entries, per record of the departure they come before (valid when entGen = gen): a row
  // of one mass per lane in entBuf; rows are recycled through a free list once absorbed.
  private readonly entGen: Int32Array;
  private readonly entRow: Int32Array;
  private entBuf = new Float64Array(1 << 14);
  private entTop = 0;
  private free = new Int32Array(256);
  private nFree = 0;
  private nPend = 0;
  // Per pool: lane masses g = h·C with a row h (stride = lanes of the batch) and a scalar C, so a
  // departure scales every lane by scaling C (Loopix App. A: the pool keeps g(1 − 1/k)); h and C are
  // renormalised (C = 1) when an entry arrives. ln h of each lane (valid when lnOk; 0 for lanes
  // without mass), ln C, the smallest h of a lane with mass (Infinity: none), whether the pool holds
  // mass in some lane.
  private readonly h: Float64Array;
  private readonly lnh: Float64Array;
  private readonly pC: Float64Array;
  private readonly pLnC: Float64Array;
  private readonly pMin: Float64Array;
  // Outputs of a pool since h last changed, as scalars (every lane's output is h·c with the same c):
  // A = Σ c, B = Σ c·(ln C − ln k), the largest c; applied to the lanes by `flush`.
  private readonly pA: Float64Array;
  private readonly pB: Float64Array;
  private readonly pMx: Float64Array;
  private readonly lnOk: Uint8Array;
  private readonly live: Uint8Array;
  // Per lane.
  private readonly T: Float64Array;
  private readonly Z: Float64Array;
  private readonly maxM: Float64Array;
  private readonly pruned: Float64Array;

  constructor(csr: PoolCsr, options: BatchEntropyOptions = {}) {
    const n = csr.start.length - 1;
    const pruneMass = options.pruneMass ?? DEFAULT_PRUNE_MASS;
    const lanes = options.lanes ?? DEFAULT_BATCH_LANES;
    const spread = options.spread ?? DEFAULT_BATCH_SPREAD;
    if (!(pruneMass > 0 && pruneMass < 1)) throw new RangeError(`pruneMass: must be in (0, 1), got ${pruneMass}`);
    if (!(Number.isInteger(lanes) && lanes >= 1 && lanes <= MAX_LANES)) throw new RangeError(`lanes: must be an integer in 1..${MAX_LANES}, got ${lanes}`);
    if (!(Number.isInteger(spread) && spread >= 0)) throw new RangeError(`spread: must be a non-negative integer, got ${spread}`);
    const R = csr.kOf.length;
    if (csr.rec.length !== R) throw new RangeError(`csr.rec: must have one entry per departure (${R}), got ${csr.rec.length}`);
    this.pruneMass = pruneMass;
    this.lanes = lanes;
    this.spread = spread;
    this.start = csr.start;
    this.rec = csr.rec;
    this.outputs = csr.outputs;
    this.log2N = Math.log2(Math.max(2, csr.outputs));
    ({ invK: this.invK, qK: this.qK, lnQ: this.lnQ, lnK: this.lnK } = poolSizeTables(csr.maxK));
    this.rPool = new Int32Array(R).fill(-1);
    this.rK = new Int32Array(R);
    this.rDest = new Int32Array(R);
    this.rLast = new Uint8Array(R);
    for (let p = 0; p < n; p++) {
      for (let j = csr.start[p]; j < csr.start[p + 1]; j++) {
        const r = csr.rec[j];
        if (!(r >= 0 && r < R) || this.rPool[r] !== -1) throw new RangeError(`csr.rec: must be a permutation of 0..${R - 1}`);
        this.rPool[r] = p;
      }
    }
    for (let p = 0; p < n; p++) {
      for (let j = csr.start[p]; j < csr.start[p + 1]; j++) {
        const r = csr.rec[j];
        const dp = csr.dPool[j];
        this.rK[r] = csr.kOf[j];
        this.rLast[r] = j === csr.start[p + 1] - 1 ? 1 : 0;
        if (dp === OUT) this.rDest[r] = REC_OUTPUT;
        else if (dp < 0 || (dp < n && csr.dIdx[j] === csr.start[dp + 1])) this.rDest[r] = REC_GONE;
        else {
          const y = csr.dIdx[j];
          if (!(dp < n && y >= csr.start[dp] && y < csr.start[dp + 1])) throw new RangeError(`csr: departure ${j} enters no departure of pool ${dp}`);
          // Replaying in log order needs every entry to come after the departure that sends it:
          // true of any PoolLog (an arrival is logged after the departure it comes from).
          if (csr.rec[y] <= r) throw new RangeError(`csr: departure ${j} enters pool ${dp} before a departure logged earlier than itself (log not in time order)`);
          this.rDest[r] = csr.rec[y];
        }
      }
    }
    this.entGen = new Int32Array(R + 1);
    this.entRow = new Int32Array(R + 1);
    this.h = new Float64Array(n * lanes);
    this.lnh = new Float64Array(n * lanes);
    this.pC = new Float64Array(n);
    this.pLnC = new Float64Array(n);
    this.pMin = new Float64Array(n);
    this.pA = new Float64Array(n);
    this.pB = new Float64Array(n);
    this.pMx = new Float64Array(n);
    this.lnOk = new Uint8Array(n);
    this.live = new Uint8Array(n);
    this.T = new Float64Array(lanes);
    this.Z = new Float64Array(lanes);
    this.maxM = new Float64Array(lanes);
    this.pruned = new Float64Array(lanes);
  }

  /**
   * Entropy, min-entropy and error bound for every message (same contract as
   * {@link ForwardEntropy.computeAll}: entryPool −1 → 0 bits, {@link SKIP} → NaN, same entry point →
   * one computation).
   */
  computeAll(entryPool: Int32Array, entryPos: Int32Array): ForwardEntropyResult {
    const M = entryPool.length;
    if (entryPos.length !== M) throw new RangeError(`entryPos: must have ${M} entries, got ${entryPos.length}`);
    const entropy = new Float64Array(M);
    const minEntropy = new Float64Array(M);
    const errorBound = new Float64Array(M);
    const key = new Float64Array(M);
    const nodes = this.start.length - 1;
    for (let i = 0; i < M; i++) {
      const p = entryPool[i];
      if (p === SKIP) key[i] = -2;
      else if (p < 0) key[i] = -1;
      else {
        if (p >= nodes || entryPos[i] < 0 || this.start[p] + entryPos[i] > this.start[p + 1]) throw new RangeError(`entry of message ${i}: no such pool position`);
        key[i] = this.start[p] + entryPos[i];
      }
    }
    // By entry point, then pool: a pool's end (no departure after the entry) has the CSR index of the
    // next pool's first departure, and the two must not share a lane.
    const order = Int32Array.from({ length: M }, (_, i) => i).sort((a, b) => key[a] - key[b] || entryPool[a] - entryPool[b] || a - b);
    // Distinct entry points (CSR index, so grouped by pool and ordered by position), in batches.
    const bKeys = new Int32Array(this.lanes);
    let o = 0;
    while (o < M && key[order[o]] < 0) {
      const i = order[o++];
      const v = key[i] === -2 ? NaN : 0;
      entropy[i] = v;
      minEntropy[i] = v;
      errorBound[i] = v;
    }
    while (o < M) {
      // Collect up to `lanes` distinct keys of one pool within `spread` departures.
      const o0 = o;
      const pool = entryPool[order[o]];
      const first = key[order[o]];
      let nb = 0;
      while (o < M) {
        const i = order[o];
        const kk = key[i];
        if (nb > 0 && kk === bKeys[nb - 1] && entryPool[i] === pool) {
          o++;
          continue;
        }
        if (nb === this.lanes || entryPool[i] !== pool || kk - first > this.spread) break;
        bKeys[nb] = kk;
        nb++;
        o++;
      }
      this.runBatch(pool, bKeys, nb);
      let lane = -1;
      let last = -1;
      for (let a = o0; a < o; a++) {
        const i = order[a];
        if (key[i] !== last) {
          last = key[i];
          lane++;
        }
        const T = this.T[lane];
        const Z = this.Z[lane];
        const h = entropyBitsOf(T, Z);
        entropy[i] = h;
        minEntropy[i] = Z > 0 ? -Math.log2(this.maxM[lane] / Z) : NaN;
        // h itself is off by ≤ LN_ERROR_BITS, which moves the pruning term by less than that again.
        errorBound[i] = pruneBoundBits(this.pruned[lane], Z, this.log2N, h) + 2 * LN_ERROR_BITS;
      }
    }
    return { entropy, minEntropy, errorBound };
  }

  /** Propagates mass 1 from each of the nb entry points (CSR indices of `pool`, increasing) in its own lane. */
  private runBatch(pool: number, keys: Int32Array, nb: number): void {
    const L = nb;
    this.gen++;
    this.entTop = 0;
    this.nFree = 0;
    this.nPend = 0;
    this.h.fill(0, 0, this.live.length * L);
    this.lnh.fill(0, 0, this.live.length * L);
    this.pC.fill(1);
    this.pLnC.fill(0);
    this.pMin.fill(Infinity);
    this.pA.fill(0);
    this.pB.fill(0);
    this.pMx.fill(0);
    this.lnOk.fill(0);
    this.live.fill(0);
    this.T.fill(0);
    this.Z.fill(0);
    this.maxM.fill(0);
    this.pruned.fill(0);
    const end = this.start[pool + 1];
    let r0 = -1;
    for (let b = 0; b < nb; b++) {
      const y = keys[b];
      if (y >= end) continue; // entered after the pool's last departure: normalised away (Z = 0)
      const r = this.rec[y];
      const o = this.newRow(r, L);
      this.entBuf.fill(0, o, o + L);
      this.entBuf[o + b] = 1;
      if (r0 < 0) r0 = r;
    }
    if (r0 >= 0) this.replay(r0, L);
  }

  /** A fresh row of L masses (not cleared) for an entry before the departure of record r; counts it pending. */
  private newRow(r: number, L: number): number {
    let o: number;
    if (this.nFree > 0) o = this.free[--this.nFree];
    else {
      o = this.entTop;
      this.entTop = o + L;
      if (this.entTop > this.entBuf.length) {
        const b = new Float64Array(this.entBuf.length * 2);
        b.set(this.entBuf);
        this.entBuf = b;
      }
    }
    this.entGen[r] = this.gen;
    this.entRow[r] = o;
    this.nPend++;
    return o;
  }

  private freeRow(o: number): void {
    if (this.nFree === this.free.length) {
      const f = new Int32Array(this.nFree * 2);
      f.set(this.free);
      this.free = f;
    }
    this.free[this.nFree++] = o;
  }

  /**
   * Replays the log from record r0 on: each departure of a pool that holds mass (or has an entry
   * there) is applied to all L lanes of that pool's row, in the order the observer saw them.
   */
  private replay(r0: number, L: number): void {
    const rPool = this.rPool;
    const rK = this.rK;
    const rDest = this.rDest;
    const rLast = this.rLast;
    const invK = this.invK;
    const qK = this.qK;
    const lnQ = this.lnQ;
    const lnK = this.lnK;
    const entGen = this.entGen;
    const entRow = this.entRow;
    const h = this.h;
    const lnh = this.lnh;
    const pC = this.pC;
    const pLnC = this.pLnC;
    const pMin = this.pMin;
    const pA = this.pA;
    const pB = this.pB;
    const pMx = this.pMx;
    const lnOk = this.lnOk;
    const live = this.live;
    const pruned = this.pruned;
    const tau = this.pruneMass;
    const gen = this.gen;
    const nRec = rPool.length;
    let nLive = 0;
    for (let r = r0; r < nRec; r++) {
      const p = rPool[r];
      const hasEntry = entGen[r] === gen;
      if (!hasEntry && live[p] === 0) continue;
      const base = p * L;
      let C = pC[p];
      if (hasEntry) {
        // Mass arriving before this departure joins the pool: g = h·C + entry, renormalised to C = 1.
        if (pA[p] !== 0) this.flush(p, L);
        const o = entRow[r];
        const eb = this.entBuf;
        let mn = Infinity;
        for (let b = 0; b < L; b++) {
          const v = h[base + b] * C + eb[o + b];
          h[base + b] = v;
          if (v > 0 && v < mn) mn = v;
        }
        entGen[r] = 0;
        this.freeRow(o);
        this.nPend--;
        C = 1;
        pLnC[p] = 0;
        pMin[p] = mn;
        lnOk[p] = 0;
        if (live[p] === 0) {
          live[p] = 1;
          nLive++;
        }
      }
      if (pMin[p] * C < tau) {
        // Some lane's mass is below τ at this departure: prune it (its mass counts for its bound).
        if (pA[p] !== 0) this.flush(p, L);
        let mn = Infinity;
        for (let b = 0; b < L; b++) {
          const x = base + b;
          const hb = h[x];
          if (hb > 0) {
            const gb = hb * C;
            if (gb < tau) {
              pruned[b] += gb;
              h[x] = 0;
              lnh[x] = 0;
            } else if (hb < mn) mn = hb;
          }
        }
        pMin[p] = mn;
      }
      if (pMin[p] === Infinity) {
        // No lane holds mass: the pool rests until an entry comes.
        pC[p] = 1;
        live[p] = 0;
        nLive--;
        if (nLive === 0 && this.nPend === 0) break;
        continue;
      }
      const k = rK[r];
      const y = rDest[r];
      if (y === REC_OUTPUT) {
        // Every lane's output is m = h·c with c = C/k and ln m = ln h + ln C − ln k: only the
        // scalars move here; `flush` adds Σ m ln m, Σ m and max m to each lane when h changes.
        const c = C * invK[k];
        pA[p] += c;
        pB[p] += c * (pLnC[p] - lnK[k]);
        if (c > pMx[p]) pMx[p] = c;
      } else if (y >= 0) {
        // Each lane's share g/k enters the destination pool before its departure y (merged with an
        // entry already there).
        const c = C * invK[k];
        const eb = this.entBuf;
        if (entGen[y] === gen) {
          const o = entRow[y];
          for (let b = 0; b < L; b++) eb[o + b] += h[base + b] * c;
        } else {
          const o = this.newRow(y, L);
          for (let b = 0; b < L; b++) eb[o + b] = h[base + b] * c;
        }
      }
      // Otherwise excluded, lost, or entering a pool after its last departure: the observer knows it
      // is not the target (or it is normalised away). Every lane keeps g(1 − 1/k).
      pC[p] = C * qK[k];
      pLnC[p] += lnQ[k];
      if (rLast[r] !== 0) {
        // Mass left in a pool that never sends again is normalised away (see ForwardEntropy).
        if (pA[p] !== 0) this.flush(p, L);
        h.fill(0, base, base + L);
        lnh.fill(0, base, base + L);
        pC[p] = 1;
        pMin[p] = Infinity;
        live[p] = 0;
        nLive--;
      }
      if (nLive === 0 && this.nPend === 0) break;
    }
  }

  /**
   * Adds pool p's outputs since h last changed to its lanes: Σ_j h·c_j·(ln h + ln C_j − ln k_j) =
   * h·(A·ln h + B) to T, h·A to Z, h·max c to the largest output (exact algebra, one ln per lane
   * after an entry, from {@link fastLn}).
   */
  private flush(p: number, L: number): void {
    const A = this.pA[p];
    const B = this.pB[p];
    const mx = this.pMx[p];
    const h = this.h;
    const lnh = this.lnh;
    const T = this.T;
    const Z = this.Z;
    const maxM = this.maxM;
    const base = p * L;
    if (this.lnOk[p] === 0) {
      for (let b = 0; b < L; b++) {
        const hb = h[base + b];
        lnh[base + b] = hb > 0 ? ln(hb) : 0;
      }
      this.lnOk[p] = 1;
    }
    for (let b = 0; b < L; b++) {
      const hb = h[base + b];
      T[b] += hb * (lnh[base + b] * A + B);
      Z[b] += hb * A;
      const m = hb * mx;
      if (m > maxM[b]) maxM[b] = m;
    }
    this.pA[p] = 0;
    this.pB[p] = 0;
    this.pMx[p] = 0;
  }
}
