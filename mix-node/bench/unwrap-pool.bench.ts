// Worker-pool unwrap throughput and delay-queue lateness, in one process (no sockets).
import { availableParallelism } from 'node:os';
import { createPacket, DEFAULT_GEOMETRY as g, generateNodeKeyPair } from 'sphinx-packet-ts';
import { DelayQueue } from '@strata/core/node/delay-queue';
import { specOfGeometry, unwrapHandlerUrl, type UnwrapControl, type UnwrapJob, type UnwrapOutcome } from '@strata/core/node/unwrap-handler';
import { WorkerPool } from '@strata/core/node/worker-pool';
import { quantile } from 'simple-statistics';

export async function benchDelayQueue(ratePerS: number, seconds: number, meanDelayMs: number): Promise<Record<string, unknown>> {
  const lateness: number[] = [];
  const q = new DelayQueue<number>({ maxItems: 1_000_000, onDue: (_n, l) => lateness.push(l) });
  const total = Math.round(ratePerS * seconds);
  let pushed = 0;
  const start = q.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((q.now() - start) / 1000) * ratePerS));
      while (pushed < due) {
        q.push(q.now() + -Math.log(1 - Math.random()) * meanDelayMs, pushed++);
      }
      if (pushed < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  while (lateness.length < total) await new Promise((r) => setTimeout(r, 5));
  q.close();
  return {
    name: 'delay_queue_lateness',
    packets_per_s: ratePerS,
    mean_delay_ms: meanDelayMs,
    packets: total,
    lateness_p50_ms: Number(quantile(lateness, 0.5).toFixed(3)),
    lateness_p99_ms: Number(quantile(lateness, 0.99).toFixed(3)),
    lateness_max_ms: Number(Math.max(...lateness).toFixed(3)),
  };
}

export async function benchUnwrapPool(workers: number, jobs: number): Promise<Record<string, unknown>> {
  const key = generateNodeKeyPair();
  const next = generateNodeKeyPair();
  const packet = createPacket(
    g,
    [
      { id: new Uint8Array(32).fill(1), publicKey: key.publicKey, commands: [{ type: 'nodeDelay', delayMs: 10 }] },
      { id: new Uint8Array(32).fill(2), publicKey: next.publicKey, commands: [{ type: 'recipient', id: new Uint8Array(32) }] },
    ],
    new Uint8Array(g.forwardPayloadLength),
  );
  const pool = new WorkerPool<UnwrapJob, UnwrapOutcome, UnwrapControl>({
    handlerUrl: unwrapHandlerUrl(),
    init: { geometry: specOfGeometry(g) },
    size: workers,
    maxQueued: jobs,
  });
  await pool.ready();
  await pool.broadcast({ keys: [{ epoch: 1, privateKey: key.privateKey }] });
  // Warm up, then measure.
  await Promise.all(Array.from({ length: 200 }, () => { const b = packet.slice().buffer; return pool.run({ packet: b }, [b]); }));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const results = await Promise.all(Array.from({ length: jobs }, () => { const b = packet.slice().buffer; return pool.run({ packet: b }, [b]); }));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const busy = pool.stats().busyMs;
  await pool.close();
  if (!results.every((r) => r.ok)) throw new Error('unwrap failed in the benchmark');
  return {
    name: 'worker_pool_unwrap',
    workers,
    cores: availableParallelism(),
    jobs,
    ops_per_s: Math.round((jobs / ms) * 1000),
    us_per_op_per_worker: Number(((ms * 1000 * workers) / jobs).toFixed(1)),
    process_cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)), // all threads
    cpu_us_per_op: Number(((cpu.user + cpu.system) / jobs).toFixed(1)), // all threads: robust to load
    worker_busy_s: Number((busy.reduce((a, b) => a + b, 0) / 1000).toFixed(2)),
  };
}
