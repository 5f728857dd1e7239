import { assertFunction, assertNumber } from './assert.js';
import { EventHeap } from './event-heap.js';

/** Opaque id of a scheduled callback, for {@link Clock.cancel}. */
export type TimerHandle = number;

/**
 * Time source and timer service, injected into everything that schedules (send scheduler, Poisson
 * processes, mix loops). {@link SystemClock} runs on real time; {@link VirtualClock} and the
 * simulator's engine run on virtual time, so the same code drives both.
 */
export interface Clock {
  /** Current time in milliseconds (monotonic; origin is implementation-defined). */
  now(): number;
  /** Calls fn once at time atMs (or as soon as possible if atMs is already past). */
  schedule(atMs: number, fn: () => void): TimerHandle;
  /** Cancels a scheduled callback; cancelling a fired or unknown handle is a no-op. */
  cancel(handle: TimerHandle): void;
}

const SLOT_SPACE = 4194304; // 2^22 concurrent timers; handle = generation · 2^22 + slot

/**
 * Slot table behind both clocks and the simulator: callbacks by slot, generation counters so stale
 * handles are no-ops. Entries go into `heap` with payload `slot · scale + tag`, so an engine can share
 * one heap between timers and its own event kinds.
 */
export class TimerTable {
  private fns: (((() => void) | undefined)[]) = [];
  private gens: number[] = [];
  private free: number[] = [];

  constructor(
    readonly heap: EventHeap = new EventHeap(),
    private readonly scale = 1,
    private readonly tag = 0,
  ) {}

  add(atMs: number, fn: () => void): TimerHandle {
    let slot: number;
    if (this.free.length > 0) slot = this.free.pop() as number;
    else {
      slot = this.fns.length;
      if (slot >= SLOT_SPACE) throw new RangeError('too many concurrent timers');
      this.fns.push(undefined);
      this.gens.push(0);
    }
    this.fns[slot] = fn;
    this.heap.push(atMs, slot * this.scale + this.tag);
    return this.gens[slot] * SLOT_SPACE + slot;
  }

  cancel(handle: TimerHandle): void {
    if (typeof handle !== 'number' || !(handle >= 0)) return;
    const slot = handle % SLOT_SPACE;
    const gen = Math.floor(handle / SLOT_SPACE);
    // Keep the slot reserved until its heap entry pops, so it cannot be reused early.
    if (slot < this.fns.length && this.gens[slot] === gen) this.fns[slot] = undefined;
  }

  /** Releases the slot of a popped heap payload and returns its callback (undefined if cancelled). */
  take(payload: number): (() => void) | undefined {
    const slot = (payload - this.tag) / this.scale;
    const fn = this.fns[slot];
    this.fns[slot] = undefined;
    this.gens[slot]++;
    this.free.push(slot);
    return fn;
  }

  /** Pops the earliest entry of a heap used only by this table and returns its callback. */
  popDue(): (() => void) | undefined {
    return this.take(this.heap.pop());
  }
}

/** A clock on virtual time for tests and single-threaded simulations: time moves only when run. */
export class VirtualClock implements Clock {
  private readonly table = new TimerTable();
  private t: number;

  constructor(startMs = 0) {
    assertNumber(startMs, 'startMs');
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  schedule(atMs: number, fn: () => void): TimerHandle {
    assertNumber(atMs, 'atMs');
    assertFunction(fn, 'fn');
    return this.table.add(atMs < this.t ? this.t : atMs, fn);
  }

  cancel(handle: TimerHandle): void {
    this.table.cancel(handle);
  }

  /** Number of scheduled entries (cancelled ones included until they would have fired). */
  get pending(): number {
    return this.table.heap.size;
  }

  /** Runs every callback due at or before endMs in time order, then sets now to endMs. */
  runUntil(endMs: number): void {
    assertNumber(endMs, 'endMs');
    const heap = this.table.heap;
    while (heap.size > 0 && heap.peekTime() <= endMs) {
      const fn = this.table.popDue();
      this.t = heap.lastTime;
      if (fn !== undefined) fn();
    }
    if (endMs > this.t) this.t = endMs;
  }
}

export interface SystemClockOptions {
  /** Do not keep the process alive only for this clock's timer (default false). */
  unref?: boolean;
}

/**
 * Real-time clock: `now()` is `performance.now()` (monotonic ms since process start). All callbacks
 * live in one heap and a single Node timer is armed for the earliest deadline, so thousands of
 * Poisson streams cost one timer, not one each.
 */
export class SystemClock implements Clock {
  private readonly table = new TimerTable();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private readonly unref: boolean;
  private readonly onTimer = (): void => this.fire();

  constructor(opts: SystemClockOptions = {}) {
    this.unref = opts.unref === true;
  }

  now(): number {
    return performance.now();
  }

  schedule(atMs: number, fn: () => void): TimerHandle {
    assertNumber(atMs, 'atMs');
    assertFunction(fn, 'fn');
    const h = this.table.add(atMs, fn);
    if (atMs < this.armedAt) this.arm();
    return h;
  }

  cancel(handle: TimerHandle): void {
    this.table.cancel(handle);
  }

  /** Stops the armed timer; scheduled callbacks stay queued and run if something is scheduled again. */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    const heap = this.table.heap;
    if (heap.size === 0) {
      this.timer = undefined;
      this.armedAt = Infinity;
      return;
    }
    this.armedAt = heap.peekTime();
    this.timer = setTimeout(this.onTimer, Math.max(0, this.armedAt - this.now()));
    if (this.unref) this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const heap = this.table.heap;
    const now = this.now();
    // setTimeout may fire up to ~1 ms early relative to performance.now(); allow that slack.
    while (heap.size > 0 && heap.peekTime() <= now + 1) {
      const fn = this.table.popDue();
      if (fn !== undefined) {
        try {
          fn();
        } catch (err) {
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
    this.arm();
  }
}
