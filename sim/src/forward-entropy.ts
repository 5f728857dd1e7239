import { I32Vec } from './vec.js';

/** Destination of a logged departure: the packet left the network (an outgoing message). */
export const DEST_OUTPUT = -1;
/** Destination of a logged departure: the observer knows it is not the target (a drop a corrupt
 * provider recognises, a packet an (n−1) attacker holds), or it never arrived anywhere. */
export const DEST_EXCLUDED = -2;

/**
 * What a global passive observer records at the honest pools (honest mixes, honest mixing ingress
 * providers) of one corruption variant: every departure with the pool size k it saw, and where the
 * departing packet next entered a pool or left the network. Corrupt nodes and non-mixing providers
 * are transparent to the observer (it links their input to their output), so a departure's
 * destination is the next *honest pool* the packet reaches.
 *
 * A departure is identified by (pool, position): position = how many departures that pool had logged
 * before it. An arrival is identified by the position of the first departure after it.
 */
export class PoolLog {
  /** Departures logged per node so far (= position of the next departure). */
  readonly depCount: Int32Array;
  readonly recPool = new I32Vec(1 << 16);
  readonly recK = new I32Vec(1 << 16);
  readonly recDestPool = new I32Vec(1 << 16);
  readonly recDestPos = new I32Vec(1 << 16);

  constructor(readonly nodes: number) {
    this.depCount = new Int32Array(nodes);
  }

  /** Logs a departure from `pool` seen holding k ≥ 1 packets; returns its record id. */
  depart(pool: number, k: number): number {
    this.recK.push(k);
    this.recDestPool.push(DEST_EXCLUDED);
    this.recDestPos.push(0);
    this.depCount[pool]++;
    return this.recPool.push(pool);
  }

  /** The packet of departure `rec` entered `pool` (before that pool's next departure). */
  enter(rec: number, pool: number): void {
    this.recDestPool.data[rec] = pool;
    this.recDestPos.data[rec] = this.depCount[pool];
  }

  /** The packet of departure `rec` left the network (excluded: the observer knows it is not the target). */
  leave(rec: number, excluded: boolean): void {
    this.recDestPool.data[rec] = excluded ? DEST_EXCLUDED : DEST_OUTPUT;
  }

  get records(): number {
    return this.recPool.length;
  }
}

/** A {@link PoolLog} in compressed-sparse-row order: departures grouped by pool, in order. */
export interface PoolCsr {
  /** CSR offsets per node (nodes + 1). */
  start: Int32Array;
  /** Pool size seen at each departure. */
  kOf: Int32Array;
  /** Destination pool or DEST_*. */
  dPool: Int32Array;
  /** Destination CSR index (first departure of dPool after the entry). */
  dIdx: Int32Array;
  /** Log record of each departure: the order in which the observer saw them (time order). */
  rec: Int32Array;
  maxK: number;
  /** Departures that became outgoing messages. */
  outputs: number;
}

/** Groups a log's departures by pool (shared by both entropy methods). */
export function buildPoolCsr(log: PoolLog): PoolCsr {
  const n = log.nodes;
  const R = log.records;
  const start = new Int32Array(n + 1);
  const pool = log.recPool.data;
  for (let r = 0; r < R; r++) start[pool[r] + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const kOf = new Int32Array(R);
  const dPool = new Int32Array(R);
  const dIdx = new Int32Array(R);
  const rec = new Int32Array(R);
  const fill = start.slice(0, n);
  let maxK = 1;
  let outputs = 0;
  for (let r = 0; r < R; r++) {
    const j = fill[pool[r]]++;
    rec[j] = r;
    const k = log.recK.data[r];
    kOf[j] = k;
    if (k > maxK) maxK = k;
    const dp = log.recDestPool.data[r];
    dPool[j] = dp;
    if (dp >= 0) dIdx[j] = start[dp] + log.recDestPos.data[r];
    else if (dp === DEST_OUTPUT) outputs++;
  }
  return { start, kOf, dPool, dIdx, rec, maxK, outputs };
}

/** Entry pool value that asks {@link ForwardEntropy.computeAll} to skip a message (NaN results). */
export const SKIP = -2;

/** Default pruning threshold: a pool's remaining mass of the target below this is dropped and counted. */
export const DEFAULT_PRUNE_MASS = 1e-6;

export interface ForwardEntropyResult {
  /** Shannon entropy (bits) of the distribution over outgoing messages; 0 when no honest pool was crossed. */
  entropy: Float64Array;
  minEntropy: Float64Array;
  /** |true − reported| entropy is at most this many bits (pruned mass, see docs/sim.md). */
  errorBound: Float64Array;
}

const LN2 = Math.LN2;

/** Shannon entropy (bits) of output masses with Σ m = Z > 0 and Σ m ln m = T: ln Z − T/Z, in bits (NaN when Z = 0). */
export function entropyBitsOf(T: number, Z: number): number {
  if (!(Z > 0)) return NaN;
  const h = (Math.log(Z) - T / Z) / LN2;
  return h < 0 ? 0 : h;
}

/**
 * Bound (bits) on |true − computed| entropy when mass δ = `pruned` was dropped and Z delivered, over N
 * outgoing messages (log2N = log2 N), given the computed entropy H = `hBits` of the followed part P
 * (docs/sim.md, *Pruning*). The true distribution is q = (1 − a)P + aQ with a ≤ δ/(Z + δ) and Q
 * unknown; concavity and the grouping rule give (1 − a)H(P) ≤ H(q) ≤ h2(a) + (1 − a)H(P) + a·log2 N
 * (Cover & Thomas, Thm. 2.7.3 and Ex. 2.10), so
 *   H(P) − H(q) ≤ a·H(P)   and   H(q) − H(P) ≤ h2(a) + a·(log2 N − H(P)),
 * and the bound is the larger of the two (≤ h2(a) + a·log2 N, the form used before `hBits` was
 * passed; omitting hBits gives that form). Both are increasing in a for a < 1/2.
 */
export function pruneBoundBits(pruned: number, Z: number, log2N: number, hBits = 0): number {
  if (pruned <= 0) return 0;
  const a = pruned / (Z + pruned);
  if (a >= 0.5) return log2N;
  const h = hBits > 0 ? Math.min(hBits, log2N) : 0;
  const h2 = -a * Math.log2(a) - (1 - a) * Math.log2(1 - a);
  return Math.max(a * h, h2 + a * (log2N - h));
}

/** Per pool size k ≤ maxK: 1/k, 1 − 1/k, ln(1 − 1/k) and ln k (shared by both entropy methods; read, not computed, in their loops). */
export interface PoolSizeTables {
  invK: Float64Array;
  qK: Float64Array;
  lnQ: Float64Array;
  lnK: Float64Array;
}

export function poolSizeTables(maxK: number): PoolSizeTables {
  const invK = new Float64Array(maxK + 1);
  const qK = new Float64Array(maxK + 1);
  const lnQ = new Float64Array(maxK + 1);
  const lnK = new Float64Array(maxK + 1);
  for (let k = 1; k <= maxK; k++) {
    invK[k] = 1 / k;
    qK[k] = 1 - 1 / k;
    lnQ[k] = Math.log(1 - 1 / k);
    lnK[k] = Math.log(k);
  }
  return { invK, qK, lnQ, lnK };
}

/** Entries per sweep are numbered below this; position·ENTRY_SPAN + number stays an exact float64. */
const ENTRY_SPAN = 2 ** 21;

/**
 * Exact forward entropy for every message, computed after a run from a {@link PoolLog}.
 *
 * Loopix Appendix A / MiXiM: at an honest Poisson mix each departure is, for the observer, a uniform
 * draw from the k packets it sees in the pool, so a target's pool mass g gives g/k to the departure
 * and keeps g(1 − 1/k). Starting from mass 1 where the message first enters an honest pool, we sweep
 * each pool's departures in order, forwarding each departure's share to the pool its packet enters
 * next or to the outgoing message it becomes. Propagation is linear, so a pool receiving mass after
 * it was swept is simply swept again for the new mass (exact). Mass left in a pool after its last
 * departure is normalised away (conditioning on the target having left). A pool whose mass falls below
 * `pruneMass` stops; the dropped mass δ is summed and turned into an error bound:
 *   |H_true − H| ≤ h2(a) + a·log2(N), a = δ/(Z + δ),
 * with Z the delivered mass and N the number of outgoing messages of the run (mixture bounds on
 * entropy: H((1−a)P + aQ) ∈ [(1−a)H(P), h2(a) + (1−a)H(P) + a·H(Q)]).
 */
export class ForwardEntropy {
  private readonly start: Int32Array; // CSR offsets per node (nodes + 1)
  private readonly kOf: Int32Array; // pool size seen at each departure (CSR order)
  private readonly dPool: Int32Array; // destination pool / DEST_*
  private readonly dIdx: Int32Array; // destination CSR index (first departure after the entry)
  private readonly invK: Float64Array;
  private readonly qK: Float64Array;
  private readonly lnQ: Float64Array;
  private readonly lnK: Float64Array;
  private readonly rank: Int32Array;
  private readonly log2N: number;
  readonly outputs: number;

  // Per-message scratch (no allocation per message).
  private readonly stamp: Int32Array;
  private readonly massAt: Float64Array;
  private cur = 0;
  private readonly pendIdx: Int32Array[];
  private readonly pendMass: Float64Array[];
  private readonly pendN: Int32Array;
  private readonly active: Int32Array;
  private nActive = 0;
  private sIdx = new Int32Array(256);
  private sMass = new Float64Array(256);
  private sKey = new Float64Array(256);
  private dense = new Float64Array(4096);

  // Accumulators of the current message.
  private T = 0; // Σ m ln m over outputs
  private Z = 0; // delivered mass
  private maxM = 0;
  private pruned = 0;

  /**
   * @param rank per node: pools are swept in increasing rank (e.g. ingress providers 0, layer l → l+1),
   *   which avoids re-sweeps on layered routes; any rank is still exact.
   */
  constructor(log: PoolLog, rank: Int32Array, readonly pruneMass = DEFAULT_PRUNE_MASS) {
    const n = log.nodes;
    if (!(pruneMass > 0 && pruneMass < 1)) throw new RangeError(`pruneMass: must be in (0, 1), got ${pruneMass}`);
    if (rank.length !== n) throw new RangeError(`rank: must have one entry per node (${n}), got ${rank.length}`);
    this.rank = rank;
    const csr = buildPoolCsr(log);
    this.start = csr.start;
    this.kOf = csr.kOf;
    this.dPool = csr.dPool;
    this.dIdx = csr.dIdx;
    const R = csr.kOf.length;
    const outputs = csr.outputs;
    this.outputs = outputs;
    this.log2N = Math.log2(Math.max(2, outputs));
    ({ invK: this.invK, qK: this.qK, lnQ: this.lnQ, lnK: this.lnK } = poolSizeTables(csr.maxK));
    this.stamp = new Int32Array(R).fill(-1);
    this.massAt = new Float64Array(R);
    this.pendIdx = Array.from({ length: n }, () => new Int32Array(16));
    this.pendMass = Array.from({ length: n }, () => new Float64Array(16));
    this.pendN = new Int32Array(n);
    this.active = new Int32Array(n);
  }

  /** CSR index of the departure at `pos` of `pool` (the entry point of an arrival logged there). */
  index(pool: number, pos: number): number {
    return this.start[pool] + pos;
  }

  /**
   * Entropy, min-entropy and error bound for every message. entryPool[i] = −1 means message i never
   * entered an honest pool: the observer links it to its output (entropy 0); {@link SKIP} leaves NaN.
   * Messages with the same entry point share one computation.
   */
  computeAll(entryPool: Int32Array, entryPos: Int32Array): ForwardEntropyResult {
    const M = entryPool.length;
    const entropy = new Float64Array(M);
    const minEntropy = new Float64Array(M);
    const errorBound = new Float64Array(M);
    const key = new Float64Array(M);
    for (let i = 0; i < M; i++) key[i] = entryPool[i] === SKIP ? -2 : entryPool[i] < 0 ? -1 : this.start[entryPool[i]] + entryPos[i];
    // Same entry point and pool share a computation (a pool's end has the next pool's first index).
    const order = Int32Array.from({ length: M }, (_, i) => i).sort((a, b) => key[a] - key[b] || entryPool[a] - entryPool[b] || a - b);
    let lastKey = -3;
    let lastPool = -3;
    let h = 0;
    let hm = 0;
    let eb = 0;
    for (let o = 0; o < M; o++) {
      const i = order[o];
      const kk = key[i];
      if (kk !== lastKey || entryPool[i] !== lastPool) {
        lastKey = kk;
        lastPool = entryPool[i];
        if (kk === -2) {
          h = NaN;
          hm = NaN;
          eb = NaN;
        } else if (kk === -1) {
          h = 0;
          hm = 0;
          eb = 0;
        } else {
          this.run(entryPool[i], kk, false);
          h = this.entropyBits();
          hm = this.Z > 0 ? -Math.log2(this.maxM / this.Z) : NaN;
          eb = this.bound();
        }
      }
      entropy[i] = h;
      minEntropy[i] = hm;
      errorBound[i] = eb;
    }
    return { entropy, minEntropy, errorBound };
  }

  /** Entropy (bits) of one arrival's distribution over the departures of its own pool only. */
  singlePoolEntropy(pool: number, pos: number): number {
    this.run(pool, this.start[pool] + pos, true);
    return this.entropyBits();
  }

  private entropyBits(): number {
    return entropyBitsOf(this.T, this.Z);
  }

  private bound(): number {
    return pruneBoundBits(this.pruned, this.Z, this.log2N, this.entropyBits());
  }

  private run(pool: number, idx: number, single: boolean): void {
    this.cur++;
    this.T = 0;
    this.Z = 0;
    this.maxM = 0;
    this.pruned = 0;
    this.nActive = 0;
    this.push(pool, idx, 1);
    while (this.nActive > 0) {
      // Next pool: lowest rank, then lowest id.
      let best = 0;
      for (let a = 1; a < this.nActive; a++) {
        const p = this.active[a];
        const q = this.active[best];
        if (this.rank[p] < this.rank[q] || (this.rank[p] === this.rank[q] && p < q)) best = a;
      }
      const p = this.active[best];
      this.active[best] = this.active[--this.nActive];
      this.sweep(p, single);
    }
  }

  private push(pool: number, idx: number, m: number): void {
    let n = this.pendN[pool];
    if (n === 0) this.active[this.nActive++] = pool;
    else if (n === ENTRY_SPAN - 1) {
      // Pathologically many entries: fold this one into the pruned mass rather than overflow the key.
      this.pruned += m;
      return;
    }
    if (n === this.pendIdx[pool].length) {
      const a = new Int32Array(n * 2);
      a.set(this.pendIdx[pool]);
      (this.pendIdx as Int32Array[])[pool] = a;
      const b = new Float64Array(n * 2);
      b.set(this.pendMass[pool]);
      this.pendMass[pool] = b;
    }
    this.pendIdx[pool][n] = idx;
    this.pendMass[pool][n] = m;
    this.pendN[pool] = n + 1;
  }

  /** Sweeps pool p's departures for its pending entries (taken, sorted by position). */
  private sweep(p: number, single: boolean): void {
    this.sweepSorted(p, this.takeSorted(p), single);
  }

  /** Takes pool p's pending entries into sIdx/sMass sorted by position (same positions may merge); returns their count. */
  private takeSorted(p: number): number {
    const n = this.pendN[p];
    this.pendN[p] = 0;
    if (this.sIdx.length < n) {
      this.sIdx = new Int32Array(n * 2);
      this.sMass = new Float64Array(n * 2);
    }
    const ei = this.sIdx;
    const em = this.sMass;
    const pi = this.pendIdx[p];
    const pm = this.pendMass[p];
    // Sort by position: pack (position, entry number) into one exact float64 key, native sort
    // (skipped when the entries already came in order).
    let sorted = true;
    for (let a = 1; a < n; a++) if (pi[a] < pi[a - 1]) {
      sorted = false;
      break;
    }
    let count = n;
    if (sorted) {
      ei.set(pi.subarray(0, n));
      em.set(pm.subarray(0, n));
    } else {
      let lo = pi[0];
      let hi = pi[0];
      for (let a = 1; a < n; a++) {
        const x = pi[a];
        if (x < lo) lo = x;
        else if (x > hi) hi = x;
      }
      const span = hi - lo + 1;
      if (span <= 8 * n + 4096) count = this.bucketEntries(pi, pm, n, lo, span);
      else this.sortEntries(pi, pm, n);
    }
    return count;
  }

  /** Orders entries through a dense array over their position range (same positions merge). */
  private bucketEntries(pi: Int32Array, pm: Float64Array, n: number, lo: number, span: number): number {
    if (this.dense.length < span) this.dense = new Float64Array(span * 2);
    const acc = this.dense;
    acc.fill(0, 0, span);
    for (let a = 0; a < n; a++) acc[pi[a] - lo] += pm[a];
    const ei = this.sIdx;
    const em = this.sMass;
    let c = 0;
    for (let x = 0; x < span; x++) {
      const v = acc[x];
      if (v !== 0) {
        ei[c] = lo + x;
        em[c++] = v;
      }
    }
    return c;
  }

  private sortEntries(pi: Int32Array, pm: Float64Array, n: number): void {
    const ei = this.sIdx;
    const em = this.sMass;
    if (this.sKey.length < n) this.sKey = new Float64Array(n * 2);
    const key = this.sKey.subarray(0, n);
    for (let a = 0; a < n; a++) key[a] = pi[a] * ENTRY_SPAN + a;
    key.sort();
    for (let a = 0; a < n; a++) {
      const x = key[a];
      const idx = Math.floor(x / ENTRY_SPAN);
      ei[a] = idx;
      em[a] = pm[x - idx * ENTRY_SPAN];
    }
  }

  private sweepSorted(p: number, n: number, single: boolean): void {
    const ei = this.sIdx;
    const em = this.sMass;
    const end = this.start[p + 1];
    const tau = this.pruneMass;
    const kOf = this.kOf;
    const dPool = this.dPool;
    const dIdx = this.dIdx;
    const invK = this.invK;
    const qK = this.qK;
    const lnQ = this.lnQ;
    const lnK = this.lnK;
    const stamp = this.stamp;
    const massAt = this.massAt;
    const cur = this.cur;
    const pendN = this.pendN;
    const pendIdx = this.pendIdx;
    const pendMass = this.pendMass;
    let T = this.T;
    let Z = this.Z;
    let maxM = this.maxM;
    let pruned = this.pruned;
    let e = 0;
    let g = 0;
    let lng = 0;
    let stale = true; // ln g is only needed at outputs: recompute lazily after absorbing entries
    let j = ei[0];
    for (;;) {
      if (e < n && ei[e] <= j) {
        while (e < n && ei[e] <= j) g += em[e++];
        stale = true;
      }
      if (j >= end) {
        // The observer still counts packets in a pool that never sends again (its count drifts when
        // mix loops come back): mass stuck there is not any outgoing message, so it is normalised
        // away, i.e. we condition on the target having left the network.
        g = 0;
        if (e >= n) break;
        j = ei[e];
        continue;
      }
      if (g < tau) {
        // Pruned: count it for the error bound, jump to the next entry.
        pruned += g;
        g = 0;
        if (e >= n) break;
        j = ei[e];
        continue;
      }
      const k = kOf[j];
      const m = g * invK[k];
      const dp = single ? DEST_OUTPUT : dPool[j];
      if (dp === DEST_OUTPUT) {
        if (stale) {
          lng = Math.log(g);
          stale = false;
        }
        if (stamp[j] !== cur) {
          stamp[j] = cur;
          massAt[j] = m;
          T += m * (lng - lnK[k]); // ln m = ln g − ln k
          if (m > maxM) maxM = m;
        } else {
          // This output already got mass from an earlier sweep: replace its term.
          const old = massAt[j];
          const nw = old + m;
          massAt[j] = nw;
          T += nw * Math.log(nw) - old * Math.log(old);
          if (nw > maxM) maxM = nw;
        }
        Z += m;
      } else if (dp >= 0) {
        const pn = pendN[dp];
        if (pn === 0 || pn === pendIdx[dp].length || pn === ENTRY_SPAN - 1) this.push(dp, dIdx[j], m);
        else {
          pendIdx[dp][pn] = dIdx[j];
          pendMass[dp][pn] = m;
          pendN[dp] = pn + 1;
        }
      }
      g *= qK[k];
      lng += lnQ[k];
      j++;
    }
    this.T = T;
    this.Z = Z;
    this.maxM = maxM;
    this.pruned = pruned;
  }
}
