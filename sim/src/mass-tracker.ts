/**
 * Probability-mass propagation through continuous-time mixes, as MiXiM and Piotrowska's Loopix
 * anonymity simulator do: every packet carries, per label (a tracked target message, or a sender),
 * the adversary's probability that it *is* that label. At an honest Poisson mix the departures are
 * memoryless, so each packet in the pool is equally likely to be the one leaving (Loopix Appendix A):
 * the leaving packet takes M/k of every label's pool mass M (k = packets the adversary sees in the
 * pool), and the pool keeps M(k−1)/k. Arrivals add their masses to the pool. A corrupt mix links
 * input to output, so its packets keep their own masses.
 */
export class MassTracker {
  private readonly pools: (Map<number, number> | undefined)[];
  private pkt: (number[] | undefined)[] = [];

  /** Masses below this are not attached to a departing packet. */
  static readonly MIN_ATTACH = 1e-9;
  /** Pool masses below this are forgotten (the loss is reported as unaccounted mass). */
  static readonly MIN_KEEP = 1e-9;

  constructor(nodes: number) {
    this.pools = new Array(nodes).fill(undefined);
  }

  /** Gives packet pk mass m of label (e.g. a fresh tracked message: mass 1). */
  attach(pk: number, label: number, m: number): void {
    const a = this.pkt[pk];
    if (a === undefined) this.pkt[pk] = [label, m];
    else a.push(label, m);
  }

  has(pk: number): boolean {
    return this.pkt[pk] !== undefined;
  }

  /** Honest arrival: the packet's masses join the node's pool. */
  merge(node: number, pk: number): void {
    const a = this.pkt[pk];
    if (a === undefined) return;
    let pool = this.pools[node];
    if (pool === undefined) pool = this.pools[node] = new Map();
    for (let i = 0; i < a.length; i += 2) pool.set(a[i], (pool.get(a[i]) ?? 0) + a[i + 1]);
    this.pkt[pk] = undefined;
  }

  /** Honest departure from a pool the adversary sees holding k packets (this one included). */
  draw(node: number, pk: number, k: number): void {
    const pool = this.pools[node];
    if (pool === undefined || pool.size === 0) return;
    let out = this.pkt[pk];
    for (const [label, m] of pool) {
      const p = m / k;
      if (p >= MassTracker.MIN_ATTACH) {
        if (out === undefined) out = this.pkt[pk] = [];
        out.push(label, p);
      }
      const rest = m - p;
      if (rest < MassTracker.MIN_KEEP) pool.delete(label);
      else pool.set(label, rest);
    }
  }

  /** Removes and returns the packet's masses (label, mass pairs), e.g. at delivery. */
  take(pk: number): number[] | undefined {
    const a = this.pkt[pk];
    this.pkt[pk] = undefined;
    return a;
  }
}

/** Binary entropy H2(w) in bits. */
export function h2(w: number): number {
  if (w <= 0 || w >= 1) return 0;
  return -w * Math.log2(w) - (1 - w) * Math.log2(1 - w);
}

/** Accumulates a label's delivered masses: entropy and min-entropy of the normalised distribution. */
export class DeliveredMass {
  plogp = 0;
  total = 0;
  max = 0;
  add(p: number): void {
    this.plogp -= p * Math.log2(p);
    this.total += p;
    if (p > this.max) this.max = p;
  }
  /** Shannon entropy (bits) of p/total: (−Σ p log p)/Z + log Z. */
  entropy(): number {
    return this.total > 0 ? this.plogp / this.total + Math.log2(this.total) : NaN;
  }
  minEntropy(): number {
    return this.total > 0 ? -Math.log2(this.max / this.total) : NaN;
  }
}
