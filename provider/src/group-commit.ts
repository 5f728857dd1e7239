import type { RootDatabase } from 'lmdb';
import { StoreUnavailableError } from './errors.js';

interface Pending {
  readonly op: () => unknown;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  result?: unknown;
  failed?: unknown;
}

export interface GroupCommitStats {
  /** Called once per durable batch with its size and the seconds from first enqueue to flush. */
  onBatch?(operations: number, seconds: number): void;
}

/**
 * Group commit over one LMDB environment.
 *
 * Operations are synchronous closures that read and write with `getSync`/`putSync`/`removeSync`
 * semantics; everything queued while the previous batch is being flushed runs in ONE write
 * transaction, and every caller's promise resolves only after that transaction is on disk.
 *
 * Durability: lmdb-js (overlappingSync, the default on Linux) resolves a write's promise when the
 * transaction is *committed* (visible) and flushes to disk afterwards; `env.flushed` resolves when the
 * last commit is fully synced (lmdb-js README, "overlappingSync"). We await `committed` for the
 * result and then `flushed`, so "resolved" means "durable".
 */
export class GroupCommit {
  #queue: Pending[] = [];
  #running = false;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(
    private readonly env: RootDatabase,
    private readonly maxBatch: number,
    private readonly stats: GroupCommitStats = {},
  ) {}

  /** Queue `op`; resolves with its return value once the batch holding it is durable. */
  submit<T>(op: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('closed', 'store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#running) {
        this.#running = true;
        // Let the current event turn enqueue more work before the first batch starts.
        setImmediate(() => void this.#drain());
      }
    });
  }

  /** Number of operations waiting for the next batch. */
  get queued(): number {
    return this.#queue.length;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.maxBatch);
      const started = performance.now();
      try {
        await this.env.transaction(() => {
          for (const p of batch) {
            try {
              p.result = p.op();
            } catch (err) {
              // One op's validation failure must not abort the others' writes.
              p.failed = err;
            }
          }
        });
        await this.env.flushed;
        this.stats.onBatch?.(batch.length, (performance.now() - started) / 1000);
        for (const p of batch) {
          if (p.failed !== undefined) p.reject(p.failed);
          else p.resolve(p.result);
        }
      } catch (err) {
        const e = new StoreUnavailableError('commit_failed', `commit failed: ${(err as Error).message}`);
        for (const p of batch) p.reject(e);
      }
    }
    this.#running = false;
    for (const f of this.#idle.splice(0)) f();
  }

  /** Refuse new work and wait until everything queued is durable. */
  async close(): Promise<void> {
    this.#closed = true;
    if (!this.#running) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }
}
