// Prometheus metrics of the mix node: `strata_mix_<thing>_{total,seconds}`, fixed label sets.
import { NODE_DROP_REASONS, type EngineMetrics, type NodeDropReason } from '@strata/core/node/drop-reasons';
import { PendingCounts, StrataMetrics } from '@strata/core/metrics';
import { Counter, Gauge, type Histogram, type Registry } from 'prom-client';

/** Every reason a packet can be dropped; the `reason` label takes only these values (core's set). */
export const DROP_REASONS = NODE_DROP_REASONS;
export type DropReason = NodeDropReason;

export const LATENESS_BUCKETS_SECONDS = [0.0002, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

export interface WorkerBusySource {
  stats(): { busyMs: number[] };
}

export class MixMetrics implements EngineMetrics {
  readonly registry: Registry;
  readonly packetsIn: { inc(): void };
  readonly packetsOut: { inc(labels: { kind: 'forward' | 'loop' }): void };
  /** strata_mix_packets_dropped_total by reason (use drop(reason)). */
  readonly dropped: Counter<'reason'>;
  readonly unwrapFailures: Counter<'reason'>;
  readonly replays: Counter<never>;
  readonly queueDepth: Gauge<never>;
  readonly lateness: Histogram<never>;
  readonly workerBusy: Counter<'worker'>;
  readonly workerUtilisation: Gauge<'worker'>;
  readonly loopsSent: Counter<never>;
  readonly loopsReturned: Counter<never>;
  readonly loopReturnRatio: Gauge<never>;
  private workerSource: WorkerBusySource | undefined;
  private lastBusyMs: number[] = [];
  private lastSampleMs = performance.now();
  private queueDepthSource: (() => number) | undefined;
  private readonly dropPending: PendingCounts;

  constructor(readonly strata: StrataMetrics = new StrataMetrics('mix')) {
    const registry = strata.registry;
    this.registry = registry;
    // Per-packet counters: plain integers, folded into prom-client at each scrape (PendingCounts).
    const inPending = new PendingCounts();
    const outPending = new PendingCounts('kind');
    const dropPending = new PendingCounts('reason');
    const packetsIn: Counter<never> = new Counter({
      name: 'strata_mix_packets_in_total',
      help: 'Sphinx packets received on links',
      registers: [registry],
      collect: () => inPending.flushInto(packetsIn as Counter<string>),
    });
    const packetsOut: Counter<'kind'> = new Counter({
      name: 'strata_mix_packets_out_total',
      help: 'Sphinx packets sent on links, by kind (forward|loop)',
      labelNames: ['kind'],
      registers: [registry],
      collect: () => outPending.flushInto(packetsOut as Counter<string>),
    });
    this.dropped = new Counter({
      name: 'strata_mix_packets_dropped_total',
      help: 'Packets dropped, by reason',
      labelNames: ['reason'],
      registers: [registry],
      collect: () => dropPending.flushInto(this.dropped as Counter<string>),
    });
    this.dropPending = dropPending;
    this.packetsIn = { inc: () => inPending.add() };
    this.packetsOut = { inc: (labels) => outPending.add(labels.kind) };
    this.unwrapFailures = strata.counter('unwrap_failures', 'Sphinx unwrap failures, by reason', ['reason'] as const);
    this.replays = strata.counter('replays', 'Packets refused as replays');
    this.lateness = strata.histogram('lateness', 'Dispatch time minus due time (arrival + NodeDelay)', [], LATENESS_BUCKETS_SECONDS);
    this.loopsSent = strata.counter('loops_sent', 'Mix loop cover packets sent (λM)');
    this.loopsReturned = strata.counter('loops_returned', 'Mix loop cover packets that came back');
    this.loopReturnRatio = strata.gauge('loop_return_ratio', 'Loops returned / loops due back over the last window (a falling ratio hints at an (n-1) attack)');
    // Levels read from their sources at scrape time (same registry and naming as StrataMetrics).
    this.queueDepth = new Gauge({
      name: 'strata_mix_delay_queue_packets',
      help: 'Packets held in the delay queue',
      registers: [registry],
      collect: () => {
        if (this.queueDepthSource) this.queueDepth.set(this.queueDepthSource());
      },
    });
    // Sampled once per scrape, in the collect of the first of the two worker metrics.
    this.workerBusy = new Counter({
      name: 'strata_mix_worker_busy_seconds_total',
      help: 'Time each unwrap worker spent unwrapping',
      labelNames: ['worker'],
      registers: [registry],
      collect: () => this.sampleWorkers(),
    });
    this.workerUtilisation = new Gauge({
      name: 'strata_mix_worker_utilisation',
      help: 'Fraction of time each unwrap worker was busy since the previous scrape',
      labelNames: ['worker'],
      registers: [registry],
    });
    for (const reason of DROP_REASONS) this.dropped.inc({ reason }, 0);
    packetsOut.inc({ kind: 'forward' }, 0);
    packetsOut.inc({ kind: 'loop' }, 0);
  }

  drop(reason: DropReason): void {
    this.dropPending.add(reason);
  }

  /** Report the delay queue's size at each scrape. */
  watchQueue(depth: () => number): void {
    this.queueDepthSource = depth;
  }

  /** Report the pool's per-worker busy time and utilisation at each scrape. */
  watchWorkers(source: WorkerBusySource): void {
    this.workerSource = source;
    this.lastBusyMs = source.stats().busyMs.slice();
    this.lastSampleMs = performance.now();
  }

  private sampleWorkers(): void {
    if (!this.workerSource) return;
    const now = performance.now();
    const busy = this.workerSource.stats().busyMs;
    const wall = Math.max(now - this.lastSampleMs, 1e-3);
    busy.forEach((b, i) => {
      const delta = Math.max(b - (this.lastBusyMs[i] ?? 0), 0);
      this.workerBusy.inc({ worker: String(i) }, delta / 1000);
      this.workerUtilisation.set({ worker: String(i) }, Math.min(delta / wall, 1));
    });
    this.lastBusyMs = busy.slice();
    this.lastSampleMs = now;
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
