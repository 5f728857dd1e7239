// `npm run bench -w @strata/mix-node`: JSON lines. Options via environment:
// BENCH_RATES (packets/s steps, default 1000,2000,4000,6000), BENCH_STEP_MS (default 1500),
// BENCH_SKIP_NODE=1 to skip the multi-process run, BENCH_ONLY_NODE=1 to run only that,
// BENCH_WORKERS (the mix's unwrap workers in that run; default one per core).
import { availableParallelism } from 'node:os';
import { benchEngine } from './engine.bench.js';
import { benchNode } from './node.bench.js';
import { benchDelayQueue, benchUnwrapPool } from './unwrap-pool.bench.js';

const print = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ ...o, date: new Date().toISOString() })}\n`);

if (process.env.BENCH_ONLY_NODE !== '1') {
  await benchDelayQueue(5000, 1, 50); // warm-up (JIT), not printed
  print(await benchDelayQueue(5000, 4, 50));
  for (const w of [1, availableParallelism()]) print(await benchUnwrapPool(w, 3000));
  for (const r of await benchEngine(2000, 4)) print(r);
}
if (process.env.BENCH_SKIP_NODE !== '1') {
  const rates = (process.env.BENCH_RATES ?? '1000,2000,4000,6000').split(',').map(Number);
  const workers = Number(process.env.BENCH_WORKERS ?? availableParallelism());
  for (const r of await benchNode(rates, Number(process.env.BENCH_STEP_MS ?? 1500), 20, workers)) print(r);
}
