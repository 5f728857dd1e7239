// @strata/mix-node public API. The generic node runtime (engine, delay queue, replay filter, worker
// pool, links, topology, directory client, epoch runtime) lives in @strata/core/node/*.
export { MixNode, type MixNodeDeps } from './node.js';
export { mixCommand } from './cli.js';
export { loadMixConfig, parseMixConfig, MIX_CONFIG_DEFAULTS, type MixNodeConfig } from './config.js';
export { MixMetrics, DROP_REASONS, type DropReason } from './metrics.js';
export { MixArgumentError, NodeClosedError, WorkerPoolError } from './errors.js';
