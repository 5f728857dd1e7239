// The mix's hold queue: every packet leaves at arrival + its NodeDelay (Loopix §4.2, Katzenpost
// "scheduler"). core's EventHeap (binary min-heap keyed by due time, ties in arrival order) over a
// slot table of items, with ONE armed timer for the earliest deadline — never one timer per packet.
//
// Graceful shutdown (`drain`): packets already due are dispatched at once; packets not yet due are
// handed back with their remaining delay so the node can persist them (see held-store.ts) and send
// them at their original due time after a restart. Every item therefore leaves the queue exactly
// once, either through `onDue` or in the array `drain` returns: nothing is lost or duplicated.
import { EventHeap } from '../sched/event-heap.js';
import { assert, assertFinite, assertInt } from '../assert.js';

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

export class DelayQueue<T> {
  readonly maxItems: number;
  private readonly heap = new EventHeap();
  /** Items by slot (the heap's payload); freed slots are reused. */
  private readonly slots: (T | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private readonly onDue: (item: T, latenessMs: number) => void;
  private readonly onError: (err: unknown) => void;
  private readonly timers: DelayQueueTimers;
  private timer: unknown = undefined;
  private armedForMs = Infinity;
  private closed = false;

  constructor(options: DelayQueueOptions<T>) {
    assert(typeof options === 'object' && options !== null, 'options: must be an object');
    assertInt('options.maxItems', options.maxItems, 1);
    assert(typeof options.onDue === 'function', 'options.onDue: must be a function');
    this.maxItems = options.maxItems;
    this.onDue = options.onDue;
    this.onError = options.onError ?? (() => {});
    this.timers = options.timers ?? REAL_TIMERS;
  }

  get size(): number {
    return this.heap.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Due time of the earliest held item, or undefined when empty. */
  nextDueMs(): number | undefined {
    return this.heap.size > 0 ? this.heap.peekTime() : undefined;
  }

  now(): number {
    return this.timers.now();
  }

  /** Hold `item` until the monotonic time `dueMs`. A due time in the past dispatches on the next tick. */
  push(dueMs: number, item: T): DelayQueuePushResult {
    assertFinite('dueMs', dueMs);
    if (this.closed) return 'closed';
    if (this.heap.size >= this.maxItems) return 'queue_full';
    const slot = this.freeSlots.length > 0 ? (this.freeSlots.pop() as number) : this.slots.length;
    this.slots[slot] = item;
    this.heap.push(dueMs, slot);
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
    while (this.heap.size > 0) {
      const item = this.popItem();
      rest.push({ remainingMs: Math.max(this.heap.lastTime - nowMs, 0), item });
    }
    return rest;
  }

  /** Close without dispatching; returns all held items (in due order), queue left empty. */
  close(): T[] {
    this.closed = true;
    this.disarm();
    const rest: T[] = [];
    while (this.heap.size > 0) rest.push(this.popItem());
    return rest;
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clearTimer(this.timer);
    this.timer = undefined;
    this.armedForMs = Infinity;
  }

  private arm(): void {
    this.disarm();
    if (this.heap.size === 0 || this.closed) return;
    const dueMs = this.heap.peekTime();
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
    while (this.heap.size > 0) {
      const nowMs = this.timers.now();
      if (this.heap.peekTime() > nowMs) return;
      const item = this.popItem();
      try {
        this.onDue(item, nowMs - this.heap.lastTime);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  /** Pop the earliest item (its due time is then in heap.lastTime) and free its slot. */
  private popItem(): T {
    const slot = this.heap.pop();
    const item = this.slots[slot] as T;
    this.slots[slot] = undefined;
    this.freeSlots.push(slot);
    return item;
  }
}
