// `npm run validate -w @strata/sim`: longer validations than `npm test` (prints JSON lines).
import { parseScenario } from '../src/scenario.js';
import { runRepetition } from '../src/engine.js';

function mean(a: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) {
    s += a[i];
    n++;
  }
  return s / n;
}

// One Poisson mix: entropy against log2(e·λ·d) over λ·d from 10 to 100, three repetitions each.
for (const d of [100, 200, 500, 1000]) {
  for (let rep = 0; rep < 3; rep++) {
    const sc = parseScenario({
      name: 'validate-one-mix',
      seed: 17,
      durationS: 400,
      warmupS: 40,
      topology: { layers: 1, width: 1, providers: 1 },
      hopDelayMeanMs: d,
      hopDelayCapMs: 1e9,
      users: { count: 50, lambdaPPerS: 2, lambdaLPerS: 0, lambdaDPerS: 0, contacts: 3 },
      realTraffic: { kind: 'poisson', ratePerUserPerS: 1 },
      metrics: { trackedTargets: 500 },
    });
    const r = runRepetition(sc, rep);
    const theory = Math.log2((Math.E * r.lambdaPerMixPerS * d) / 1000);
    console.log(
      JSON.stringify({
        check: 'single_mix_entropy',
        lambda_d: Number(((r.lambdaPerMixPerS * d) / 1000).toFixed(2)),
        rep,
        theory_bits: Number(theory.toFixed(4)),
        every_message_bits: Number(mean(r.columns.entropy).toFixed(4)),
        reference_bits: Number(mean(r.columns.referenceEntropy).toFixed(4)),
        max_error_bound_bits: Number(r.columns.entropyErrorBound.reduce((a, b) => Math.max(a, b), 0).toExponential(2)),
      }),
    );
  }
}

// Compromised paths against b^L for per-layer placement.
for (const b of [0.1, 0.3, 0.5]) {
  const sc = parseScenario({
    name: 'validate-bl',
    seed: 5,
    durationS: 100,
    warmupS: 5,
    topology: { layers: 3, width: 10, providers: 4 },
    users: { count: 200, lambdaPPerS: 3, lambdaLPerS: 0, lambdaDPerS: 0, contacts: 3 },
    realTraffic: { kind: 'poisson', ratePerUserPerS: 2 },
    adversary: { corruptMixFraction: b, placement: 'per-layer' },
    metrics: { trackedTargets: 0 },
  });
  const r = runRepetition(sc, 0);
  console.log(JSON.stringify({ check: 'compromised_paths', b, theory: b ** 3, simulated: Number(r.variants[0].compromisedPaths.toFixed(5)), n: r.messagesSent }));
}

// Every-message exact entropy against the online reference tracker (pruning at 1e-9) on layered networks.
for (const [L, W, users, lambdaM] of [[3, 3, 40, 0], [3, 5, 100, 1], [2, 10, 200, 1]] as const) {
  const sc = parseScenario({
    name: 'validate-reference',
    seed: 23,
    durationS: 60,
    warmupS: 5,
    topology: { layers: L, width: W, providers: 4 },
    hopDelayMeanMs: 100,
    links: { kind: 'uniform', minMs: 1, maxMs: 5 },
    users: { count: users, lambdaPPerS: 2, lambdaLPerS: 0.5, lambdaDPerS: 0.5, contacts: 3 },
    realTraffic: { kind: 'poisson', ratePerUserPerS: 1 },
    mixLoops: { lambdaMPerS: lambdaM },
    metrics: { trackedTargets: 300 },
  });
  const c = runRepetition(sc, 0).columns;
  let n = 0;
  let maxDiff = 0;
  let maxExcess = -Infinity;
  for (let i = 0; i < c.entropy.length; i++) {
    if (!Number.isFinite(c.referenceEntropy[i])) continue;
    n++;
    const d = Math.abs(c.entropy[i] - c.referenceEntropy[i]);
    maxDiff = Math.max(maxDiff, d);
    maxExcess = Math.max(maxExcess, d - c.entropyErrorBound[i]);
  }
  console.log(
    JSON.stringify({
      check: 'every_message_vs_reference',
      network: `${L}x${W}`,
      users,
      lambda_m: lambdaM,
      compared: n,
      mean_bits: Number(mean(c.entropy).toFixed(4)),
      max_abs_diff_bits: Number(maxDiff.toExponential(2)),
      max_diff_minus_bound_bits: Number(maxExcess.toExponential(2)),
      mean_error_bound_bits: Number(mean(c.entropyErrorBound).toExponential(2)),
    }),
  );
}
