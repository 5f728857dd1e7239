// The mix's hold queue: every packet leaves at arrival + its NodeDelay (Loopix §4.2, Katzenpost
// "scheduler"). A binary min-heap keyed by due time (ties keep arrival order) with ONE armed timer
// for the earliest deadline — never one timer per packet.
//
// Graceful shutdown (`drain`): packets already due are dispatched at once; packets not yet due are
// handed back with their remaining delay so the node can persist them (see held-store.ts) and send
// them at their original due time after a restart. Every item therefore leaves the queue exactly
// once, either through `onDue` or in the array `drain` returns: nothing is lost or duplicated.
import { assertArg, assertFiniteNumber, assertInt } from './assert.js';

export interface DelayQueueTimers {
  /** Monotonic milliseconds (performance.now()-based by default). */
  now(): number;
  setTimer(fn: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const REAL_TIMERS: DelayQueueTimers = Object.freeze({
  now: () => performance.now(),
  setTimer: (fn: () => void, delayMs: number) => setTimeout(fn, delayMs),
  clearTimer: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

export interface DelayQueueOptions<T> {
  /** Items held at most; a push beyond this is refused with 'queue_full'. */
  maxItems: number;
  /** Called once per item when it is due, in due order; lateness = dispatch time − due time (≥ 0). */
  onDue: (item: T, latenessMs: number) => void;
  /** Receives anything `onDue` throws; the queue carries on with the next item. */
  onError?: (err: unknown) => void;
  timers?: DelayQueueTimers;
}

export type DelayQueuePushResult = 'queued' | 'queue_full' | 'closed';

export interface PendingItem<T> {
  /** Time still to wait when the queue was drained, in ms (> 0). */
  remainingMs: number;
  item: T;
}

interface Entry<T> {
  dueMs: number;
  seq: number;
  item: T;
}

export class DelayQueue<T> {
  readonly maxItems: number;
  private readonly heap: Entry<T>[] = [];
  private readonly onDue: (item: T, latenessMs: number) => void;
  private readonly onError: (err: unknown) => void;
  private readonly timers: DelayQueueTimers;
  private seq = 0;
  private timer: unknown = undefined;
  private armedForMs = Infinity;
  private closed = false;

  constructor(options: DelayQueueOptions<T>) {
    assertArg(typeof options === 'object' && options !== null, 'options: must be an object');
    assertInt(options.maxItems, 'options.maxItems', 1);
    assertArg(typeof options.onDue === 'function', 'options.onDue: must be a function');
    this.maxItems = options.maxItems;
    this.onDue = options.onDue;
    this.onError = options.onError ?? (() => {});
    this.timers = options.timers ?? REAL_TIMERS;
  }

  get size(): number {
    return this.heap.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Due time of the earliest held item, or undefined when empty. */
  nextDueMs(): number | undefined {
    return this.heap.length > 0 ? this.heap[0].dueMs : undefined;
  }

  now(): number {
    return this.timers.now();
  }

  /** Hold `item` until the monotonic time `dueMs`. A due time in the past dispatches on the next tick. */
  push(dueMs: number, item: T): DelayQueuePushResult {
    assertFiniteNumber(dueMs, 'dueMs');
    if (this.closed) return 'closed';
    if (this.heap.length >= this.maxItems) return 'queue_full';
    this.heapPush({ dueMs, seq: this.seq++, item });
    if (dueMs < this.armedForMs) this.arm();
    return 'queued';
  }

  /**
   * Close the queue for graceful shutdown: dispatch every item already due through `onDue`, and
   * return the rest (in due order) with their remaining delay, leaving the queue empty.
   */
  drain(): PendingItem<T>[] {
    this.closed = true;
    this.disarm();
    this.dispatchDue();
    const nowMs = this.timers.now();
    const rest: PendingItem<T>[] = [];
    while (this.heap.length > 0) {
      const e = this.heapPop();
      rest.push({ remainingMs: Math.max(e.dueMs - nowMs, 0), item: e.item });
    }
    return rest;
  }

  /** Close without dispatching; returns all held items (in due order), queue left empty. */
  close(): T[] {
    this.closed = true;
    this.disarm();
    const rest: T[] = [];
    while (this.heap.length > 0) rest.push(this.heapPop().item);
    return rest;
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clearTimer(this.timer);
    this.timer = undefined;
    this.armedForMs = Infinity;
  }

  private arm(): void {
    this.disarm();
    if (this.heap.length === 0 || this.closed) return;
    const dueMs = this.heap[0].dueMs;
    // Node timers have 1 ms resolution and never fire early; ask for the remaining time (≥ 0).
    const waitMs = Math.max(dueMs - this.timers.now(), 0);
    this.armedForMs = dueMs;
    this.timer = this.timers.setTimer(this.onTimer, waitMs);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.armedForMs = Infinity;
    this.dispatchDue();
    this.arm();
  };

  private dispatchDue(): void {
    while (this.heap.length > 0) {
      const nowMs = this.timers.now();
      if (this.heap[0].dueMs > nowMs) return;
      const e = this.heapPop();
      try {
        this.onDue(e.item, nowMs - e.dueMs);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  // --- binary min-heap on (dueMs, seq) ---
  private less(a: Entry<T>, b: Entry<T>): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
  }

  private heapPush(e: Entry<T>): void {
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(e, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = e;
  }

  private heapPop(): Entry<T> {
    const h = this.heap;
    const top = h[0];
    const last = h.pop() as Entry<T>;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.less(h[r], h[l]) ? r : l;
        if (!this.less(h[c], last)) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
