/**
 * Kolmogorov–Smirnov statistics, used by the scheduling tests and the simulator's validation to check
 * that generated times follow the intended distributions. Sorts its input in place.
 */

/** One-sample KS statistic D = sup |F_n(x) − F(x)|. */
export function ksOneSample(samples: Float64Array | number[], cdf: (x: number) => number): number {
  const xs = samples instanceof Float64Array ? samples.sort() : Float64Array.from(samples).sort();
  const n = xs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(xs[i]);
    const lo = f - i / n;
    const hi = (i + 1) / n - f;
    if (lo > d) d = lo;
    if (hi > d) d = hi;
  }
  return d;
}

/** Two-sample KS statistic D = sup |F_a(x) − F_b(x)|. */
export function ksTwoSample(a: Float64Array | number[], b: Float64Array | number[]): number {
  const xa = Float64Array.from(a).sort();
  const xb = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < xa.length && j < xb.length) {
    const x = xa[i] <= xb[j] ? xa[i] : xb[j];
    while (i < xa.length && xa[i] <= x) i++;
    while (j < xb.length && xb[j] <= x) j++;
    const diff = Math.abs(i / xa.length - j / xb.length);
    if (diff > d) d = diff;
  }
  return d;
}

/** Asymptotic KS critical value at significance alpha (c(α)·sqrt((n+m)/(n·m)); m = Infinity for one sample). */
export function ksCriticalValue(alpha: number, n: number, m = Infinity): number {
  const c = Math.sqrt(-0.5 * Math.log(alpha / 2));
  return m === Infinity ? c / Math.sqrt(n) : c * Math.sqrt((n + m) / (n * m));
}
