// @strata/mix-node public API.
export { MixNode, type MixNodeDeps } from './node.js';
export { mixCommand } from './cli.js';
export { loadMixConfig, parseMixConfig, MIX_CONFIG_DEFAULTS, type MixNodeConfig } from './config.js';
export { MixEngine, type MixEngineOptions, type ForwardItem } from './engine.js';
export { DelayQueue, type DelayQueueOptions, type DelayQueueTimers, type PendingItem } from './delay-queue.js';
export { ReplayFilter, type ReplayFilterOptions, type ReplayVerdict } from './replay-filter.js';
export { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';
export { siblingModuleUrl, type WorkerHandler, type WorkerHandlerModule } from './worker-protocol.js';
export { MixMetrics, DROP_REASONS, type DropReason } from './metrics.js';
export { HttpDirectoryClient, type DirectoryClient, DESCRIPTOR_UPLOAD_PATH } from './directory-client.js';
export { MixArgumentError, MixClosedError, WorkerPoolError } from './errors.js';
