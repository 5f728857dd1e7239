/** Small statistics helpers for summaries (sorted-array quantiles, t and bootstrap confidence intervals). */
import { seededRng } from '@strata/core/sched/index';

/** Linear-interpolation quantile (type 7) of an ascending array. */
export function quantileSorted(xs: ArrayLike<number>, q: number): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

// Two-sided 95% Student t critical values for 1..30 degrees of freedom.
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** 95% confidence interval of the mean of per-repetition values (Student t); null below 2 values. */
export function ci95(values: number[]): [number, number] | null {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n < 2) return null;
  const m = v.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
  const t = n - 1 <= 30 ? T95[n - 2] : 1.96;
  const h = (t * sd) / Math.sqrt(n);
  return [m - h, m + h];
}

/** Resamples used by {@link bootstrapCi95}. */
export const BOOTSTRAP_RESAMPLES = 4000;

/**
 * 95% percentile-bootstrap interval of the mean of per-repetition values (Efron & Tibshirani 1993,
 * §13.3): resample the repetitions with replacement, take the 2.5% and 97.5% quantiles of the
 * resampled means. Every resampled mean is a mean of observed values, so for a non-negative metric
 * (ε) the interval never leaves [min, max] of the repetition means, unlike a t-interval. Fixed seed:
 * same values → same interval. With few repetitions it is narrow (under-covers); null below 2.
 */
export function bootstrapCi95(values: number[]): [number, number] | null {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n < 2) return null;
  const rng = seededRng(0x5eed);
  const means = new Float64Array(BOOTSTRAP_RESAMPLES);
  for (let b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += v[rng.int(n)];
    means[b] = s / n;
  }
  means.sort();
  return [quantileSorted(means, 0.025), quantileSorted(means, 0.975)];
}

export interface MetricStat {
  /** Number of samples pooled over repetitions. */
  n: number;
  mean: number | null;
  median: number | null;
  p25: number | null;
  p75: number | null;
  /** 95% CI of the mean across repetitions (null with one repetition): Student t, or percentile bootstrap. */
  ci95: [number, number] | null;
  ciMethod: 't' | 'bootstrap';
  p95?: number | null;
  p99?: number | null;
}

const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Summarises samples: distribution statistics over all repetitions' samples pooled, and the CI over
 * the per-repetition means. Non-finite samples are ignored.
 */
export function metricStat(perRep: ArrayLike<number>[], tails = false, ciMethod: 't' | 'bootstrap' = 't'): MetricStat {
  let n = 0;
  for (const a of perRep) for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) n++;
  const all = new Float64Array(n);
  const repMeans: number[] = [];
  let k = 0;
  for (const a of perRep) {
    let s = 0;
    let c = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (Number.isFinite(x)) {
        all[k++] = x;
        s += x;
        c++;
      }
    }
    if (c > 0) repMeans.push(s / c);
  }
  all.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += all[i];
  const ci = ciMethod === 't' ? ci95(repMeans) : bootstrapCi95(repMeans);
  const out: MetricStat = {
    n,
    mean: n > 0 ? sum / n : null,
    median: fin(quantileSorted(all, 0.5)),
    p25: fin(quantileSorted(all, 0.25)),
    p75: fin(quantileSorted(all, 0.75)),
    ci95: ci,
    ciMethod,
  };
  if (tails) {
    out.p95 = fin(quantileSorted(all, 0.95));
    out.p99 = fin(quantileSorted(all, 0.99));
  }
  return out;
}

/** Regularised lower incomplete gamma P(k, x) for integer k: the Erlang(k, rate) CDF at x·rate. */
export function erlangCdf(k: number, rate: number, x: number): number {
  if (x <= 0) return 0;
  const y = rate * x;
  let term = 1;
  let sum = 1;
  for (let i = 1; i < k; i++) {
    term *= y / i;
    sum += term;
  }
  return 1 - Math.exp(-y) * sum;
}
