import type { RepResult } from './engine.js';
import type { Scenario } from './scenario.js';
import { metricStat, type MetricStat } from './stats.js';

export interface Summary {
  scenario: string;
  seed: number;
  repetitions: number;
  messages: { sent: number; delivered: number };
  events: number;
  /** Packet arrivals at nodes plus packets leaving nodes. */
  packetHops: number;
  packets: RepResult['packets'];
  metrics: Record<string, MetricStat>;
  /** Extra facts about metrics (fraction of infinite ε, identification failures). */
  notes: Record<string, number | null>;
  theory: Record<string, number>;
  corruptSweep: { fraction: number; meanEntropyBits: number | null; compromisedPathFraction: number | null; theoryBL: number }[];
  /** Wall-clock fields: the only part that differs between identical runs. */
  wall: { seconds: number; eventsPerSecond: number; packetHopsPerSecond: number };
}

const one = (x: number | null | undefined): Float64Array => Float64Array.of(x === null || x === undefined ? NaN : x);
const nul = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Aggregates repetitions into the summary (every metric: mean, median, p25, p75, CI over repetitions). */
export function summarise(sc: Readonly<Scenario>, reps: RepResult[], wallSeconds: number): Summary {
  const L = sc.topology.layers;
  const d = sc.hopDelayMeanMs;
  const latency = reps.map((r) => {
    const c = r.columns;
    const out = new Float64Array(c.sentMs.length);
    for (let i = 0; i < out.length; i++) out[i] = c.deliveredMs[i] - c.sentMs[i];
    return out;
  });
  const poolPerRep = reps.map((r) => {
    // Expand the histogram into a compact sample for quantiles (sizes are small integers).
    let n = 0;
    for (const c of r.poolHist) n += c;
    const out = new Float64Array(n);
    let k = 0;
    r.poolHist.forEach((c, size) => {
      for (let i = 0; i < c; i++) out[k++] = size;
    });
    return out;
  });
  const eps = reps.map((r) => r.columns.epsilon.filter((x) => !Number.isNaN(x)));
  const epsCount = eps.reduce((a, e) => a + e.length, 0);
  const epsInf = eps.reduce((a, e) => a + e.filter((x) => x === Infinity).length, 0);
  const metrics: Record<string, MetricStat> = {
    // Exact forward entropy (mass propagation, Loopix App. A / MiXiM) of every message.
    messageEntropyBits: metricStat(reps.map((r) => r.columns.entropy)),
    messageMinEntropyBits: metricStat(reps.map((r) => r.columns.minEntropy)),
    messageEntropyErrorBoundBits: metricStat(reps.map((r) => r.columns.entropyErrorBound), true),
    // The online reference tracker on `trackedTargets` sampled messages (cross-check).
    referenceEntropyBits: metricStat(reps.map((r) => r.columns.referenceEntropy)),
    senderAnonymityBits: metricStat(reps.map((r) => r.columns.senderAnonymity)),
    unlinkabilityEpsilon: metricStat(eps, false, 'bootstrap'),
    latencyMs: metricStat(latency, true),
    compromisedPathFraction: metricStat(reps.map((r) => one(r.variants[0].compromisedPaths))),
    bandwidthOverheadClient: metricStat(reps.map((r) => one((r.packets.drop + r.packets.loop) / r.packets.real))),
    bandwidthOverheadTotal: metricStat(reps.map((r) => one((r.packets.drop + r.packets.loop + r.packets.mixLoop) / r.packets.real))),
    mixLoadPerS: metricStat(reps.map((r) => r.mixLoadPerS)),
    poolSize: metricStat(poolPerRep),
    nMinusOneDetectionMs: metricStat(reps.map((r) => one(r.nMinusOne?.detectionMs))),
    nMinusOneTargetEntropyBits: metricStat(reps.map((r) => one(r.nMinusOne?.targetEntropy))),
    disclosureRoundsWithoutCover: metricStat(reps.map((r) => one(r.disclosure?.withoutCover.roundsToIdentify))),
    disclosureRoundsWithCover: metricStat(reps.map((r) => one(r.disclosure?.withCover.roundsToIdentify))),
  };
  const lambda = reps.reduce((a, r) => a + r.lambdaPerMixPerS, 0) / Math.max(1, reps.length);
  const links = sc.links.kind === 'fixed' ? sc.links.ms : (sc.links.minMs + sc.links.maxMs) / 2;
  const linkHops = L + 2 + (sc.providerMixing ? 0 : 0);
  const delayHops = L + (sc.providerMixing ? 1 : 0);
  const fractions = reps[0]?.variants.map((v) => v.fraction) ?? [];
  return {
    scenario: sc.name,
    seed: sc.seed,
    repetitions: reps.length,
    messages: { sent: reps.reduce((a, r) => a + r.messagesSent, 0), delivered: reps.reduce((a, r) => a + r.messagesDelivered, 0) },
    events: reps.reduce((a, r) => a + r.events, 0),
    packetHops: reps.reduce((a, r) => a + r.packetHops, 0),
    packets: {
      real: reps.reduce((a, r) => a + r.packets.real, 0),
      drop: reps.reduce((a, r) => a + r.packets.drop, 0),
      loop: reps.reduce((a, r) => a + r.packets.loop, 0),
      mixLoop: reps.reduce((a, r) => a + r.packets.mixLoop, 0),
      flood: reps.reduce((a, r) => a + r.packets.flood, 0),
      blocked: reps.reduce((a, r) => a + r.packets.blocked, 0),
    },
    metrics,
    notes: {
      entropyErrorBoundMaxBits: nul(reps.reduce((a, r) => Math.max(a, maxFinite(r.columns.entropyErrorBound)), -Infinity)),
      epsilonInfiniteFraction: epsCount > 0 ? epsInf / epsCount : null,
      nMinusOneFalseAlarms: reps.some((r) => r.nMinusOne !== null) ? reps.reduce((a, r) => a + (r.nMinusOne?.falseAlarms ?? 0), 0) : null,
      disclosureRounds: reps[0]?.disclosure?.rounds ?? null,
    },
    theory: {
      // Danezis (PET 2004): one exponential mix, arrival rate λ (measured), mean delay d.
      singleMixEntropyBits: Math.log2((Math.E * lambda * d) / 1000),
      measuredLambdaPerMixPerS: lambda,
      // Loopix Lemma 1: pool ~ Pois(λ/μ).
      poolSizeMean: (lambda * d) / 1000,
      // Erlang(L, μ) plus link delays (mean).
      latencyMeanMs: delayHops * d + linkHops * links,
      compromisedPathFraction: sc.adversary.corruptMixFraction ** L,
    },
    corruptSweep: fractions.map((fraction, v) => ({
      fraction,
      meanEntropyBits: nul(reps.reduce((a, r) => a + r.variants[v].meanEntropy, 0) / reps.length),
      compromisedPathFraction: nul(reps.reduce((a, r) => a + r.variants[v].compromisedPaths, 0) / reps.length),
      theoryBL: fraction ** L,
    })),
    wall: {
      seconds: wallSeconds,
      eventsPerSecond: wallSeconds > 0 ? reps.reduce((a, r) => a + r.events, 0) / wallSeconds : 0,
      packetHopsPerSecond: wallSeconds > 0 ? reps.reduce((a, r) => a + r.packetHops, 0) / wallSeconds : 0,
    },
  };
}

/** The summary without its wall-clock fields: byte-identical for the same seed and scenario. */
export function deterministicPart(s: Summary): Omit<Summary, 'wall'> {
  const { wall: _wall, ...rest } = s;
  return rest;
}



function maxFinite(a: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]) && a[i] > m) m = a[i];
  return m;
}
