// Why a node (mix or provider) drops a packet: the fixed value set of every `reason` label on the
// daemons' `strata_<component>_packets_dropped_total` counters.
export const NODE_DROP_REASONS = [
  // unwrap (sphinx-packet-ts InvalidPacketError.reason, or our own checks)
  'mac', 'length', 'version', 'geometry', 'key', 'commands', 'payload', 'no_key', 'unwrap_error', 'delay_too_long',
  // replay filter
  'replay', 'replay_filter_full', 'replay_filter_error',
  // back-pressure and shutdown
  'queue_full', 'worker_queue_full', 'shutting_down',
  // routing
  'not_a_forward_hop', 'unknown_next_hop', 'next_hop_not_allowed', 'peer_not_allowed', 'not_in_consensus', 'link_down',
] as const;
export type NodeDropReason = (typeof NODE_DROP_REASONS)[number];

/** What the engine and the links report to the daemon's own metrics (names stay the daemon's). */
export interface EngineMetrics {
  packetsIn: { inc(): void };
  packetsOut: { inc(labels: { kind: 'forward' }): void };
  unwrapFailures: { inc(labels: { reason: string }): void };
  replays: { inc(): void };
  lateness: { observe(seconds: number): void };
  drop(reason: NodeDropReason): void;
  /** Report the delay queue's size at each scrape. */
  watchQueue(depth: () => number): void;
}
