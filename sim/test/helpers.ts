import { parseScenario, type Scenario } from '../src/scenario.js';

/** A finite mean of the finite entries. */
export function finiteMean(a: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) {
    s += a[i];
    n++;
  }
  return s / n;
}

/** One Poisson mix fed by 20 users at 100 packets/s in total (λP = 5/s each), no links, no cap. */
export function oneMix(meanDelayMs: number, extra: Record<string, unknown> = {}): Readonly<Scenario> {
  return parseScenario({
    name: 'one-mix',
    seed: 3,
    durationS: 200,
    warmupS: 20,
    topology: { layers: 1, width: 1, providers: 1 },
    hopDelayMeanMs: meanDelayMs,
    hopDelayCapMs: 1e9,
    users: { count: 20, lambdaPPerS: 5, lambdaLPerS: 0, lambdaDPerS: 0, contacts: 3 },
    realTraffic: { kind: 'poisson', ratePerUserPerS: 2.5 },
    metrics: { trackedTargets: 300 },
    ...extra,
  });
}

/** A small stratified network for comparisons. */
export function network(extra: Record<string, unknown> = {}): Readonly<Scenario> {
  return parseScenario({
    name: 'net',
    seed: 11,
    durationS: 60,
    warmupS: 5,
    topology: { layers: 3, width: 3, providers: 3 },
    hopDelayMeanMs: 100,
    links: { kind: 'fixed', ms: 1 },
    users: { count: 30, lambdaPPerS: 2, lambdaLPerS: 0.5, lambdaDPerS: 0.5, contacts: 3 },
    realTraffic: { kind: 'poisson', ratePerUserPerS: 1 },
    metrics: { trackedTargets: 40 },
    ...extra,
  });
}
