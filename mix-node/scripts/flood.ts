// `npm run flood -w @strata/mix-node [-- --seconds 60 --rate 500 --concurrency 4 --seed 1]`:
// the loopback flood test (see flood-run.ts). Runs a baseline phase and a flood phase of
// seconds/2 each and prints one JSON object per line: each phase's real-traffic loss and lateness
// (with the attack's counts and the mix's refusal counters), then the mix's state at the end.
// FLOOD_DEBUG=1 makes the load generator report its link closing and failed re-dials on stderr.
import { Command } from 'commander';
import { runFlood } from './flood-run.js';

const program = new Command()
  .name('flood')
  .option('--seconds <n>', 'total seconds of real traffic (half baseline, half flood)', '60')
  .option('--rate <pps>', 'real packets per second through the mix', '500')
  .option('--concurrency <n>', 'attack workers per attack kind', '4')
  .option('--mean-delay-ms <ms>', 'mean NodeDelay of the real packets', '20')
  .option('--seed <n>', 'seed of delays and garbage', '1')
  .option('--verbose', 'progress lines on stderr')
  .parse();
const opts = program.opts<{ seconds: string; rate: string; concurrency: string; meanDelayMs: string; seed: string; verbose?: boolean }>();
const num = (name: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: must be a number ≥ ${min}`);
  return n;
};

const report = await runFlood({
  secondsPerPhase: num('seconds', opts.seconds, 2) / 2,
  ratePps: num('rate', opts.rate, 1),
  attackConcurrency: Math.floor(num('concurrency', opts.concurrency, 1)),
  meanDelayMs: num('mean-delay-ms', opts.meanDelayMs, 1),
  seed: Math.floor(num('seed', opts.seed, 0)),
  phases: ['baseline', 'flood'],
  ...(opts.verbose ? { log: (l: Record<string, unknown>) => process.stderr.write(`${JSON.stringify(l)}\n`) } : {}),
});
for (const p of report.phases) console.log(JSON.stringify(p));
console.log(JSON.stringify({ name: 'flood_mix', alive: report.mixAlive, rss_bytes: report.mixRssBytes }));
process.exitCode = report.mixAlive ? 0 : 1;
