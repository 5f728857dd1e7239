// Prometheus metrics of the mix node: `strata_mix_<thing>_{total,seconds}`, fixed label sets.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every reason a packet can be dropped; the `reason` label takes only these values. */
export const DROP_REASONS = [
  // unwrap (sphinx-packet-ts InvalidPacketError.reason, or our own checks)
  'mac', 'length', 'version', 'geometry', 'key', 'commands', 'payload', 'no_key', 'unwrap_error', 'delay_too_long',
  // replay filter
  'replay', 'replay_filter_full', 'replay_filter_error',
  // back-pressure and shutdown
  'queue_full', 'worker_queue_full', 'shutting_down',
  // routing
  'not_a_forward_hop', 'unknown_next_hop', 'peer_not_allowed', 'link_down',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export const LATENESS_BUCKETS_SECONDS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1];

export interface WorkerBusySource {
  stats(): { busyMs: number[] };
}

export class MixMetrics {
  readonly registry: Registry;
  readonly packetsIn: Counter<never>;
  readonly packetsOut: Counter<'kind'>;
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

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const r = [registry];
    this.packetsIn = new Counter({ name: 'strata_mix_packets_in_total', help: 'Sphinx packets received on links', registers: r });
    this.packetsOut = new Counter({ name: 'strata_mix_packets_out_total', help: 'Sphinx packets sent on links, by kind (forward|loop)', labelNames: ['kind'], registers: r });
    this.dropped = new Counter({ name: 'strata_mix_packets_dropped_total', help: 'Packets dropped, by reason', labelNames: ['reason'], registers: r });
    this.unwrapFailures = new Counter({ name: 'strata_mix_unwrap_failures_total', help: 'Sphinx unwrap failures, by reason', labelNames: ['reason'], registers: r });
    this.replays = new Counter({ name: 'strata_mix_replays_total', help: 'Packets refused as replays', registers: r });
    this.queueDepth = new Gauge({
      name: 'strata_mix_delay_queue_packets',
      help: 'Packets held in the delay queue',
      registers: r,
      collect: () => {
        if (this.queueDepthSource) this.queueDepth.set(this.queueDepthSource());
      },
    });
    this.lateness = new Histogram({ name: 'strata_mix_lateness_seconds', help: 'Dispatch time minus due time (arrival + NodeDelay)', buckets: LATENESS_BUCKETS_SECONDS, registers: r });
    // Sampled once per scrape, in the collect of the first of the two worker metrics.
    this.workerBusy = new Counter({
      name: 'strata_mix_worker_busy_seconds_total',
      help: 'Time each unwrap worker spent unwrapping',
      labelNames: ['worker'],
      registers: r,
      collect: () => this.sampleWorkers(),
    });
    this.workerUtilisation = new Gauge({
      name: 'strata_mix_worker_utilisation',
      help: 'Fraction of time each unwrap worker was busy since the previous scrape',
      labelNames: ['worker'],
      registers: r,
    });
    this.loopsSent = new Counter({ name: 'strata_mix_loops_sent_total', help: 'Mix loop cover packets sent (λM)', registers: r });
    this.loopsReturned = new Counter({ name: 'strata_mix_loops_returned_total', help: 'Mix loop cover packets that came back', registers: r });
    this.loopReturnRatio = new Gauge({ name: 'strata_mix_loop_return_ratio', help: 'Loops returned / loops sent over the last window (a falling ratio hints at an (n-1) attack)', registers: r });
    for (const reason of DROP_REASONS) this.dropped.inc({ reason }, 0);
    this.packetsOut.inc({ kind: 'forward' }, 0);
    this.packetsOut.inc({ kind: 'loop' }, 0);
  }

  drop(reason: DropReason): void {
    this.dropped.inc({ reason });
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
