import assert from 'node:assert/strict';
import { ksCriticalValue, ksOneSample } from '@strata/core/sched/index';
import { runRepetition } from '../src/engine.js';
import { parseScenario } from '../src/scenario.js';
import { erlangCdf } from '../src/stats.js';
import { finiteMean, network, oneMix } from './helpers.js';

describe('engine: validation against theory', () => {
  for (const d of [100, 200, 400]) {
    it(`matches log2(e·λ·d) within 0.05 bits for a single Poisson mix at λ·d ≈ ${d / 10}`, () => {
      const r = runRepetition(oneMix(d), 0);
      const lambda = r.lambdaPerMixPerS; // measured arrival rate at the mix, packets/s
      assert.ok(lambda * (d / 1000) >= 9.5);
      const theory = Math.log2((Math.E * lambda * d) / 1000);
      const exact = finiteMean(r.columns.entropy); // every message
      const reference = finiteMean(r.columns.referenceEntropy); // the online tracker's sample
      assert.ok(Math.abs(exact - theory) < 0.05, `every-message entropy ${exact} vs ${theory}`);
      assert.ok(Math.abs(reference - theory) < 0.05, `reference tracker ${reference} vs ${theory}`);
    });
  }

  it('keeps a Poisson mix pool distributed as Pois(λ/μ)', () => {
    const d = 200;
    const r = runRepetition(oneMix(d), 0);
    const mean = (r.lambdaPerMixPerS * d) / 1000;
    let total = 0;
    for (const c of r.poolHist) total += c;
    // Total-variation distance between the pool size seen by arrivals (PASTA) and Pois(λ/μ).
    let tv = 0;
    let logPmf = -mean;
    for (let k = 0; k < 200; k++) {
      if (k > 0) logPmf += Math.log(mean) - Math.log(k);
      tv += Math.abs((r.poolHist[k] ?? 0) / total - Math.exp(logPmf));
    }
    assert.ok(tv / 2 < 0.03, `TV distance ${tv / 2}`);
  });

  it('delivers with latency distributed as Erlang(L, μ) plus the link delays (KS test)', () => {
    const sc = network({ hopDelayCapMs: 1e9, links: { kind: 'fixed', ms: 3 }, metrics: { trackedTargets: 0 } });
    const r = runRepetition(sc, 0);
    const c = r.columns;
    const x = new Float64Array(c.sentMs.length);
    for (let i = 0; i < x.length; i++) x[i] = c.deliveredMs[i] - c.sentMs[i] - 5 * 3;
    assert.ok(x.length > 1000);
    const d = ksOneSample(x, (v) => erlangCdf(3, 1 / 100, v));
    assert.ok(d < ksCriticalValue(0.001, x.length), `KS D ${d}`);
  });

  it('compromises about b^L of the paths when corrupt mixes are spread evenly over layers', () => {
    const sc = network({
      topology: { layers: 3, width: 10, providers: 3 },
      adversary: { corruptMixFraction: 0.3, placement: 'per-layer' },
      metrics: { trackedTargets: 0, corruptSweep: [0.5] },
    });
    const r = runRepetition(sc, 0);
    assert.ok(r.messagesSent > 1000);
    const sd = (p: number): number => Math.sqrt((p * (1 - p)) / r.messagesSent);
    assert.ok(Math.abs(r.variants[0].compromisedPaths - 0.027) < 4 * sd(0.027), `${r.variants[0].compromisedPaths}`);
    assert.ok(Math.abs(r.variants[1].compromisedPaths - 0.125) < 4 * sd(0.125), `${r.variants[1].compromisedPaths}`);
  });

  it('loses entropy with every corrupt mix per layer, long before whole paths are compromised', () => {
    // 3 × 5 network; variants: 0, 1, 2 and 3 corrupt mixes per layer (per-layer placement).
    const sc = network({
      topology: { layers: 3, width: 5, providers: 3 },
      adversary: { corruptMixFraction: 0, placement: 'per-layer' },
      metrics: { trackedTargets: 60, corruptSweep: [0.2, 0.4, 0.6] },
    });
    const r = runRepetition(sc, 0);
    const h = r.variants.map((v) => v.meanEntropy);
    assert.equal(h.length, 4);
    for (let i = 1; i < h.length; i++) assert.ok(h[i] < h[i - 1], `entropy by corrupt fraction: ${h.join(', ')}`);
    // At one corrupt mix in five per layer, under 1 % of paths are fully compromised, yet entropy fell.
    assert.ok(r.variants[1].compromisedPaths < 0.02, `${r.variants[1].compromisedPaths}`);
  });

  it('gives more entropy with longer mixing delays (smaller μ)', () => {
    const fast = runRepetition(network({ hopDelayMeanMs: 30 }), 0);
    const slow = runRepetition(network({ hopDelayMeanMs: 150 }), 0);
    assert.ok(finiteMean(slow.columns.entropy) > finiteMean(fast.columns.entropy) + 0.5);
  });

  it('gives more entropy and a smaller ε with more cover traffic', () => {
    const low = network({ users: { count: 30, lambdaPPerS: 1.2, lambdaLPerS: 0, lambdaDPerS: 0, contacts: 3 }, metrics: { trackedTargets: 40, senderAnonymity: true } });
    const high = network({ users: { count: 30, lambdaPPerS: 1.2, lambdaLPerS: 2, lambdaDPerS: 2, contacts: 3 }, metrics: { trackedTargets: 40, senderAnonymity: true } });
    const a = runRepetition(low, 0);
    const b = runRepetition(high, 0);
    assert.ok(finiteMean(b.columns.entropy) > finiteMean(a.columns.entropy) + 0.5);
    assert.ok(finiteMean(b.columns.senderAnonymity) > finiteMean(a.columns.senderAnonymity));
    const eps = (e: Float64Array): number[] => Array.from(e).filter((x) => !Number.isNaN(x)).sort((p, q) => p - q);
    const ea = eps(a.columns.epsilon);
    const eb = eps(b.columns.epsilon);
    assert.ok(ea.length > 20 && eb.length > 20);
    assert.ok(eb[eb.length >> 1] < ea[ea.length >> 1], `median ε ${eb[eb.length >> 1]} vs ${ea[ea.length >> 1]}`);
  });

  it('loses all anonymity at a mix under an (n−1) attack and detects it through mix loops', () => {
    const sc = network({
      durationS: 40,
      mixLoops: { lambdaMPerS: 5 },
      adversary: { nMinusOne: { layer: 0, index: 1, startS: 20, floodRatePerS: 50 } },
    });
    const r = runRepetition(sc, 0);
    const n1 = r.nMinusOne;
    assert.ok(n1 !== null);
    assert.equal(n1.falseAlarms, 0);
    assert.ok(n1.detectionMs !== null && n1.detectionMs > 0, `detection ${n1.detectionMs}`);
    // Timeout with the default cap: 2 hops × 20 mean delays + 3 links + 1 ms, plus checks and one loop gap.
    assert.ok(n1.detectionMs < 2 * 20 * 100 + 3 + 1 + 2000);
    assert.ok(n1.blocked > 0);
    assert.equal(n1.targetEntropy, 0); // alone in the pool the observer sees: linked
  });

  it('identifies a target’s contacts by statistical disclosure sooner without cover than with it', () => {
    const sc = network({
      durationS: 300,
      hopDelayMeanMs: 50,
      users: { count: 30, lambdaPPerS: 1.5, lambdaLPerS: 1, lambdaDPerS: 1, contacts: 2 },
      realTraffic: { kind: 'poisson', ratePerUserPerS: 0.5 },
      metrics: { trackedTargets: 0, disclosure: { target: 0, roundMs: 2000 } },
    });
    const r = runRepetition(sc, 0);
    const d = r.disclosure;
    assert.ok(d !== null);
    assert.ok(d.withoutCover.roundsToIdentify !== null, 'identified without cover');
    const w = d.withCover.roundsToIdentify;
    assert.ok(w === null || w > d.withoutCover.roundsToIdentify, `with cover ${w} vs ${d.withoutCover.roundsToIdentify}`);
  });

  it('replays real traffic from a trace', () => {
    const sc = parseScenario({
      name: 'trace',
      durationS: 10,
      warmupS: 0,
      topology: { layers: 2, width: 2, providers: 2 },
      users: { count: 3, lambdaPPerS: 10, lambdaLPerS: 0, lambdaDPerS: 0, contacts: 1 },
      realTraffic: { kind: 'trace', file: 'unused' },
    });
    const trace = { timesMs: Float64Array.of(100, 200, 300), senders: Int32Array.of(0, 1, 2), recipients: Int32Array.of(1, 2, 0) };
    const r = runRepetition(sc, 0, trace);
    assert.deepEqual(Array.from(r.columns.sender), [0, 1, 2]);
    assert.deepEqual(Array.from(r.columns.recipient), [1, 2, 0]);
    assert.ok(r.columns.deliveredMs.every((x) => Number.isFinite(x)));
  });

  it('routes cascades and free routes end to end', () => {
    for (const kind of ['cascade', 'free']) {
      const r = runRepetition(network({ durationS: 15, topology: { kind, layers: 3, width: 3, providers: 3 } }), 0);
      assert.equal(r.messagesDelivered, r.messagesSent);
      assert.ok(r.messagesSent > 100);
    }
  });
});
