// Avoiding a mix that loses packets (client.md §11.5): every client packet that carries a SURB-ACK
// tells whether its route worked. A mix that keeps losing is left out of path selection until the next
// epoch's consensus (when the directory has had its chance to drop a dead node). Loopix §4.3 uses loop
// traffic to detect active attacks; here the SURB-ACKs of every packet (loops included) serve.
import { assertInt } from './assert.js';
import { bytesToHex } from './bytes.js';
import type { RoutingView } from './packets.js';

/** Consecutive losses blamed on one mix (since its last acknowledged packet) before it is avoided. */
export const DEFAULT_LOSSES_BEFORE_AVOIDING = 4;

export interface MixHealthOptions {
  readonly lossesBeforeAvoiding?: number;
}

/**
 * Per-epoch bookkeeping of which mixes lose packets.
 *
 * - `acked(mixes)`: a packet whose forward and SURB-ACK routes crossed `mixes` came back: each of
 *   them works — its streak is reset and it is no longer avoided.
 * - `lost(mixes)`: a packet was not acknowledged in time. A loss does not say which mix lost it, so it
 *   is blamed on the mixes of the route with the longest current streak (all of them when tied):
 *   a dead mix's streak only grows, a working one's is reset by every packet that comes back, so
 *   after a few losses every loss through the dead mix is blamed on it alone and healthy mixes on
 *   the same routes are not dragged along.
 * - A mix whose streak reaches `lossesBeforeAvoiding` is avoided: `filter(view)` leaves it out of its
 *   layer, unless that would empty the layer (a path must exist): then the layer keeps its mixes
 *   with the shortest streak (after a stall that blamed every mix, the dead one still stays out).
 * - `reset()` at each new consensus: the directory's view of the epoch takes over again.
 */
export class MixHealth {
  readonly #limit: number;
  readonly #streak = new Map<string, number>();
  readonly #avoided = new Set<string>();
  #version = 0;

  constructor(options: MixHealthOptions = {}) {
    this.#limit = options.lossesBeforeAvoiding ?? DEFAULT_LOSSES_BEFORE_AVOIDING;
    assertInt(this.#limit, 'mixHealth.lossesBeforeAvoiding', 1, 1_000_000);
  }

  /** Changes whenever the avoided set changes (callers re-filter their view then). */
  get version(): number {
    return this.#version;
  }

  /** Hex node ids of the mixes avoided now. */
  get avoided(): string[] {
    return [...this.#avoided].sort();
  }

  acked(mixes: readonly Uint8Array[]): void {
    for (const m of mixes) {
      const k = bytesToHex(m);
      this.#streak.delete(k);
      if (this.#avoided.delete(k)) this.#version++;
    }
  }

  /** Returns true when the loss made a mix avoided. */
  lost(mixes: readonly Uint8Array[]): boolean {
    const keys = [...new Set(mixes.map((m) => bytesToHex(m)))];
    if (keys.length === 0) return false;
    const worst = Math.max(...keys.map((k) => this.#streak.get(k) ?? 0));
    let changed = false;
    for (const k of keys) {
      const s = this.#streak.get(k) ?? 0;
      if (s !== worst) continue;
      this.#streak.set(k, s + 1);
      if (s + 1 >= this.#limit && !this.#avoided.has(k)) {
        this.#avoided.add(k);
        changed = true;
      }
    }
    if (changed) this.#version++;
    return changed;
  }

  reset(): void {
    this.#streak.clear();
    if (this.#avoided.size > 0) this.#version++;
    this.#avoided.clear();
  }

  /**
   * `view` without the avoided mixes. A layer whose every mix is avoided keeps the ones with the
   * shortest streak (a path must exist, and a dead mix's streak is the longest).
   */
  filter(view: RoutingView): RoutingView {
    if (this.#avoided.size === 0) return view;
    const layers = view.layers.map((l) => {
      const kept = l.filter((n) => !this.#avoided.has(bytesToHex(n.id)));
      if (kept.length > 0) return kept;
      const streak = (n: { id: Uint8Array }): number => this.#streak.get(bytesToHex(n.id)) ?? 0;
      const best = Math.min(...l.map(streak));
      return l.filter((n) => streak(n) === best);
    });
    return Object.freeze({ ...view, layers });
  }
}
