// `npm run bench -w @strata/sim`: engine and entropy speed, one core. Prints one JSON object per line.
// A packet-hop event is one packet arriving at a node (provider or mix) or leaving one; heap events
// (arrivals, departures, timers) are reported separately.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadScenario, parseScenario, type Scenario } from '../src/scenario.js';
import { runRepetition } from '../src/engine.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchFile = join(here, '..', 'scenarios', 'bench-3x10-5000.json');

/** Runs one repetition and prints its JSON line; returns the CPU seconds and the messages with an exact entropy. */
function measure(name: string, sc: Readonly<Scenario>): { cpu: number; withEntropy: number; messages: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = runRepetition(sc, 0);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const cpu = (c.user + c.system) / 1e6;
  let withEntropy = 0;
  let bound = 0;
  for (let i = 0; i < r.columns.entropy.length; i++) {
    if (Number.isFinite(r.columns.entropy[i])) {
      withEntropy++;
      bound = Math.max(bound, r.columns.entropyErrorBound[i]);
    }
  }
  console.log(
    JSON.stringify({
      name,
      simulated_s: sc.durationS,
      messages: r.messagesSent,
      messages_with_exact_entropy: withEntropy,
      max_entropy_error_bound_bits: Number(bound.toFixed(4)),
      events: r.events,
      packet_hops: r.packetHops,
      packet_arrivals: r.packetArrivals,
      wall_s: Number(wall.toFixed(3)),
      cpu_s: Number(cpu.toFixed(3)),
      packet_hops_per_cpu_s: Math.round(r.packetHops / cpu),
      arrivals_per_cpu_s: Math.round(r.packetArrivals / cpu),
      events_per_cpu_s: Math.round(r.events / cpu),
    }),
  );
  return { cpu, withEntropy, messages: r.messagesSent };
}

const full = loadScenario(benchFile);
const variant = (durationS: number, warmupS: number, entropyEvery: number): Readonly<Scenario> =>
  parseScenario({ ...structuredClone(full), durationS, warmupS, metrics: { ...structuredClone(full.metrics), entropyEvery } });
// Engine alone on the full scenario (entropy for one message in a billion): packet-hop events per CPU-second.
const engine = measure('engine_3x10_5000msg_150s', variant(full.durationS, full.warmupS, 1e9));
// Exact entropy for every message on a 4-second slice: CPU cost per message at this load (the same
// slice without entropy is subtracted), and what every message of the full scenario would cost.
const slice = measure('entropy_every_message_3x10_4s', variant(4, 1, 1));
const sliceEngine = measure('engine_3x10_4s', variant(4, 1, 1e9));
const usPerMessage = ((slice.cpu - sliceEngine.cpu) / slice.withEntropy) * 1e6;
console.log(
  JSON.stringify({
    name: 'entropy_cost_per_message_3x10',
    entropy_cpu_us_per_message: Math.round(usPerMessage),
    messages_150s: engine.messages,
    projected_every_message_150s_entropy_cpu_s: Math.round((usPerMessage * engine.messages) / 1e6),
    target_total_s: 60,
  }),
);
// The network: 3 × 10 mixes, 5,000 messages/s, 150 simulated seconds, exact entropy for every message (as shipped).
measure('scenario_3x10_5000msg_150s', full);
