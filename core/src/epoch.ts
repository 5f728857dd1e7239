// The epoch clock: epoch e covers [genesisMs + e·lengthMs, genesisMs + (e+1)·lengthMs).
// Default length 20 minutes (as Katzenpost); tests use seconds. The time source is injected.
import { assert, assertInt } from './assert.js';

export const DEFAULT_EPOCH_LENGTH_MS = 20 * 60 * 1000;

export interface EpochClockOptions {
  /** Epoch length in milliseconds (default 20 min). */
  lengthMs?: number;
  /** Wall-clock time (ms since Unix epoch) at which epoch 0 starts (default 0). */
  genesisMs?: number;
  /** Time source in ms (default Date.now). */
  now?: () => number;
}

export class EpochClock {
  readonly lengthMs: number;
  readonly genesisMs: number;
  private readonly nowFn: () => number;

  constructor(options: EpochClockOptions = {}) {
    this.lengthMs = options.lengthMs ?? DEFAULT_EPOCH_LENGTH_MS;
    this.genesisMs = options.genesisMs ?? 0;
    assertInt('lengthMs', this.lengthMs, 1);
    assertInt('genesisMs', this.genesisMs);
    this.nowFn = options.now ?? Date.now;
  }

  now(): number {
    return this.nowFn();
  }

  /** The epoch containing time `ms`. Times before genesis belong to no epoch. */
  epochAt(ms: number): number {
    assert(ms >= this.genesisMs, 'time precedes genesis');
    return Math.floor((ms - this.genesisMs) / this.lengthMs);
  }

  /** The epoch containing now. */
  current(): number {
    return this.epochAt(this.now());
  }

  /** The first millisecond of `epoch`. */
  startMs(epoch: number): number {
    assertInt('epoch', epoch);
    return this.genesisMs + epoch * this.lengthMs;
  }

  /** The first millisecond after `epoch`. */
  endMs(epoch: number): number {
    return this.startMs(epoch) + this.lengthMs;
  }

  /** Milliseconds from now until `epoch` starts (negative once it has). */
  msUntil(epoch: number): number {
    return this.startMs(epoch) - this.now();
  }

  /** How far into the current epoch we are, in [0, 1). */
  progress(): number {
    const now = this.now();
    return (now - this.startMs(this.epochAt(now))) / this.lengthMs;
  }
}
