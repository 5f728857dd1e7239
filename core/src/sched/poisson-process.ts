import { assertFunction, assertNumber } from './assert.js';
import type { Clock, TimerHandle } from './clock.js';
import type { Rng } from './rng.js';

/**
 * A Poisson process on an injected clock: calls onTick(tMs) at the points of a Poisson process of
 * the given rate (events per ms). Successive points are spaced by Exp(rate) from the previous
 * *scheduled* time (not from when the callback ran), so timer lateness does not thin the process.
 * One bound callback per process: no allocation per tick. Used by the client's λP/λL/λD streams
 * and by mix loops (λM).
 */
export class PoissonProcess {
  private handle: TimerHandle | undefined;
  private nextAt = 0;
  private rate: number;
  private readonly fire = (): void => {
    const t = this.nextAt;
    this.handle = undefined;
    this.scheduleNext(t);
    this.onTick(t);
  };

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    ratePerMs: number,
    private readonly onTick: (tMs: number) => void,
  ) {
    assertNumber(ratePerMs, 'ratePerMs', { min: 0 });
    assertFunction(onTick, 'onTick');
    this.rate = ratePerMs;
  }

  get running(): boolean {
    return this.handle !== undefined;
  }

  get ratePerMs(): number {
    return this.rate;
  }

  /** Starts ticking from now (first tick after an Exp(rate) wait). A zero rate never ticks. */
  start(): void {
    if (this.handle !== undefined) return;
    this.scheduleNext(this.clock.now());
  }

  stop(): void {
    if (this.handle !== undefined) this.clock.cancel(this.handle);
    this.handle = undefined;
  }

  /** Changes the rate; by memorylessness the next point is redrawn from now at the new rate. */
  setRate(ratePerMs: number): void {
    assertNumber(ratePerMs, 'ratePerMs', { min: 0 });
    this.rate = ratePerMs;
    if (this.handle !== undefined) {
      this.stop();
      this.scheduleNext(this.clock.now());
    }
  }

  private scheduleNext(fromMs: number): void {
    if (this.rate === 0) return;
    this.nextAt = fromMs + this.rng.exponential(this.rate);
    this.handle = this.clock.schedule(this.nextAt, this.fire);
  }
}
