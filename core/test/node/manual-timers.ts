// A hand-driven clock for deterministic queue tests: time moves only when the test calls advance().
import type { DelayQueueTimers } from '../../src/node/delay-queue.js';

export class ManualTimers implements DelayQueueTimers {
  private t = 0;
  private nextId = 1;
  readonly pending = new Map<number, { atMs: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { atMs: this.t + delayMs, fn });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Move the clock to now + ms, firing due timers in order (as a real event loop would). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let first: [number, { atMs: number; fn: () => void }] | undefined;
      for (const e of this.pending) if (e[1].atMs <= end && (!first || e[1].atMs < first[1].atMs)) first = e;
      if (!first) break;
      this.pending.delete(first[0]);
      this.t = Math.max(this.t, first[1].atMs);
      first[1].fn();
    }
    this.t = end;
  }
}

/** Resolve once `predicate` holds, polling on the event loop (no fixed sleeps); reject after `limitMs`. */
export async function waitFor(predicate: () => boolean, limitMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > limitMs) throw new Error('waitFor: condition not met');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
