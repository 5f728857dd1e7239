import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPacket, DEFAULT_GEOMETRY as g, generateNodeKeyPair } from 'sphinx-packet-ts';
import { quantile } from 'simple-statistics';
import { MixEngine } from './src/engine.js';
import { MixMetrics } from './src/metrics.js';
import { ReplayFilter } from './src/replay-filter.js';
import { specOfGeometry, type UnwrapControl, type UnwrapJob, type UnwrapOutcome } from './src/unwrap-handler.js';
import { WorkerPool } from './src/worker-pool.js';
import { siblingModuleUrl } from './src/worker-protocol.js';
const k = generateNodeKeyPair(); const k2 = generateNodeKeyPair();
const N = 2000;
const packets: Uint8Array[] = [];
for (let i = 0; i < N; i++) packets.push(createPacket(g, [{ id: new Uint8Array(32).fill(1), publicKey: k.publicKey, commands: [{ type: 'nodeDelay', delayMs: Math.round(-Math.log(1 - Math.random()) * 20) }] }, { id: new Uint8Array(32).fill(2), publicKey: k2.publicKey, commands: [{ type: 'recipient', id: new Uint8Array(32) }] }], new Uint8Array(g.forwardPayloadLength)));
console.log('made');
const pool = new WorkerPool<UnwrapJob, UnwrapOutcome, UnwrapControl>({ handlerUrl: siblingModuleUrl(new URL('./src/x.ts', import.meta.url).href, 'unwrap-handler'), init: { geometry: specOfGeometry(g) }, size: 2, maxQueued: 100000 });
await pool.ready(); await pool.broadcast({ keys: [{ epoch: 1, privateKey: k.privateKey }] });
const late: number[] = []; let out = 0;
const engine = new MixEngine({ pool, replayFilter: ReplayFilter.open({ path: mkdtempSync(join(tmpdir(), 'x')), maxTagsPerEpoch: 1e6 }), metrics: new MixMetrics(), packetBytes: g.packetLength, maxQueuedPackets: 1e6, maxDelayMs: 1e6, forward: () => { out++; return 'sent'; }, onLateness: (l) => late.push(l) });
for (const rate of [1000, 2000]) {
  late.length = 0; out = 0;
  const t0 = performance.now(); let sent = 0;
  await new Promise<void>((res) => { const tick = () => { const due = Math.min(N, Math.floor((performance.now() - t0) / 1000 * rate)); while (sent < due) engine.receive(packets[sent++].slice()); if (sent < N) setImmediate(tick); else res(); }; tick(); });
  while (out < N) await new Promise((r) => setTimeout(r, 10));
  console.log(rate, 'p50', quantile(late, 0.5).toFixed(2), 'p99', quantile(late, 0.99).toFixed(2), 'max', Math.max(...late).toFixed(1));
}
await engine.stop(); await pool.close(); process.exit(0);
