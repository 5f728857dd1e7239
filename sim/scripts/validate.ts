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
        eq5_bits: Number(mean(r.columns.entropy).toFixed(4)),
        mass_bits: Number(mean(r.columns.targetEntropy).toFixed(4)),
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
