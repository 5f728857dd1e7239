// The packet-pipeline metrics of a node daemon on the daemon's own StrataMetrics, so each keeps its
// own names: `strata_<component>_packets_{in,out,dropped}_total`, `_unwrap_failures_total`,
// `_replays_total`, `_lateness_seconds`, `_delay_queue_packets`. Fixed label sets; every drop
// reason is pre-registered at 0.
import { Gauge, type Counter, type Histogram } from 'prom-client';
import type { StrataMetrics } from '../metrics.js';
import { NODE_DROP_REASONS, type EngineMetrics, type NodeDropReason } from './drop-reasons.js';

export const LATENESS_BUCKETS_SECONDS = [0.0002, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

export class NodePipelineMetrics implements EngineMetrics {
  readonly packetsIn: Counter<never>;
  readonly packetsOut: Counter<'kind'>;
  readonly dropped: Counter<'reason'>;
  readonly unwrapFailures: Counter<'reason'>;
  readonly replays: Counter<never>;
  readonly lateness: Histogram<never>;
  readonly queueDepth: Gauge<never>;
  private queueDepthSource: (() => number) | undefined;

  /** `extraDropReasons`: the daemon's own reasons besides the runtime's (e.g. 'rate_limited'). */
  constructor(readonly strata: StrataMetrics, extraDropReasons: readonly string[] = [], outKinds: readonly string[] = ['forward']) {
    this.packetsIn = strata.counter('packets_in', 'Sphinx packets received on links');
    this.packetsOut = strata.counter('packets_out', 'Sphinx packets sent on links, by kind', ['kind'] as const);
    this.dropped = strata.counter('packets_dropped', 'Packets dropped, by reason', ['reason'] as const);
    this.unwrapFailures = strata.counter('unwrap_failures', 'Sphinx unwrap failures, by reason', ['reason'] as const);
    this.replays = strata.counter('replays', 'Packets refused as replays');
    this.lateness = strata.histogram('lateness', 'Dispatch time minus due time (arrival + NodeDelay)', [], LATENESS_BUCKETS_SECONDS);
    this.queueDepth = new Gauge({
      name: `strata_${strata.component}_delay_queue_packets`,
      help: 'Packets held in the delay queue',
      registers: [strata.registry],
      collect: () => {
        if (this.queueDepthSource) this.queueDepth.set(this.queueDepthSource());
      },
    });
    for (const reason of [...NODE_DROP_REASONS, ...extraDropReasons]) this.dropped.inc({ reason }, 0);
    for (const kind of outKinds) this.packetsOut.inc({ kind }, 0);
  }

  drop(reason: NodeDropReason | (string & {})): void {
    this.dropped.inc({ reason });
  }

  watchQueue(depth: () => number): void {
    this.queueDepthSource = depth;
  }

  /** Prometheus text of the whole registry (the daemon's other metrics included). */
  render(): Promise<string> {
    return this.strata.registry.metrics();
  }
}
