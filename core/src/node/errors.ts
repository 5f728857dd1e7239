// Named errors of the shared node runtime (mix and provider). Tested by `name` (and `reason`).
import { StrataError } from '../errors.js';

/** A component of the node runtime was used after it was closed. */
export class NodeClosedError extends StrataError {
  override name = 'NodeClosedError';
  constructor(message: string) {
    super('closed', message);
  }
}

/** Why the worker pool refused or failed a job. */
export type WorkerPoolErrorReason = 'queue_full' | 'closed' | 'worker_exit' | 'job_failed';

/** The worker pool refused a job (back-pressure), or the job failed inside a worker. */
export class WorkerPoolError extends StrataError {
  override name = 'WorkerPoolError';
  declare readonly reason: WorkerPoolErrorReason;
  constructor(reason: WorkerPoolErrorReason, message?: string) {
    super(reason, message ?? `worker pool: ${reason}`);
  }
}
