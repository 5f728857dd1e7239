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

/** Default number of messages propagated together (one Float64Array lane each). */
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

/**
 * Exact forward entropy for every message, like {@link ForwardEntropy.computeAll}, but messages that
 * enter the same pool close in time are propagated together: one Float64Array lane per message, so
 * each departure's indexing, destination lookup and bookkeeping is paid once per batch and the work
 * per message is a multiply-add per departure (Loopix App. A: a departure takes g/k of the pool's
 * mass g and the pool keeps g(1 − 1/k); linear, so lanes never interact).
 *
 * Per lane everything is as in the single-message sweep: mass 1 at the entry point, pools swept by
 * rank and re-swept when mass comes back (exact by linearity), a lane's pool mass below τ at a
 * departure is dropped and counted in that lane's pruned mass δ, giving the same bound
 * ({@link pruneBoundBits}). Pools are swept in waves (see `wave`), so mass coming back through mix loops is
 * merged before it cascades again. Lanes are dense: every departure swept visits all the batch's
 * lanes (≈ 28 of 32 hold mass on the bench network) in plain indexed loops, and an entry is a row of
 * one mass per lane (zero for lanes without mass), which costs less than lists of active lanes and
 * (lane, mass) pairs (round 5: ≈ 20–30% less CPU, results within 4e-15 bits of them). ln g after an
 * entry comes from {@link fastLn}; its error ε adds at most ε/ln 2 bits (every output's ln m is off by
 * ≤ ε and Σ m/Z = 1), which is added to the reported bound. Not counted, as in the single-message
 * sweep: float rounding of the running ln g (≤ 2^-53·|ln g| per departure between two recomputations).
 *
 * No allocation per batch: scratch buffers are reused and cleared through generation counters.
 */
export class BatchForwardEntropy {
  private readonly start: Int32Array;
  private readonly kOf: Int32Array;
  private readonly dPool: Int32Array;
  private readonly dIdx: Int32Array;
  private readonly rank: Int32Array;
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
  // Per pool: head of this batch's pending entry list (valid when poolGen = gen), in the active list.
  private readonly poolGen: Int32Array;
  private readonly poolHead: Int32Array;
  private readonly activeGen: Int32Array;
  private readonly activeWave: Int32Array;
  private readonly active: Int32Array;
  private nActive = 0;
  // Sweeps go in waves: within a wave in increasing rank; mass sent back to a pool of rank ≤ the one
  // being swept (a mix loop returning to layer 0) waits for the next wave, so one wave sweeps each
  // pool at most once however many loops come back (exact either way, by linearity).
  private wave = 0;
  private sweepRank = -1;
  // Row stride of the current batch (= its lane count).
  private S = 1;
  // Entries (mass arriving at a pool before the departure at entPos): a row of S masses,
  // elMass[p][entOff .. entOff + S) of the destination pool p, so a sweep reads them nearly in order.
  private entPos = new Int32Array(1 << 12);
  private entNext = new Int32Array(1 << 12);
  private entOff = new Int32Array(1 << 12);
  private nEnt = 0;
  private readonly elMass: Float64Array[];
  private readonly nEl: Int32Array; // masses stored per pool
  private taken = new Int32Array(1 << 12);
  private bucket = new Int32Array(1 << 12);
  // Outputs touched by this batch: their row of masses (a re-swept pool may add to them).
  private readonly outGen: Int32Array;
  private readonly outSlot: Int32Array;
  private outRow: Float64Array;
  private outLn: Float64Array; // ln of each stored output mass
  private nOut = 0;
  // Lane state.
  private readonly g: Float64Array;
  private readonly lng: Float64Array;
  private readonly stale: Uint8Array;
  private readonly T: Float64Array;
  private readonly Z: Float64Array;
  private readonly maxM: Float64Array;
  private readonly pruned: Float64Array;

  constructor(csr: PoolCsr, rank: Int32Array, options: BatchEntropyOptions = {}) {
    const n = csr.start.length - 1;
    const pruneMass = options.pruneMass ?? DEFAULT_PRUNE_MASS;
    const lanes = options.lanes ?? DEFAULT_BATCH_LANES;
    const spread = options.spread ?? DEFAULT_BATCH_SPREAD;
    if (!(pruneMass > 0 && pruneMass < 1)) throw new RangeError(`pruneMass: must be in (0, 1), got ${pruneMass}`);
    if (!(Number.isInteger(lanes) && lanes >= 1 && lanes <= 64)) throw new RangeError(`lanes: must be an integer in 1..64, got ${lanes}`);
    if (!(Number.isInteger(spread) && spread >= 0)) throw new RangeError(`spread: must be a non-negative integer, got ${spread}`);
    if (rank.length !== n) throw new RangeError(`rank: must have one entry per node (${n}), got ${rank.length}`);
    this.pruneMass = pruneMass;
    this.lanes = lanes;
    this.spread = spread;
    this.start = csr.start;
    this.kOf = csr.kOf;
    this.dPool = csr.dPool;
    this.dIdx = csr.dIdx;
    this.rank = rank;
    this.outputs = csr.outputs;
    this.log2N = Math.log2(Math.max(2, csr.outputs));
    ({ invK: this.invK, qK: this.qK, lnQ: this.lnQ, lnK: this.lnK } = poolSizeTables(csr.maxK));
    const R = csr.kOf.length;
    this.poolGen = new Int32Array(n);
    this.poolHead = new Int32Array(n);
    this.activeGen = new Int32Array(n);
    this.activeWave = new Int32Array(n);
    this.active = new Int32Array(n);
    this.outGen = new Int32Array(R);
    this.outSlot = new Int32Array(R);
    this.outRow = new Float64Array((1 << 12) * lanes);
    this.outLn = new Float64Array((1 << 12) * lanes);
    this.g = new Float64Array(lanes);
    this.lng = new Float64Array(lanes);
    this.stale = new Uint8Array(lanes);
    this.T = new Float64Array(lanes);
    this.Z = new Float64Array(lanes);
    this.maxM = new Float64Array(lanes);
    this.pruned = new Float64Array(lanes);
    this.elMass = Array.from({ length: n }, () => new Float64Array(1 << 10));
    this.nEl = new Int32Array(n);
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

  /** Propagates mass 1 from each of the nb entry points (CSR indices of `pool`) in its own lane. */
  private runBatch(pool: number, keys: Int32Array, nb: number): void {
    this.gen++;
    this.nEnt = 0;
    this.nEl.fill(0);
    this.nOut = 0;
    this.nActive = 0;
    this.wave = 0;
    this.sweepRank = -1;
    this.S = nb;
    this.g.fill(0);
    this.stale.fill(0);
    this.T.fill(0);
    this.Z.fill(0);
    this.maxM.fill(0);
    this.pruned.fill(0);
    for (let b = 0; b < nb; b++) {
      const e = this.newEntry(pool, keys[b]);
      this.reserveLanes(pool, nb);
      const t = this.nEl[pool];
      this.nEl[pool] = t + nb;
      this.entOff[e] = t;
      const row = this.elMass[pool];
      for (let c = 0; c < nb; c++) row[t + c] = c === b ? 1 : 0;
    }
    while (this.nActive > 0) {
      // Next pool: lowest wave, then lowest rank, then lowest id.
      const rank = this.rank;
      const wv = this.activeWave;
      let best = 0;
      for (let a = 1; a < this.nActive; a++) {
        const p = this.active[a];
        const q = this.active[best];
        if (wv[p] < wv[q] || (wv[p] === wv[q] && (rank[p] < rank[q] || (rank[p] === rank[q] && p < q)))) best = a;
      }
      const p = this.active[best];
      this.active[best] = this.active[--this.nActive];
      this.activeGen[p] = 0;
      this.wave = wv[p];
      this.sweepRank = rank[p];
      this.sweep(p);
    }
  }

  /** Appends an entry (its lanes not yet set) to pool p's pending list; returns its id. */
  private newEntry(p: number, pos: number): number {
    const e = this.nEnt++;
    if (e === this.entPos.length) this.growEntries();
    this.entPos[e] = pos;
    if (this.poolGen[p] !== this.gen) {
      this.poolGen[p] = this.gen;
      this.poolHead[p] = -1;
    }
    this.entNext[e] = this.poolHead[p];
    this.poolHead[p] = e;
    if (this.activeGen[p] !== this.gen) {
      this.activeGen[p] = this.gen;
      this.activeWave[p] = this.rank[p] <= this.sweepRank ? this.wave + 1 : this.wave;
      this.active[this.nActive++] = p;
    }
    return e;
  }

  private growEntries(): void {
    const n = this.entPos.length * 2;
    const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.entPos = grow(this.entPos);
    this.entNext = grow(this.entNext);
    this.entOff = grow(this.entOff);
  }

  /** Makes room for n more masses in pool p's entry buffer. */
  private reserveLanes(p: number, n: number): void {
    const used = this.nEl[p];
    if (used + n <= this.elMass[p].length) return;
    const mass = new Float64Array(Math.max(this.elMass[p].length * 2, used + n));
    mass.set(this.elMass[p]);
    this.elMass[p] = mass;
  }

  private growOutputs(): void {
    const row = new Float64Array(this.outRow.length * 2);
    row.set(this.outRow);
    this.outRow = row;
    const lns = new Float64Array(this.outLn.length * 2);
    lns.set(this.outLn);
    this.outLn = lns;
  }

  /** Sweeps pool p's departures for its pending entries (bucketed by position), all lanes at once. */
  private sweep(p: number): void {
    const L = this.S;
    // Take the pending list and bucket it by position (counting-sort style, chains through entNext).
    let nTaken = 0;
    let lo = 0x7fffffff;
    let hi = -1;
    for (let e = this.poolGen[p] === this.gen ? this.poolHead[p] : -1; e >= 0; e = this.entNext[e]) {
      if (nTaken === this.taken.length) {
        const t = new Int32Array(nTaken * 2);
        t.set(this.taken);
        this.taken = t;
      }
      this.taken[nTaken++] = e;
      const x = this.entPos[e];
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    this.poolHead[p] = -1;
    if (nTaken === 0) return;
    const storedEnd = this.nEl[p];
    const span = hi - lo + 1;
    if (this.bucket.length < span) this.bucket = new Int32Array(span * 2);
    const bucket = this.bucket;
    bucket.fill(-1, 0, span);
    const entNext = this.entNext;
    const entPos = this.entPos;
    for (let a = 0; a < nTaken; a++) {
      const e = this.taken[a];
      const s = entPos[e] - lo;
      entNext[e] = bucket[s];
      bucket[s] = e;
    }

    const end = this.start[p + 1];
    const tau = this.pruneMass;
    const kOf = this.kOf;
    const dPool = this.dPool;
    const dIdx = this.dIdx;
    const invK = this.invK;
    const qK = this.qK;
    const lnQ = this.lnQ;
    const lnK = this.lnK;
    const g = this.g;
    const lng = this.lng;
    const stale = this.stale;
    const T = this.T;
    const Z = this.Z;
    const maxM = this.maxM;
    const pruned = this.pruned;
    const outGen = this.outGen;
    const outSlot = this.outSlot;
    const entOff = this.entOff;
    const gen = this.gen;
    let lnValid = true; // lng holds ln g for every lane that is not stale
    let live = 0; // lanes holding mass (≥ τ) after the last departure, or just absorbed
    let j = lo;
    for (;;) {
      let fresh = false; // some lane absorbed mass: its ln g is stale
      if (j <= hi) {
        const elMass = this.elMass[p];
        for (let e = bucket[j - lo]; e >= 0; e = entNext[e]) {
          const t0 = entOff[e];
          for (let b = 0; b < L; b++) g[b] += elMass[t0 + b];
          fresh = true;
        }
        if (fresh) {
          for (let b = 0; b < L; b++) stale[b] = 1;
          live = 1;
        }
      } else if (live === 0) break;
      if (j >= end) {
        // Mass left in a pool that never sends again is normalised away (see ForwardEntropy).
        for (let b = 0; b < L; b++) g[b] = 0;
        live = 0;
        break;
      }
      const k = kOf[j];
      const ik = invK[k];
      const q = qK[k];
      const dp = dPool[j];
      live = 0;
      if (dp === OUT) {
        const lk = lnK[k];
        const lq = lnQ[k];
        let o: number;
        let first: boolean;
        if (outGen[j] === gen) {
          o = outSlot[j] * L;
          first = false;
        } else {
          outGen[j] = gen;
          const s = this.nOut++;
          if ((s + 1) * L > this.outRow.length) this.growOutputs();
          outSlot[j] = s;
          o = s * L;
          first = true;
        }
        const row = this.outRow;
        const rowLn = this.outLn;
        if (first) for (let b = 0; b < L; b++) row[o + b] = 0;
        if (!lnValid) {
          // ln g is not advanced through forwarding or excluded departures (pure forwarding pools
          // never need it): recompute it where needed.
          for (let b = 0; b < L; b++) stale[b] = 1;
          lnValid = true;
        }
        for (let b = 0; b < L; b++) {
          const gb = g[b];
          if (gb < tau) {
            pruned[b] += gb;
            g[b] = 0;
            continue;
          }
          live++;
          const m = gb * ik;
          const old = row[o + b];
          if (old === 0) {
            let lg: number;
            if (stale[b] !== 0) {
              lg = ln(gb);
              stale[b] = 0;
            } else lg = lng[b];
            const lm = lg - lk; // ln m = ln g − ln k
            T[b] += m * lm;
            row[o + b] = m;
            rowLn[o + b] = lm;
            if (m > maxM[b]) maxM[b] = m;
            lng[b] = lg + lq;
          } else {
            // This output already got mass from an earlier sweep of its pool: replace its term, with
            // the ln stored then, so the terms telescope to m ln m (one ln error ε on the final m).
            const nw = old + m;
            const lnw = ln(nw);
            T[b] += nw * lnw - old * rowLn[o + b];
            row[o + b] = nw;
            rowLn[o + b] = lnw;
            if (nw > maxM[b]) maxM[b] = nw;
            lng[b] += lq; // meaningless while stale, recomputed then
          }
          Z[b] += m;
          g[b] = gb * q;
        }
      } else if (dp >= 0) {
        // Forward each lane's share to the pool the packet enters next: one dense row of L masses.
        const e = this.newEntry(dp, dIdx[j]);
        this.reserveLanes(dp, L);
        const elMass = this.elMass[dp];
        const t0 = this.nEl[dp];
        this.entOff[e] = t0;
        this.nEl[dp] = t0 + L;
        for (let b = 0; b < L; b++) {
          const gb = g[b];
          if (gb < tau) {
            pruned[b] += gb;
            g[b] = 0;
            elMass[t0 + b] = 0;
            continue;
          }
          live++;
          elMass[t0 + b] = gb * ik;
          g[b] = gb * q;
        }
        lnValid = false;
      } else {
        // Excluded or lost: the observer knows it is not the target; the pool keeps g(1 − 1/k).
        for (let b = 0; b < L; b++) {
          const gb = g[b];
          if (gb < tau) {
            pruned[b] += gb;
            g[b] = 0;
            continue;
          }
          live++;
          g[b] = gb * q;
        }
        lnValid = false;
      }
      j++;
      if (live === 0) {
        // Every lane is empty: jump to the next position with entries (or stop).
        while (j <= hi && bucket[j - lo] < 0) j++;
        if (j > hi) break;
      }
    }
    // Every mass stored for p so far belonged to the entries just swept: reuse its buffer (unless p
    // sent mass to itself during the sweep).
    if (this.nEl[p] === storedEnd) this.nEl[p] = 0;
  }
}
