// Named error classes of the mix node. Tested by `name` (and `reason`).
// The shared node runtime's errors (WorkerPoolError, NodeClosedError) live in @strata/core/node/errors.
export { WorkerPoolError, NodeClosedError, type WorkerPoolErrorReason } from '@strata/core/node/errors';

/** A caller passed an argument of the wrong type, length or range. */
export class MixArgumentError extends TypeError {
  override name = 'MixArgumentError';
}
