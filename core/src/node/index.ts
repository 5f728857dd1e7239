// The node runtime shared by the mix and the provider (import from '@strata/core/node/<file>').
export * from './errors.js';
export * from './drop-reasons.js';
export * from './node-metrics.js';
export * from './delay-queue.js';
export * from './replay-filter.js';
export * from './worker-protocol.js';
export * from './worker-pool.js';
export * from './unwrap-handler.js';
export * from './engine.js';
export * from './held-store.js';
export * from './peers.js';
export { Topology as NodeTopology, type PlacedNode } from './topology.js';
export * from './directory-client.js';
export * from './epoch-runtime.js';
export { readNodeLinkConfig, linkListenerLimits, NODE_LINK_CONFIG_KEYS, type NodeLinkConfig } from './link-config.js';
export * from './node-config.js';
