import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPacket, DEFAULT_GEOMETRY, generateNodeKeyPair, unwrapPacket, type PathHop } from 'sphinx-packet-ts';
import { MixEngine, type ForwardItem, type MixEngineOptions, type UnwrappedTerminal } from '../../src/node/engine.js';
import { StrataMetrics } from '../../src/metrics.js';
import { NodePipelineMetrics } from '../../src/node/node-metrics.js';
import { ReplayFilter } from '../../src/node/replay-filter.js';
import { specOfGeometry, type UnwrapControl } from '../../src/node/unwrap-handler.js';
import { unwrapBatchHandlerUrl, type UnwrapBatchJob, type UnwrapBatchResult } from '../../src/node/unwrap-batch-handler.js';
import { WorkerPool } from '../../src/node/worker-pool.js';
import { waitFor } from './manual-timers.js';

const g = DEFAULT_GEOMETRY;

function nodeId(n: number): Uint8Array {
  return new Uint8Array(32).fill(n);
}

interface Rig {
  engine: MixEngine;
  metrics: NodePipelineMetrics;
  filter: ReplayFilter;
  pool: WorkerPool<UnwrapBatchJob, UnwrapBatchResult, UnwrapControl>;
  sent: ForwardItem[];
  terminal: UnwrappedTerminal[];
}

async function metricValue(m: NodePipelineMetrics, name: string, labels = ''): Promise<number> {
  const text = await m.render();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

describe('MixEngine', function () {
  let dir: string;
  const rigs: Rig[] = [];
  const keys = [generateNodeKeyPair(), generateNodeKeyPair(), generateNodeKeyPair()];
  const payload = new Uint8Array(g.forwardPayloadLength).map((_, i) => i & 0xff);

  function pathOf(delays: number[], recipientTag = 7): PathHop[] {
    return delays.map((d, i) => ({
      id: nodeId(i + 1),
      publicKey: keys[i].publicKey,
      commands: i === delays.length - 1 ? [{ type: 'recipient' as const, id: new Uint8Array(32).fill(recipientTag) }] : [{ type: 'nodeDelay' as const, delayMs: d }],
    }));
  }

  async function rig(
    keyIndex: number,
    opts: {
      epochKeys?: UnwrapControl['keys'];
      filterDir?: string;
      maxDelayMs?: number;
      maxQueuedPackets?: number;
      workerMaxQueued?: number;
      reuseResultBuffers?: boolean;
      /** Called with each forwarded item before it is recorded (the views are still live). */
      onForward?: (item: ForwardItem) => void;
    } = {},
  ): Promise<Rig> {
    const metrics = new NodePipelineMetrics(new StrataMetrics('mix'));
    const filter = ReplayFilter.open({ path: opts.filterDir ?? join(dir, `replay-${keyIndex}-${rigs.length}`), maxTagsPerEpoch: 10_000 });
    const poolOptions = {
      init: { geometry: specOfGeometry(g) },
      size: 1,
      maxQueued: opts.workerMaxQueued ?? 1000,
      ...(opts.workerMaxQueued === undefined ? {} : { maxInFlightPerWorker: 1 }),
    };
    const pool = new WorkerPool<UnwrapBatchJob, UnwrapBatchResult, UnwrapControl>({ handlerUrl: unwrapBatchHandlerUrl(), ...poolOptions });
    await pool.broadcast({ keys: opts.epochKeys ?? [{ epoch: 1, privateKey: keys[keyIndex].privateKey }] });
    const sent: ForwardItem[] = [];
    const terminal: UnwrappedTerminal[] = [];
    const engine = new MixEngine({
      pool,
      replayFilter: filter,
      metrics,
      packetBytes: g.packetLength,
      maxQueuedPackets: opts.maxQueuedPackets ?? 1000,
      maxDelayMs: opts.maxDelayMs ?? 60_000,
      reuseResultBuffers: opts.reuseResultBuffers,
      forward: (item) => {
        opts.onForward?.(item);
        sent.push(opts.reuseResultBuffers === true ? { nextHop: item.nextHop.slice(), packet: item.packet.slice() } : item);
        return 'sent';
      },
      onTerminal: (o) => terminal.push(o),
    });
    const r = { engine, metrics, filter, pool, sent, terminal };
    rigs.push(r);
    return r;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-engine-'));
  });
  afterEach(async () => {
    for (const r of rigs.splice(0)) {
      await r.engine.stop();
      await r.pool.close();
      await r.filter.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries a createPacket packet across three engines and delivers the payload intact', async () => {
    const [a, b, c] = [await rig(0), await rig(1), await rig(2)];
    a.engine.receive(createPacket(g, pathOf([3, 5, 0]), payload));
    await waitFor(() => a.sent.length === 1);
    assert.deepEqual(a.sent[0].nextHop, nodeId(2));
    b.engine.receive(a.sent[0].packet);
    await waitFor(() => b.sent.length === 1);
    assert.deepEqual(b.sent[0].nextHop, nodeId(3));
    c.engine.receive(b.sent[0].packet);
    await waitFor(() => c.terminal.length === 1);
    assert.deepEqual(c.terminal[0].payload, payload);
    assert.deepEqual(c.terminal[0].recipient, new Uint8Array(32).fill(7));
    assert.equal(await metricValue(a.metrics, 'strata_mix_packets_out_total', '{kind="forward"}'), 1);
  });

  it('holds a packet for its NodeDelay before forwarding it', async () => {
    const a = await rig(0);
    const seen: number[] = [];
    const start = performance.now();
    a.engine.receive(createPacket(g, pathOf([40, 0]), payload));
    await waitFor(() => a.sent.length === 1);
    seen.push(performance.now() - start);
    assert.ok(seen[0] >= 40, 'forwarded before its delay');
  });

  it("drops packets beyond the delay queue's maxQueuedPackets with reason 'queue_full'", async () => {
    const a = await rig(0, { maxQueuedPackets: 2 });
    for (let i = 0; i < 3; i++) a.engine.receive(createPacket(g, pathOf([30_000, 0]), payload));
    await waitFor(() => a.engine.pipelineSize === 0);
    assert.equal(a.engine.queueSize, 2);
    assert.equal(await metricValue(a.metrics, 'strata_mix_packets_dropped_total', '{reason="queue_full"}'), 1);
  });

  it("drops packets beyond the unwrap workers' queue with reason 'worker_queue_full'", async () => {
    const a = await rig(0, { workerMaxQueued: 1 });
    for (let i = 0; i < 20; i++) a.engine.receive(createPacket(g, pathOf([0, 0]), payload));
    await waitFor(() => a.engine.pipelineSize === 0 && a.engine.queueSize === 0);
    const dropped = await metricValue(a.metrics, 'strata_mix_packets_dropped_total', '{reason="worker_queue_full"}');
    assert.ok(dropped >= 1, 'nothing dropped');
    await waitFor(() => a.sent.length + dropped === 20);
  });

  it('drops a replayed packet and counts it', async () => {
    const a = await rig(0);
    const p = createPacket(g, pathOf([0, 0]), payload);
    a.engine.receive(p.slice());
    a.engine.receive(p);
    await waitFor(() => a.sent.length === 1 && a.engine.pipelineSize === 0);
    assert.equal(a.sent.length, 1);
    assert.equal(await metricValue(a.metrics, 'strata_mix_replays_total'), 1);
    assert.equal(await metricValue(a.metrics, 'strata_mix_packets_dropped_total', '{reason="replay"}'), 1);
  });

  it('drops a replayed packet after a restart within the epoch', async () => {
    const filterDir = join(dir, 'replay-restart');
    const p = createPacket(g, pathOf([0, 0]), payload);
    const first = await rig(0, { filterDir });
    first.engine.receive(p.slice());
    await waitFor(() => first.sent.length === 1);
    rigs.splice(rigs.indexOf(first), 1);
    await first.engine.stop();
    await first.pool.close();
    await first.filter.close();
    const second = await rig(0, { filterDir });
    second.engine.receive(p);
    await waitFor(() => second.engine.pipelineSize === 0);
    assert.equal(second.sent.length, 0);
    assert.equal(await metricValue(second.metrics, 'strata_mix_packets_dropped_total', '{reason="replay"}'), 1);
  });

  it("drops a packet with one flipped header bit with reason 'mac'", async () => {
    const a = await rig(0);
    const p = createPacket(g, pathOf([0, 0]), payload);
    p[100] ^= 0x01;
    a.engine.receive(p);
    await waitFor(() => a.engine.pipelineSize === 0);
    assert.equal(a.sent.length, 0);
    assert.equal(await metricValue(a.metrics, 'strata_mix_unwrap_failures_total', '{reason="mac"}'), 1);
    assert.equal(await metricValue(a.metrics, 'strata_mix_packets_dropped_total', '{reason="mac"}'), 1);
  });

  it('drops random bytes of any length without throwing, each with a reason', async () => {
    const a = await rig(0);
    let seed = 12345;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (const len of [0, 1, 100, g.packetLength - 1, g.packetLength, g.packetLength, g.packetLength + 1]) {
      const junk = new Uint8Array(len).map(() => rnd() & 0xff);
      if (len === g.packetLength && junk.length > 1) junk[0] = junk[1] = 0;
      a.engine.receive(junk);
    }
    await waitFor(() => a.engine.pipelineSize === 0);
    assert.equal(a.sent.length, 0);
    assert.equal(await metricValue(a.metrics, 'strata_mix_packets_dropped_total', '{reason="length"}'), 5);
    assert.equal(await metricValue(a.metrics, 'strata_mix_packets_in_total'), 7);
    const text = await a.metrics.render();
    const dropped = text.split('\n').filter((l) => l.startsWith('strata_mix_packets_dropped_total{')).reduce((s, l) => s + Number(l.split(' ')[1]), 0);
    assert.equal(dropped, 7);
  });

  it('unwraps packets built for the previous epoch key while it is still held', async () => {
    const old = keys[0];
    const fresh = generateNodeKeyPair();
    const a = await rig(0, { epochKeys: [{ epoch: 8, privateKey: fresh.privateKey }, { epoch: 7, privateKey: old.privateKey }] });
    a.engine.receive(createPacket(g, pathOf([0, 0]), payload));
    const p2: PathHop[] = [{ ...pathOf([0, 0])[0], publicKey: fresh.publicKey }, pathOf([0, 0])[1]];
    a.engine.receive(createPacket(g, p2, payload));
    await waitFor(() => a.sent.length === 2);
    assert.deepEqual(a.filter.knownEpochs(), [7, 8]);
    await a.pool.broadcast({ keys: [{ epoch: 8, privateKey: fresh.privateKey }] });
    a.engine.receive(createPacket(g, pathOf([0, 0]), payload));
    await waitFor(() => a.engine.pipelineSize === 0);
    assert.equal(a.sent.length, 2);
    assert.equal(await metricValue(a.metrics, 'strata_mix_packets_dropped_total', '{reason="mac"}'), 1);
  });

  it('refuses a NodeDelay above the configured maximum', async () => {
    const a = await rig(0, { maxDelayMs: 10 });
    a.engine.receive(createPacket(g, pathOf([11, 0]), payload));
    await waitFor(() => a.engine.pipelineSize === 0);
    assert.equal(a.sent.length, 0);
    assert.equal(await metricValue(a.metrics, 'strata_mix_packets_dropped_total', '{reason="delay_too_long"}'), 1);
  });

  it('on stop forwards due packets, hands back held ones once, and refuses new ones', async () => {
    const a = await rig(0);
    a.engine.receive(createPacket(g, pathOf([0, 0]), payload));
    a.engine.receive(createPacket(g, pathOf([50_000, 0]), payload));
    await waitFor(() => a.sent.length === 1 && a.engine.pipelineSize === 0);
    const held = await a.engine.stop();
    assert.equal(held.length, 1);
    assert.ok(held[0].remainingMs > 40_000);
    assert.deepEqual(held[0].item.nextHop, nodeId(2));
    a.engine.receive(createPacket(g, pathOf([0, 0]), payload));
    assert.equal(await metricValue(a.metrics, 'strata_mix_packets_dropped_total', '{reason="shutting_down"}'), 1);
    assert.equal(a.sent.length, 1);
  });

  it('forwards a burst larger than one batch, and drops the copy of a packet replayed within the same batch', async () => {
    const a = await rig(0);
    const packets = Array.from({ length: 19 }, () => createPacket(g, pathOf([0, 0]), payload));
    for (const p of packets) a.engine.receive(p.slice());
    a.engine.receive(packets[3].slice()); // same turn, same batch as nothing else: a replay
    await waitFor(() => a.engine.pipelineSize === 0 && a.sent.length === 19);
    assert.equal(await metricValue(a.metrics, 'strata_mix_packets_dropped_total', '{reason="replay"}'), 1);
    assert.ok(a.sent.every((item) => item.packet.length === g.packetLength));
  });

  it('reuses worker result buffers only once every packet in them has left', async () => {
    const buffers: ArrayBuffer[] = [];
    const a = await rig(0, { reuseResultBuffers: true, onForward: (item) => buffers.push(item.packet.buffer as ArrayBuffer) });
    const expected = new Set<string>();
    const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
    // Turn 1: one packet held long, seven short; later turns: short ones that recycle buffers
    // while the long one still waits in a result buffer of its own batch.
    const turns = [[400, 0, 1, 2, 3, 4, 5, 6], ...Array.from({ length: 6 }, (_, t) => Array.from({ length: 8 }, (_, i) => (i * 7 + t) % 12))];
    for (const delays of turns) {
      for (const d of delays) {
        const p = createPacket(g, pathOf([d, 0]), payload);
        expected.add(hex(unwrapPacket(g, keys[0].privateKey, p).packet!));
        a.engine.receive(p);
      }
      await waitFor(() => a.engine.pipelineSize === 0);
      await waitFor(() => a.engine.queueSize <= 1);
    }
    await waitFor(() => a.sent.length === expected.size);
    // Every packet left with exactly the bytes its unwrap gives: no buffer was reused under it.
    assert.deepEqual(new Set(a.sent.map((item) => hex(item.packet))), expected);
    // And buffers were reused: handed back to a worker, which detaches them here.
    const reused = new Set(buffers.filter((b) => b.byteLength === 0)).size;
    assert.ok(reused >= 3, `${reused} of ${new Set(buffers).size} result buffers went back to a worker`);
  });

  it('refuses options without a worker pool', () => {
    const base = { replayFilter: {} as ReplayFilter, metrics: new NodePipelineMetrics(new StrataMetrics('mix')), packetBytes: 10, maxQueuedPackets: 1, maxDelayMs: 1, forward: () => 'sent' as const };
    assert.throws(() => new MixEngine(base as unknown as MixEngineOptions), { name: 'AssertionError' });
  });
});
