// Named error classes of the mix node. Tested by `name` (and `reason`).

/** A caller passed an argument of the wrong type, length or range. */
export class MixArgumentError extends TypeError {
  override name = 'MixArgumentError';
}

/** A component was used after it was closed. */
export class MixClosedError extends Error {
  override name = 'MixClosedError';
}

/** Why the worker pool refused or failed a job. */
export type WorkerPoolErrorReason = 'queue_full' | 'closed' | 'worker_exit' | 'job_failed';

/** The worker pool refused a job (back-pressure), or the job failed inside a worker. */
export class WorkerPoolError extends Error {
  override name = 'WorkerPoolError';
  constructor(readonly reason: WorkerPoolErrorReason, message?: string) {
    super(message ?? `worker pool: ${reason}`);
  }
}
