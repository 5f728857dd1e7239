import { DEFAULT_PRUNE_MASS, DEST_OUTPUT, ForwardEntropy, type PoolLog } from './forward-entropy.js';

/** Longest run of departures sharing one exponent base (see {@link SegmentEntropy}). */
const BLOCK_DEPARTURES = 256;
/** A block also ends once its survival factor falls below e^−8, which keeps prefix differences accurate. */
const BLOCK_MIN_LOG_SURVIVAL = -8;
/** Mass still in a pool after its last entry is followed until it falls below this; the rest counts as pruned. */
const TAIL_MASS = 1e-13;

/**
 * Every message's exact forward entropy, like {@link ForwardEntropy}, but outgoing messages are
 * summed in closed form per run of departures instead of one by one.
 *
 * Between two entries of the target's mass into a pool, the pool mass decays deterministically:
 * G_j = G_x · Π_{x ≤ i < j} (1 − 1/k_i) (Loopix App. A), and departure j, if it leaves the network,
 * carries m_j = G_j / k_j. With S_j = Π_{b ≤ i < j}(1 − 1/k_i) from a block start b (precomputed
 * once per log), m_j = (G_x / S_x)·S_j/k_j, hence over a run x ≤ j < y
 *   Σ m_j       = c·Σ S_j/k_j,
 *   Σ m_j ln m_j = c·(ln c·Σ S_j/k_j + Σ (S_j/k_j)(ln S_j − ln k_j)),   c = G_x / S_x,
 * two differences of per-block prefix sums: O(1) per run instead of O(y − x). Propagation (mass a
 * pool forwards to other pools) still visits each forwarding departure, skipping the output runs
 * between them; a pool's outputs are summed once, after propagation, over all of its entries
 * (mass is linear, so a pool that got mass in several sweeps is still exact). Outputs are therefore
 * never pruned: only forwarded mass is (below τ, counted in the same error bound as
 * {@link ForwardEntropy}), so the bound is smaller at the same τ.
 */
export class SegmentEntropy extends ForwardEntropy {
  /** Per departure: S_j relative to its block start, and ln S_j. */
  private readonly surv: Float64Array;
  private readonly lnSurv: Float64Array;
  /** Per departure: inclusive prefix sums within its block over outputs of S/k and (S/k)(ln S − ln k). */
  private readonly cumA: Float64Array;
  private readonly cumB: Float64Array;
  /** Per departure: block number; per block: first departure (plus a sentinel), S after its last departure, max S/k over its outputs. */
  private readonly blk: Int32Array;
  private readonly blockFirst: Int32Array;
  private readonly blockEndSurv: Float64Array;
  private readonly blockMaxOut: Float64Array;
  /** Per departure: the first departure at or after it (same pool) that forwards to a pool, else the pool's end. */
  private readonly nextFwd: Int32Array;

  // Entries of the current message per pool, over all its sweeps.
  private readonly recIdx: Int32Array[];
  private readonly recMass: Float64Array[];
  private readonly recN: Int32Array;
  private readonly sweeps: Int32Array;
  private readonly touched: Int32Array;
  private nTouched = 0;

  constructor(log: PoolLog, rank: Int32Array, pruneMass = DEFAULT_PRUNE_MASS) {
    super(log, rank, pruneMass);
    const n = log.nodes;
    const start = this.start;
    const R = this.kOf.length;
    this.surv = new Float64Array(R);
    this.lnSurv = new Float64Array(R);
    this.cumA = new Float64Array(R);
    this.cumB = new Float64Array(R);
    this.blk = new Int32Array(R);
    this.nextFwd = new Int32Array(R);
    const first: number[] = [];
    const endSurv: number[] = [];
    const maxOut: number[] = [];
    for (let p = 0; p < n; p++) {
      const end = start[p + 1];
      let nf = end;
      for (let j = end - 1; j >= start[p]; j--) {
        if (this.dPool[j] >= 0) nf = j;
        this.nextFwd[j] = nf;
      }
      let len = BLOCK_DEPARTURES;
      let ls = 0;
      let s = 1;
      let a = 0;
      let b = 0;
      let mx = 0;
      for (let j = start[p]; j < end; j++) {
        if (len >= BLOCK_DEPARTURES || s === 0 || ls < BLOCK_MIN_LOG_SURVIVAL) {
          first.push(j);
          endSurv.push(0);
          maxOut.push(0);
          len = 0;
          ls = 0;
          s = 1;
          a = 0;
          b = 0;
          mx = 0;
        }
        const bi = first.length - 1;
        len++;
        this.blk[j] = bi;
        this.surv[j] = s;
        this.lnSurv[j] = ls;
        const k = this.kOf[j];
        if (this.dPool[j] === DEST_OUTPUT) {
          const t = s * this.invK[k];
          a += t;
          b += t * (ls - this.lnK[k]);
          if (t > mx) mx = t;
          maxOut[bi] = mx;
        }
        this.cumA[j] = a;
        this.cumB[j] = b;
        if (k <= 1) s = 0;
        else {
          ls += this.lnQ[k];
          s = Math.exp(ls);
        }
        endSurv[bi] = s;
      }
    }
    first.push(R);
    this.blockFirst = Int32Array.from(first);
    this.blockEndSurv = Float64Array.from(endSurv);
    this.blockMaxOut = Float64Array.from(maxOut);
    this.recIdx = Array.from({ length: n }, () => new Int32Array(16));
    this.recMass = Array.from({ length: n }, () => new Float64Array(16));
    this.recN = new Int32Array(n);
    this.sweeps = new Int32Array(n);
    this.touched = new Int32Array(n);
  }

  protected override run(pool: number, idx: number, single: boolean): void {
    this.nTouched = 0;
    super.run(pool, idx, single);
    if (single) return;
    for (let t = 0; t < this.nTouched; t++) {
      const p = this.touched[t];
      const n = this.recN[p];
      this.recN[p] = 0;
      const several = this.sweeps[p] > 1;
      this.sweeps[p] = 0;
      if (several) {
        // Entries from several sweeps: merge them through the base class's ordering.
        for (let e = 0; e < n; e++) this.push(p, this.recIdx[p][e], this.recMass[p][e]);
        // push() registered p as active again; nothing else is active here, so just clear it.
        (this as unknown as { nActive: number }).nActive = 0;
        const c = this.takeSorted(p);
        this.outputs_(p, this.sIdx, this.sMass, c);
      } else this.outputs_(p, this.recIdx[p], this.recMass[p], n);
    }
  }

  /** Mass at departure y of a pool given mass g at departure x ≤ y (same pool, y before its end). */
  private decay(x: number, y: number, g: number): number {
    const bx = this.blk[x];
    const by = this.blk[y];
    if (bx === by) return (g * this.surv[y]) / this.surv[x];
    g = (g * this.blockEndSurv[bx]) / this.surv[x];
    for (let b = bx + 1; b < by && g > 0; b++) g *= this.blockEndSurv[b];
    return g * this.surv[y];
  }

  /** Propagation only: forwards pool p's mass to the pools its departures enter (outputs come later). */
  protected override sweepSorted(p: number, n: number, single: boolean): void {
    if (single) {
      super.sweepSorted(p, n, single);
      return;
    }
    const ei = this.sIdx;
    const em = this.sMass;
    this.record(p, ei, em, n);
    const end = this.start[p + 1];
    const tau = this.pruneMass;
    const kOf = this.kOf;
    const dPool = this.dPool;
    const dIdx = this.dIdx;
    const invK = this.invK;
    const qK = this.qK;
    const nextFwd = this.nextFwd;
    const pendN = this.pendN;
    const pendIdx = this.pendIdx;
    const pendMass = this.pendMass;
    let pruned = this.pruned;
    let e = 0;
    let g = 0;
    let j = ei[0];
    while (j < end) {
      while (e < n && ei[e] <= j) g += em[e++];
      if (g < tau) {
        pruned += g;
        g = 0;
        if (e >= n) break;
        j = ei[e];
        continue;
      }
      const f = nextFwd[j];
      if (f !== j) {
        // Skip a run of outputs/excluded departures up to the next forwarding departure or entry.
        const to = e < n && ei[e] < f ? ei[e] : f;
        if (to >= end) break; // the mass left after the last departure is no outgoing message
        g = this.decay(j, to, g);
        j = to;
        continue;
      }
      const k = kOf[j];
      const m = g * invK[k];
      const dp = dPool[j];
      const pn = pendN[dp];
      if (pn === 0 || pn === pendIdx[dp].length || pn === 2 ** 21 - 1) this.push(dp, dIdx[j], m);
      else {
        pendIdx[dp][pn] = dIdx[j];
        pendMass[dp][pn] = m;
        pendN[dp] = pn + 1;
      }
      g *= qK[k];
      j++;
    }
    this.pruned = pruned;
  }

  private record(p: number, ei: Int32Array, em: Float64Array, n: number): void {
    if (this.sweeps[p]++ === 0) this.touched[this.nTouched++] = p;
    const have = this.recN[p];
    if (have + n > this.recIdx[p].length) {
      const cap = Math.max(2 * this.recIdx[p].length, have + n);
      const a = new Int32Array(cap);
      a.set(this.recIdx[p].subarray(0, have));
      this.recIdx[p] = a;
      const b = new Float64Array(cap);
      b.set(this.recMass[p].subarray(0, have));
      this.recMass[p] = b;
    }
    this.recIdx[p].set(ei.subarray(0, n), have);
    this.recMass[p].set(em.subarray(0, n), have);
    this.recN[p] = have + n;
  }

  /** Adds pool p's outgoing messages for its entries (sorted by position) to the message's sums, run by run. */
  private outputs_(p: number, ei: Int32Array, em: Float64Array, n: number): void {
    const end = this.start[p + 1];
    const surv = this.surv;
    const cumA = this.cumA;
    const cumB = this.cumB;
    const blk = this.blk;
    const blockFirst = this.blockFirst;
    const blockEndSurv = this.blockEndSurv;
    const blockMaxOut = this.blockMaxOut;
    let T = this.T;
    let Z = this.Z;
    let maxM = this.maxM;
    let e = 0;
    let g = 0;
    let x = ei[0];
    while (x < end) {
      while (e < n && ei[e] <= x) g += em[e++];
      const last = e >= n;
      const y = last ? end : ei[e] < end ? ei[e] : end;
      // Outputs x ≤ j < y with mass g at x, block by block.
      while (x < y) {
        const b = blk[x];
        const bEnd = blockFirst[b + 1];
        const t = y < bEnd ? y : bEnd; // exclusive
        const c = g / surv[x];
        const lo = x > blockFirst[b];
        const dA = cumA[t - 1] - (lo ? cumA[x - 1] : 0);
        if (dA > 0) {
          const dB = cumB[t - 1] - (lo ? cumB[x - 1] : 0);
          Z += c * dA;
          T += c * (Math.log(c) * dA + dB);
          if (c * blockMaxOut[b] > maxM) {
            for (let i = x; i < t; i++) {
              if (this.dPool[i] !== DEST_OUTPUT) continue;
              const m = c * surv[i] * this.invK[this.kOf[i]];
              if (m > maxM) maxM = m;
            }
          }
        }
        g = t < bEnd ? c * surv[t] : c * blockEndSurv[b];
        x = t;
        if (last && g < TAIL_MASS) {
          this.pruned += g;
          g = 0;
          x = end;
          break;
        }
      }
      if (last) break;
    }
    this.T = T;
    this.Z = Z;
    this.maxM = maxM;
  }
}
