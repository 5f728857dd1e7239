// Full node over real links: one mix process (the built mix-node/dist/bin.js) on loopback; this process is the load
// generator and plays the provider on both sides (test/loopback-provider.ts: dials the mix, listens for what it forwards).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '@strata/core/bytes';
import { sphinxKeyFor } from '@strata/core/descriptor';
import { DEFAULT_GEOMETRY as g } from 'sphinx-packet-ts';
import { specOfGeometry } from '@strata/core/node/unwrap-handler';
import { WorkerPool } from '@strata/core/node/worker-pool';
import { siblingModuleUrl } from '@strata/core/node/worker-protocol';
import { AuthorityFixture } from '../../core/test/node/authority-fixture.js';
import { waitFor } from '../../core/test/node/manual-timers.js';
import { MixProcess } from '../../core/test/node/mix-process.js';
import { localMixConfig, LoopbackProvider } from '../test/loopback-provider.js';
import type { CreateInit } from './create-handler.js';
import { histogramQuantile } from './quantile.js';

const EPOCH_MS = 3_600_000;
/** A rate counts as sustained only if p99 lateness stays within this (no growing backlog). */
const SUSTAINED_P99_MS = 50;

function parseMetrics(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

function sumMatching(m: Map<string, number>, re: RegExp): number {
  let s = 0;
  for (const [k, v] of m) if (re.test(k)) s += v;
  return s;
}

function latenessBuckets(m: Map<string, number>): { le: number; count: number }[] {
  const out: { le: number; count: number }[] = [];
  for (const [k, v] of m) {
    const r = /^strata_mix_lateness_seconds_bucket\{le="([^"]+)"\}$/.exec(k);
    if (r) out.push({ le: r[1] === '+Inf' ? Infinity : Number(r[1]), count: v });
  }
  return out.sort((a, b) => a.le - b.le);
}

/** Pid of the process whose command line contains `needle` (the mix child), or undefined. */
function findPid(needle: string): number | undefined {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'latin1').includes(needle)) return Number(e);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

/**
 * CPU seconds of the main thread (tid = pid) and of all other threads (unwrap workers, GC and
 * libuv helpers) from /proc (Linux; clock ticks of 10 ms), or undefined elsewhere.
 */
function threadCpu(pid: number | undefined): { main: number; others: number; byName: Map<string, number> } | undefined {
  if (pid === undefined) return undefined;
  try {
    let main = 0;
    let others = 0;
    const byName = new Map<string, number>();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
      const s = (Number(f[11]) + Number(f[12])) / 100; // utime + stime (#14, #15), USER_HZ = 100
      if (Number(tid) === pid) main += s;
      else others += s;
      byName.set(Number(tid) === pid ? 'main' : tid, s);
    }
    return { main, others, byName };
  } catch {
    return undefined;
  }
}

export async function benchNode(rates: number[], stepMs: number, meanDelayMs: number, workerCount = availableParallelism()): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-mix-bench-'));
  const out: Record<string, unknown>[] = [];
  let received = 0;
  // This process is the provider at both ends of the route (the same stand-in as the system tests).
  const provider = await LoopbackProvider.start({ seedByte: 0x21, geometry: g, onPacket: () => received++ });
  const authority = new AuthorityFixture({
    geometry: g,
    params: { muPerSecond: 1000 / meanDelayMs, lambdaPPerSecond: 0, lambdaLPerSecond: 0, lambdaDPerSecond: 0, lambdaMPerSecond: 0, maxDelayMs: 60_000 },
    mixCount: 1,
    extra: (epoch) => [provider.descriptor(epoch)],
  });
  await authority.start();
  const mix = new MixProcess(
    join(dir, 'cfg'),
    await localMixConfig(authority, join(dir, 'mix'), {
      epoch: { lengthMs: EPOCH_MS, genesisMs: 0, graceMs: 60_000 },
      loops: { enabled: false, windowMs: 60_000, warnBelowRatio: 0.5 },
      workers: { count: workerCount, maxQueued: 100_000 },
      log: { level: 'info' },
    }),
    { built: true }, // the built daemon, as operators run it (`npm run bench` builds first)
  );
  try {
    mix.start();
    await mix.waitLine('learned our mix layer', 60_000);
    const epoch = Math.floor(Date.now() / EPOCH_MS);
    const c = authority.document(epoch)!.consensus;
    const m = c.layers[0][0].descriptor;
    const init: CreateInit = {
      geometry: specOfGeometry(g),
      hops: [
        { id: toHex(m.nodeId), publicKey: toHex(sphinxKeyFor(m, epoch)!) },
        { id: toHex(c.providers[0].descriptor.nodeId), publicKey: toHex(provider.sphinxOf(epoch).publicKey) },
      ],
      meanDelayMs,
    };
    // Make every packet before sending any (packet creation costs more than a hop).
    const total = [rates[0], ...rates].reduce((s, r) => s + Math.round((r * stepMs) / 1000), 0);
    const makers = new WorkerPool<{ count: number }, { packets: ArrayBuffer[]; delaysMs: number[] }>({
      handlerUrl: siblingModuleUrl(import.meta.url, 'create-handler'),
      init,
      size: availableParallelism(),
      maxQueued: total,
    });
    const chunks = await Promise.all(Array.from({ length: Math.ceil(total / 100) }, (_, i) => makers.run({ count: Math.min(100, total - i * 100) })));
    await makers.close();
    const packets = chunks.flatMap((ch) => ch.packets.map((b) => new Uint8Array(b)));
    const conn = await provider.dial(m);
    let next = 0;
    const mixPid = findPid(join(dir, 'cfg'));
    // The first step warms up the JIT and the links; it is not reported.
    for (const [step, rate] of [rates[0], ...rates].entries()) {
      const n = Math.round((rate * stepMs) / 1000);
      const before = parseMetrics(await (await fetch(`${mix.metricsUrl}/metrics`)).text());
      const threadsBefore = threadCpu(mixPid);
      const receivedBefore = received;
      const generatorCpu0 = process.cpuUsage();
      let sent = 0;
      let refused = 0;
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const tick = (): void => {
          const due = Math.min(n, Math.floor(((performance.now() - t0) / 1000) * rate));
          while (sent < due) {
            try {
              conn.sendNow({ kind: 'SendPacket', packet: packets[next++] });
            } catch {
              refused++;
            }
            sent++;
          }
          if (sent < n) setTimeout(tick, 1); // not setImmediate: a spinning generator would steal a core from the mix
          else resolve();
        };
        tick();
      });
      const sendMs = performance.now() - t0;
      await waitFor(() => received - receivedBefore >= n, 10 * meanDelayMs + 15_000).catch(() => {});
      const generatorCpu = process.cpuUsage(generatorCpu0);
      const after = parseMetrics(await (await fetch(`${mix.metricsUrl}/metrics`)).text());
      const threadsAfter = threadCpu(mixPid);
      const delta = (re: RegExp) => sumMatching(after, re) - sumMatching(before, re);
      const b0 = latenessBuckets(before);
      const buckets = latenessBuckets(after).map((b, i) => ({ le: b.le, count: b.count - (b0[i]?.count ?? 0) }));
      const cpuS = delta(/^strata_mix_process_cpu_seconds_total$/);
      const threads = threadsBefore && threadsAfter
        ? { main: threadsAfter.main - threadsBefore.main, others: threadsAfter.others - threadsBefore.others }
        : undefined;
      if (step === 0) continue;
      out.push({
        name: 'mix_node_over_links',
        offered_packets_per_s: rate,
        achieved_send_packets_per_s: Math.round((n / sendMs) * 1000),
        packets: n,
        forwarded: received - receivedBefore,
        dropped: delta(/^strata_mix_packets_dropped_total/),
        generator_refused: refused,
        zero_drops: received - receivedBefore === n && delta(/^strata_mix_packets_dropped_total/) === 0 && refused === 0,
        mix_cpu_cores: Number((cpuS / ((performance.now() - t0) / 1000)).toFixed(2)),
        // CPU of the mix process (main thread + workers) per packet: robust to a busy machine;
        // 2 cores / this = the rate the node could carry on 2 cores of its own.
        mix_cpu_us_per_packet: Number(((cpuS * 1e6) / n).toFixed(1)),
        // Split by thread (/proc, 10 ms ticks): main = links, replay filter, delay queue, metrics;
        // others = the unwrap workers (Sphinx + message passing) and V8/libuv helper threads.
        ...(threads
          ? {
              main_thread_cpu_us_per_packet: Number(((threads.main * 1e6) / n).toFixed(1)),
              other_threads_cpu_us_per_packet: Number(((threads.others * 1e6) / n).toFixed(1)),
              // Every other thread's share, largest first (the unwrap workers lead; then V8/libuv/LMDB helpers).
              other_threads_each_cpu_us_per_packet: [...threadsAfter!.byName]
                .filter(([k]) => k !== 'main')
                .map(([k, v]) => Number((((v - (threadsBefore!.byName.get(k) ?? 0)) * 1e6) / n).toFixed(1)))
                .filter((v) => v > 0)
                .sort((a, b) => b - a),
            }
          : {}),
        // The load generator (this process: sealing, sending, receiving and opening frames) shares the cores.
        generator_cpu_us_per_packet: Number(((generatorCpu.user + generatorCpu.system) / n).toFixed(1)),
        lateness_p50_ms: Number((histogramQuantile(buckets, 0.5) * 1000).toFixed(2)),
        lateness_p99_ms: Number((histogramQuantile(buckets, 0.99) * 1000).toFixed(2)),
        workers: workerCount,
        mean_delay_ms: meanDelayMs,
      });
    }
    conn.close();
  } finally {
    await mix.stop().catch(() => mix.kill());
    await provider.close();
    await authority.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  // Sustained: nothing dropped AND no backlog building up (p99 lateness within SUSTAINED_P99_MS).
  const ok = out.filter((r) => r.zero_drops === true && (r.lateness_p99_ms as number) <= SUSTAINED_P99_MS).map((r) => r.offered_packets_per_s as number);
  out.push({ name: 'mix_node_sustained', packets_per_s_at_zero_drops: ok.length ? Math.max(...ok) : 0, max_p99_lateness_ms: SUSTAINED_P99_MS });
  return out;
}
