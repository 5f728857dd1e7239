import { PoissonProcess, type Clock, type Rng } from '@strata/core/sched/index';
import { assertInt, assertNumber } from './assert.js';
import { ClientLibError, InvalidArgumentError } from './errors.js';

/** What a send tick produces: a real queued message, a drop (λP with empty queue, or λD) or a loop (λL). */
export type SendKind = 'real' | 'drop' | 'loop';

/**
 * One emission. The scheduler reuses a single object for every call to the sink (no allocation per
 * tick): the sink must copy what it needs and not keep the reference.
 */
export interface SendEvent<M> {
  kind: SendKind;
  /** Time of the tick on the injected clock (ms). */
  atMs: number;
  /** Which Loopix stream produced it. */
  stream: 'payload' | 'loop' | 'drop';
  /** The dequeued message for kind 'real'; undefined otherwise. */
  message: M | undefined;
}

export interface SendSchedulerOptions {
  /** λP: payload stream rate, packets per second (real when queued, else a drop). */
  lambdaPPerS: number;
  /** λL: loop cover stream rate, packets per second. */
  lambdaLPerS: number;
  /** λD: drop cover stream rate, packets per second. */
  lambdaDPerS: number;
  /** Most real messages waiting for a λP slot (default 10,000); enqueue beyond it throws. */
  maxQueue?: number;
}

/** enqueue() beyond maxQueue: the caller must back off (the λP stream sets the pace). */
export class SendQueueFullError extends ClientLibError {
  readonly reason = 'queue_full';
  constructor(message: string) {
    super(message);
    this.name = 'SendQueueFullError';
  }
}

const DEFAULT_MAX_QUEUE = 10_000;

/**
 * The Loopix sender (Piotrowska et al. 2017, §4.2): three independent Poisson streams. Each λP tick
 * sends the next queued real message, or a drop if the queue is empty; each λL tick sends a loop;
 * each λD tick a drop. The output is therefore a Poisson process of rate λP+λL+λD whatever the user
 * does. Clock, randomness and the packet sink are injected: the real client passes SystemClock,
 * cryptoRng and a function that builds a Sphinx packet and writes it to its link; the simulator passes
 * its virtual-time engine, a seeded Rng and its own sink.
 */
export class SendScheduler<M> {
  private readonly queue: (M | undefined)[] = [];
  private head = 0;
  private readonly maxQueue: number;
  private readonly ev: SendEvent<M> = { kind: 'drop', atMs: 0, stream: 'payload', message: undefined };
  private readonly payload: PoissonProcess;
  private readonly loop: PoissonProcess;
  private readonly drop: PoissonProcess;
  private sent = { real: 0, drop: 0, loop: 0 };
  private running = false;

  constructor(
    clock: Clock,
    rng: Rng,
    opts: SendSchedulerOptions,
    private readonly sink: (ev: SendEvent<M>) => void,
  ) {
    if (opts === null || typeof opts !== 'object') throw new InvalidArgumentError('opts: must be an object');
    assertNumber(opts.lambdaPPerS, 'opts.lambdaPPerS', 0, 1e6);
    assertNumber(opts.lambdaLPerS, 'opts.lambdaLPerS', 0, 1e6);
    assertNumber(opts.lambdaDPerS, 'opts.lambdaDPerS', 0, 1e6);
    const maxQueue = opts.maxQueue ?? DEFAULT_MAX_QUEUE;
    assertInt(maxQueue, 'opts.maxQueue', 0, 2 ** 31);
    if (typeof sink !== 'function') throw new InvalidArgumentError('sink: must be a function');
    this.maxQueue = maxQueue;
    this.payload = new PoissonProcess(clock, rng, opts.lambdaPPerS / 1000, (t) => this.onPayload(t));
    this.loop = new PoissonProcess(clock, rng, opts.lambdaLPerS / 1000, (t) => this.emit('loop', 'loop', t, undefined));
    this.drop = new PoissonProcess(clock, rng, opts.lambdaDPerS / 1000, (t) => this.emit('drop', 'drop', t, undefined));
  }

  /** Starts the three streams (first ticks after independent exponential waits). */
  start(): void {
    this.running = true;
    this.payload.start();
    this.loop.start();
    this.drop.start();
  }

  /** Stops all streams; queued messages stay queued. */
  stop(): void {
    this.running = false;
    this.payload.stop();
    this.loop.stop();
    this.drop.stop();
  }

  /**
   * New rates (a new consensus changed λP, λL or λD; client.md §11.2). By memorylessness each running
   * stream redraws its next tick from now at its new rate; a stream whose rate was 0 starts ticking.
   */
  setRates(rates: Pick<SendSchedulerOptions, 'lambdaPPerS' | 'lambdaLPerS' | 'lambdaDPerS'>): void {
    if (rates === null || typeof rates !== 'object') throw new InvalidArgumentError('rates: must be an object');
    assertNumber(rates.lambdaPPerS, 'rates.lambdaPPerS', 0, 1e6);
    assertNumber(rates.lambdaLPerS, 'rates.lambdaLPerS', 0, 1e6);
    assertNumber(rates.lambdaDPerS, 'rates.lambdaDPerS', 0, 1e6);
    const pairs: [PoissonProcess, number][] = [
      [this.payload, rates.lambdaPPerS / 1000],
      [this.loop, rates.lambdaLPerS / 1000],
      [this.drop, rates.lambdaDPerS / 1000],
    ];
    for (const [proc, perMs] of pairs) {
      if (proc.ratePerMs === perMs) continue;
      proc.setRate(perMs);
      if (this.running) proc.start(); // no-op when already scheduled; starts a stream that was at 0
    }
  }

  /** Current rates per second. */
  get rates(): { lambdaPPerS: number; lambdaLPerS: number; lambdaDPerS: number } {
    return { lambdaPPerS: this.payload.ratePerMs * 1000, lambdaLPerS: this.loop.ratePerMs * 1000, lambdaDPerS: this.drop.ratePerMs * 1000 };
  }

  /** Queues a real message for the next λP tick. Throws SendQueueFullError beyond maxQueue. */
  enqueue(message: M): void {
    if (this.queued >= this.maxQueue) throw new SendQueueFullError(`send queue holds ${this.maxQueue} messages`);
    this.queue.push(message);
  }

  /** Real messages waiting for a λP slot. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Emissions so far by kind. */
  get counts(): Readonly<{ real: number; drop: number; loop: number }> {
    return this.sent;
  }

  private onPayload(t: number): void {
    if (this.head < this.queue.length) {
      const m = this.queue[this.head];
      this.queue[this.head++] = undefined;
      // Compact the consumed prefix now and then (amortised O(1), no per-tick allocation).
      if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.emit('real', 'payload', t, m);
    } else {
      this.emit('drop', 'payload', t, undefined);
    }
  }

  private emit(kind: SendKind, stream: SendEvent<M>['stream'], t: number, m: M | undefined): void {
    this.sent[kind]++;
    const ev = this.ev;
    ev.kind = kind;
    ev.stream = stream;
    ev.atMs = t;
    ev.message = m;
    this.sink(ev);
    ev.message = undefined;
  }
}
