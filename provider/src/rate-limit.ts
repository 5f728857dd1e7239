import { assertInteger } from './assert.js';
import { ProviderValidationError } from './errors.js';

interface Bucket {
  tokens: number;
  atMs: number;
}

/**
 * Per-client token buckets (issue 5 item 1): each client (keyed by its link key) may send
 * `burst` packets at once and `ratePerSecond` on average. At most `maxClients` buckets are kept;
 * the least recently used one is forgotten first (a forgotten client starts with a full bucket,
 * which is no more than a fresh link gets).
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxClients: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(typeof ratePerSecond === 'number' && Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
      throw new ProviderValidationError('invalid', 'ratePerSecond: must be a finite number > 0');
    }
    assertInteger('burst', burst, 1, Number.MAX_SAFE_INTEGER);
    assertInteger('maxClients', maxClients, 1, Number.MAX_SAFE_INTEGER);
  }

  /** Take one token for `client`; false when its bucket is empty (the packet is dropped). */
  take(client: string): boolean {
    const t = this.now();
    let b = this.#buckets.get(client);
    if (b) {
      this.#buckets.delete(client); // re-insert: Map order = least recently used first
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.atMs) / 1000) * this.ratePerSecond);
      b.atMs = t;
    } else {
      if (this.#buckets.size >= this.maxClients) this.#buckets.delete(this.#buckets.keys().next().value as string);
      b = { tokens: this.burst, atMs: t };
    }
    this.#buckets.set(client, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.#buckets.size;
  }
}
