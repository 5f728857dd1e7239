// The mix's packet pipeline in one process, without sockets: MixEngine → unwrap workers → LMDB
// replay filter → delay queue → a forward that only counts. Reports process CPU (all threads) per
// packet, the median over rounds. CPU time, not wall time: robust on a shared machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_GEOMETRY as g, generateNodeKeyPair } from 'sphinx-packet-ts';
import { StrataMetrics } from '@strata/core/metrics';
import { MixEngine } from '@strata/core/node/engine';
import { ReplayFilter } from '@strata/core/node/replay-filter';
import { unwrapBatchHandlerUrl, type UnwrapBatchJob, type UnwrapBatchResult } from '@strata/core/node/unwrap-batch-handler';
import { specOfGeometry, type UnwrapControl } from '@strata/core/node/unwrap-handler';
import { WorkerPool } from '@strata/core/node/worker-pool';
import { siblingModuleUrl } from '@strata/core/node/worker-protocol';
import { toHex } from '@strata/core/bytes';
import { MixMetrics } from '../src/metrics.js';
import type { CreateInit } from './create-handler.js';

/** Packets handed to the engine per event-loop turn (as from one socket read). */
const PACKETS_PER_TURN = 12;

async function makePackets(count: number, publicKey: Uint8Array): Promise<Uint8Array[]> {
  const init: CreateInit = {
    geometry: specOfGeometry(g),
    hops: [
      { id: toHex(new Uint8Array(32).fill(1)), publicKey: toHex(publicKey) },
      { id: toHex(new Uint8Array(32).fill(2)), publicKey: toHex(generateNodeKeyPair().publicKey) },
    ],
    meanDelayMs: 1,
  };
  const makers = new WorkerPool<{ count: number }, { packets: ArrayBuffer[]; delaysMs: number[] }>({
    handlerUrl: siblingModuleUrl(import.meta.url, 'create-handler'),
    init,
    size: availableParallelism(),
    maxQueued: count,
  });
  const chunks = await Promise.all(Array.from({ length: Math.ceil(count / 100) }, (_, i) => makers.run({ count: Math.min(100, count - i * 100) })));
  await makers.close();
  return chunks.flatMap((c) => c.packets.map((b) => new Uint8Array(b)));
}

async function runOnce(packets: Uint8Array[], privateKey: Uint8Array, dir: string): Promise<number> {
  const keys = { keys: [{ epoch: 1, privateKey }] };
  const init = { geometry: specOfGeometry(g) };
  const pool = new WorkerPool<UnwrapBatchJob, UnwrapBatchResult, UnwrapControl>({ handlerUrl: unwrapBatchHandlerUrl(), init, maxQueued: 100_000 });
  await pool.ready();
  await pool.broadcast(keys);
  const replayFilter = ReplayFilter.open({ path: dir, maxTagsPerEpoch: 1_000_000 });
  let forwarded = 0;
  const engine = new MixEngine({
    pool,
    replayFilter,
    metrics: new MixMetrics(new StrataMetrics('mix')),
    packetBytes: g.packetLength,
    maxQueuedPackets: 1_000_000,
    maxDelayMs: 60_000,
    forward: () => {
      forwarded++;
      return 'sent';
    },
  });
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < packets.length; i += PACKETS_PER_TURN) {
    for (let j = i; j < Math.min(packets.length, i + PACKETS_PER_TURN); j++) engine.receive(packets[j].slice());
    await new Promise((r) => setImmediate(r));
  }
  while (forwarded < packets.length) await new Promise((r) => setTimeout(r, 2));
  const cpu = process.cpuUsage(cpu0);
  await engine.stop();
  await pool.close();
  await replayFilter.close();
  return (cpu.user + cpu.system) / packets.length;
}

export async function benchEngine(packetsPerRound: number, rounds: number): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-engine-bench-'));
  try {
    const key = generateNodeKeyPair();
    const packets = await makePackets(packetsPerRound * (rounds + 1), key.publicKey);
    const us: number[] = [];
    // Round 0 warms up (not reported); a fresh replay table and fresh packets per round.
    for (let r = 0; r <= rounds; r++) {
      const v = await runOnce(packets.slice(r * packetsPerRound, (r + 1) * packetsPerRound), key.privateKey, join(dir, String(r)));
      if (r > 0) us.push(v);
    }
    const median = [...us].sort((x, y) => x - y)[Math.floor(us.length / 2)];
    return [{ name: 'mix_engine_pipeline', packets: packetsPerRound, rounds, workers: availableParallelism(), cpu_us_per_packet: Number(median.toFixed(1)) }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
