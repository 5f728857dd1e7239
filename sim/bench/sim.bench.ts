// `npm run bench -w @strata/sim`: engine speed, one core. Prints one JSON object per line.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadScenario, parseScenario } from '../src/scenario.js';
import { runRepetition } from '../src/engine.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchFile = join(here, '..', 'scenarios', 'bench-3x10-5000.json');

function measure(name: string, sc: ReturnType<typeof loadScenario>): void {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = runRepetition(sc, 0);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(
    JSON.stringify({
      name,
      simulated_s: sc.durationS,
      messages: r.messagesSent,
      events: r.events,
      packet_hops: r.packetHops,
      wall_s: Number(wall.toFixed(3)),
      cpu_s: Number(cpu.toFixed(3)),
      events_per_s: Math.round(r.events / wall),
      events_per_cpu_s: Math.round(r.events / cpu),
    }),
  );
}

const full = loadScenario(benchFile);
// Warm-up and events/s on a 20-simulated-second slice of the same network.
measure('engine_events_3x10_20s', parseScenario({ ...structuredClone(full), durationS: 20, warmupS: 2 }));
// The target: 3 × 10 mixes, 5,000 messages/s, 150 simulated seconds, entropy for every message.
measure('scenario_3x10_5000msg_150s', full);
