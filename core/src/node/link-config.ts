// The `link` section of a node's config (mix node, provider): the link listener's limits, read and
// validated the same way for every daemon. Defaults differ per daemon and come from its own
// defaults object; this module only validates. Keys are documented in docs/operators.md.
import type { ConfigReader } from '../config.js';

export interface NodeLinkConfig {
  handshakeTimeoutMs: number;
  maxQueuedBytes: number;
  /** Packets queued for a peer whose link is (re)connecting; beyond: dropped, counted. */
  maxPendingPacketsPerPeer: number;
  maxPendingHandshakes: number;
  maxPendingHandshakesPerSource: number;
  handshakesPerSecond: number;
  handshakeBurst: number;
  maxConnectionsPerPeer: number;
}

export const NODE_LINK_CONFIG_KEYS: readonly (keyof NodeLinkConfig)[] = [
  'handshakeTimeoutMs', 'maxQueuedBytes', 'maxPendingPacketsPerPeer', 'maxPendingHandshakes',
  'maxPendingHandshakesPerSource', 'handshakesPerSecond', 'handshakeBurst', 'maxConnectionsPerPeer',
];

/** Validates `<prefix>link` (errors carry the full path, e.g. `mixnet.link.handshakeBurst`). */
export function readNodeLinkConfig(r: ConfigReader): NodeLinkConfig {
  r.object('link', NODE_LINK_CONFIG_KEYS as string[]);
  return {
    handshakeTimeoutMs: r.int('link.handshakeTimeoutMs', { min: 100, max: 600_000 }),
    maxQueuedBytes: r.int('link.maxQueuedBytes', { min: 65_536 }),
    maxPendingPacketsPerPeer: r.int('link.maxPendingPacketsPerPeer', { min: 0, max: 1_000_000 }),
    maxPendingHandshakes: r.int('link.maxPendingHandshakes', { min: 1, max: 1_000_000 }),
    maxPendingHandshakesPerSource: r.int('link.maxPendingHandshakesPerSource', { min: 1, max: 1_000_000 }),
    handshakesPerSecond: r.int('link.handshakesPerSecond', { min: 1, max: 1_000_000 }),
    handshakeBurst: r.int('link.handshakeBurst', { min: 1, max: 1_000_000 }),
    maxConnectionsPerPeer: r.int('link.maxConnectionsPerPeer', { min: 1, max: 1_000_000 }),
  };
}

/** The listener options taken from the section (everything but the per-peer packet queue). */
export function linkListenerLimits(c: NodeLinkConfig): Omit<NodeLinkConfig, 'maxPendingPacketsPerPeer'> {
  const { maxPendingPacketsPerPeer: _perPeer, ...limits } = c;
  return limits;
}
