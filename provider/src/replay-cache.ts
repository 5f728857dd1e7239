import { ReplayCacheFullError } from './errors.js';

/**
 * Remembers the nonces of accepted signed requests so that a captured request cannot be replayed.
 *
 * A request is accepted only when |now − timestamp| ≤ window, so a nonce first seen at t0 can only
 * be replayed until t0 + 2·window. Two generations rotated every 2·window keep every nonce for at
 * least that long. When `maxNonces` is reached new requests are refused (fail closed).
 */
export class ReplayCache {
  #current = new Set<string>();
  #previous = new Set<string>();
  #rotatedAt: number;

  constructor(
    private readonly windowMs: number,
    private readonly maxNonces: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#rotatedAt = now();
  }

  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  #rotate(): void {
    const t = this.now();
    const period = 2 * this.windowMs;
    if (t - this.#rotatedAt < period) return;
    // More than two periods idle: both generations are stale.
    this.#previous = t - this.#rotatedAt >= 2 * period ? new Set() : this.#current;
    this.#current = new Set();
    this.#rotatedAt = t;
  }

  /** True when the nonce was seen before; otherwise records it. Throws ReplayCacheFullError when full. */
  seenOrAdd(nonceKey: string): boolean {
    this.#rotate();
    if (this.#current.has(nonceKey) || this.#previous.has(nonceKey)) return true;
    if (this.size >= this.maxNonces) throw new ReplayCacheFullError(this.maxNonces);
    this.#current.add(nonceKey);
    return false;
  }
}
