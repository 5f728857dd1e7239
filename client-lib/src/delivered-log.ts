// Exactly-once delivery across restarts: the ids of delivered messages, kept in the secure store's
// `delivered` table (one record per id). A duplicate can arrive long after the original (a lost SURB-ACK makes the sender
// resend; both copies wait at the provider while the recipient is offline), so ids are kept for a
// retention period longer than any provider keeps messages.
import { assertInt, assertString } from './assert.js';
import type { DeliveredLog } from './fragment.js';
import type { SecureStore, SecureTable } from './secure-store.js';

export const DEFAULT_DELIVERED_RETENTION_MS = 30 * 24 * 3600 * 1000;
const PREFIX = 'd:';

export class StoreDeliveredLog implements DeliveredLog {
  readonly #table: SecureTable;
  readonly #seen = new Map<string, number>();
  readonly #pending = new Set<Promise<void>>();
  readonly #now: () => number;
  readonly #retentionMs: number;

  constructor(store: SecureStore, options: { now?: () => number; retentionMs?: number } = {}) {
    this.#table = store.table('delivered');
    this.#now = options.now ?? Date.now;
    this.#retentionMs = options.retentionMs ?? DEFAULT_DELIVERED_RETENTION_MS;
    assertInt(this.#retentionMs, 'deliveredLog.retentionMs', 1, Number.MAX_SAFE_INTEGER);
    for (const [key, at] of this.#table.jsonEntries<number>()) this.#seen.set(key.slice(PREFIX.length), at);
  }

  has(key: string): boolean {
    return this.#seen.has(key);
  }

  /** Records `key` now in memory; the write is durable once flush() resolves. */
  add(key: string): void {
    assertString(key, 'deliveredLog.key', 512, 1);
    const at = this.#now();
    this.#seen.set(key, at);
    this.#track(this.#table.putJson(PREFIX + key, at));
  }

  #track(write: Promise<unknown>): void {
    const p = write.then(() => undefined);
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p)).catch(() => undefined);
  }

  /** Resolves when every add() so far is on disk (await it before showing a message to the app). */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  /** Forgets ids older than the retention period; returns how many. */
  async prune(): Promise<number> {
    const cutoff = this.#now() - this.#retentionMs;
    const old = [...this.#seen].filter(([, at]) => at < cutoff).map(([k]) => k);
    for (const k of old) this.#seen.delete(k);
    await Promise.all(old.map((k) => this.#table.delete(PREFIX + k)));
    return old.length;
  }

  get size(): number {
    return this.#seen.size;
  }
}
