// A pool of worker_threads running one job handler (the Sphinx unwrap for the mix). Jobs go to the
// least-loaded worker, at most `maxInFlightPerWorker` each (so a worker never idles waiting for the
// main thread); beyond that they wait in a bounded FIFO; beyond that `run` refuses with 'queue_full'
// (back-pressure: the caller counts the drop). Payload ArrayBuffers are transferred, not copied.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { assert, assertInt } from '../assert.js';
import { WorkerPoolError } from './errors.js';
import { siblingModuleUrl, type WorkerRequest, type WorkerResponse } from './worker-protocol.js';

/** Flags Worker's execArgv refuses: they are per process (and so already apply to every worker). */
const PROCESS_WIDE_FLAG = /^--(single-threaded-gc|max-semi-space-size|max-old-space-size|v8-pool-size)(=|$)/;

export interface WorkerPoolOptions {
  /** Module exporting `createHandler(init)` (see worker-protocol.ts); use siblingModuleUrl(). */
  handlerUrl: URL;
  /** Structured-cloneable value given to createHandler in every worker. */
  init?: unknown;
  /** Number of worker threads; default one per core. */
  size?: number;
  /** Jobs sent to one worker before it answers. */
  maxInFlightPerWorker?: number;
  /** Jobs waiting in the main thread when every worker is full. */
  maxQueued: number;
}

export interface WorkerPoolStats {
  size: number;
  inFlight: number;
  queued: number;
  /** Cumulative time each worker spent inside the handler, ms. */
  busyMs: number[];
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Pending>;
  busyMs: number;
  ready: Promise<void>;
  /** Jobs posted this turn, sent as one message at the end of it (see flush). */
  outbox: { id: number; job: unknown }[];
  outboxTransfer: ArrayBuffer[];
}

interface Waiting {
  job: unknown;
  transfer: ArrayBuffer[];
  pending: Pending;
}

export const DEFAULT_MAX_IN_FLIGHT_PER_WORKER = 16;

export class WorkerPool<Req, Res, Ctl = unknown> {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly waiting: Waiting[] = [];
  private waitingHead = 0;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private readonly entryUrl = siblingModuleUrl(import.meta.url, 'worker-entry');
  private nextId = 0;
  private inFlightTotal = 0;
  private closed = false;
  private lastControl: { control: Ctl } | undefined;
  private retiredBusyMs = 0;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly options: WorkerPoolOptions) {
    assert(typeof options === 'object' && options !== null, 'options: must be an object');
    assert(options.handlerUrl instanceof URL, 'options.handlerUrl: must be a URL');
    this.size = options.size ?? availableParallelism();
    assertInt('options.size', this.size, 1, 256);
    this.maxInFlight = options.maxInFlightPerWorker ?? DEFAULT_MAX_IN_FLIGHT_PER_WORKER;
    assertInt('options.maxInFlightPerWorker', this.maxInFlight, 1, 1 << 16);
    assertInt('options.maxQueued', options.maxQueued, 0);
    this.maxQueued = options.maxQueued;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  /** Resolves once every worker has loaded its handler; rejects if one failed to start. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /**
   * Run one job; `transfer` lists ArrayBuffers to move into the worker: they become detached here
   * at the end of the current turn, when the jobs of this turn leave in one message.
   */
  run(job: Req, transfer: ArrayBuffer[] = []): Promise<Res> {
    if (this.closed) return Promise.reject(new WorkerPoolError('closed'));
    const slot = this.leastLoaded();
    if (slot) {
      return new Promise<Res>((resolve, reject) => {
        this.post(slot, job, transfer, { resolve: resolve as (v: unknown) => void, reject });
      });
    }
    if (this.waiting.length - this.waitingHead >= this.maxQueued) {
      return Promise.reject(new WorkerPoolError('queue_full'));
    }
    return new Promise<Res>((resolve, reject) => {
      this.waiting.push({ job, transfer, pending: { resolve: resolve as (v: unknown) => void, reject } });
    });
  }

  /**
   * Send a control message to every worker (e.g. the Sphinx keys of a new epoch); it is applied
   * after the jobs already sent and before any job sent later. The last one is replayed to a worker
   * that replaces a crashed one, so control messages should carry full state.
   */
  async broadcast(control: Ctl): Promise<void> {
    if (this.closed) throw new WorkerPoolError('closed');
    this.lastControl = { control };
    await Promise.all(this.slots.map((slot) => this.sendControl(slot, control)));
  }

  stats(): WorkerPoolStats {
    return {
      size: this.size,
      inFlight: this.inFlightTotal,
      queued: this.waiting.length - this.waitingHead,
      busyMs: this.slots.map((s, i) => s.busyMs + (i === 0 ? this.retiredBusyMs : 0)),
    };
  }

  /** Stop accepting jobs, let in-flight and queued jobs finish, then terminate the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inFlightTotal > 0 || this.waiting.length > this.waitingHead) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private settled(): void {
    if (this.inFlightTotal === 0 && this.waiting.length === this.waitingHead) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private spawn(): Slot {
    const isSource = this.entryUrl.pathname.endsWith('.ts');
    const workerData = { handlerUrl: this.options.handlerUrl.href, init: this.options.init };
    let worker: Worker;
    if (isSource) {
      // Running from source (tests, dev): Node 20 loads a worker's entry before any --import hook,
      // so bootstrap through tsx's register() and then import the TypeScript entry.
      // Process-wide V8 and platform flags (e.g. --single-threaded-gc) apply to workers already, and
      // Worker refuses them in its execArgv.
      const execArgv = process.execArgv.filter((a) => !PROCESS_WIDE_FLAG.test(a));
      if (!execArgv.some((a) => a.includes('strata-source'))) execArgv.push('--conditions=strata-source');
      const tsxCjs = createRequire(this.entryUrl).resolve('tsx/esm/api');
      const tsxUrl = pathToFileURL(tsxCjs.replace(/index\.cjs$/, 'index.mjs')).href;
      const code =
        `import(${JSON.stringify(tsxUrl)}).then((m) => { m.register(); return import(${JSON.stringify(this.entryUrl.href)}); })` +
        `.catch((e) => { process.nextTick(() => { throw e; }); });`;
      worker = new Worker(code, { eval: true, workerData, execArgv });
    } else {
      worker = new Worker(this.entryUrl, { workerData });
    }
    let markReady!: () => void;
    let failReady!: (e: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => {});
    const slot: Slot = { worker, inFlight: new Map(), busyMs: 0, ready, outbox: [], outboxTransfer: [] };
    let wasReady = false;
    const onResponse = (msg: WorkerResponse<Res>): void => {
      if (msg.id === -1) {
        wasReady = true;
        markReady();
        return;
      }
      const p = slot.inFlight.get(msg.id);
      if (!p) return;
      slot.inFlight.delete(msg.id);
      slot.busyMs += msg.busyMs;
      if (msg.id >= 0) this.inFlightTotal--;
      if (msg.ok) p.resolve(msg.result);
      else p.reject(Object.assign(new WorkerPoolError('job_failed', `${msg.error.name}: ${msg.error.message}`), { cause: msg.error }));
    };
    worker.on('message', (msg: WorkerResponse<Res> | WorkerResponse<Res>[]) => {
      if (Array.isArray(msg)) for (const m of msg) onResponse(m);
      else onResponse(msg);
      this.pump(slot);
      this.settled();
    });
    worker.on('error', (err) => failReady(err));
    worker.on('exit', () => {
      failReady(new WorkerPoolError('worker_exit'));
      for (const [id, p] of slot.inFlight) {
        if (id >= 0) this.inFlightTotal--;
        p.reject(new WorkerPoolError('worker_exit'));
      }
      slot.inFlight.clear();
      this.settled();
      // A worker that never started (bad handler module) is not respawned: ready() reports it.
      if (this.closed || !wasReady) return;
      // Replace the crashed worker, with the latest control state.
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.retiredBusyMs += slot.busyMs;
      const fresh = this.spawn();
      this.slots[index] = fresh;
      if (this.lastControl) void this.sendControl(fresh, this.lastControl.control).catch(() => {});
      this.pump(fresh);
    });
    return slot;
  }

  private sendControl(slot: Slot, control: Ctl): Promise<void> {
    this.flush(slot); // jobs posted before the control message are applied before it
    return new Promise<void>((resolve, reject) => {
      const id = -2 - this.nextId++; // negative ids: control messages, not counted as jobs
      slot.inFlight.set(id, { resolve: () => resolve(), reject });
      slot.worker.postMessage({ kind: 'control', id, control } satisfies WorkerRequest<Req, Ctl>);
    });
  }

  private leastLoaded(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (s.inFlight.size < this.maxInFlight && (!best || s.inFlight.size < best.inFlight.size)) best = s;
    }
    return best;
  }

  private post(slot: Slot, job: unknown, transfer: ArrayBuffer[], pending: Pending): void {
    const id = this.nextId++;
    slot.inFlight.set(id, pending);
    this.inFlightTotal++;
    if (slot.outbox.length === 0) queueMicrotask(() => this.flush(slot));
    slot.outbox.push({ id, job });
    for (const b of transfer) slot.outboxTransfer.push(b);
  }

  /** Send the jobs gathered this turn in one message (per-message cost dominates small jobs). */
  private flush(slot: Slot): void {
    if (slot.outbox.length === 0) return;
    const items = slot.outbox;
    const transfer = slot.outboxTransfer;
    slot.outbox = [];
    slot.outboxTransfer = [];
    try {
      slot.worker.postMessage({ kind: 'batch', items } as WorkerRequest<unknown, Ctl>, transfer);
    } catch (err) {
      // e.g. a buffer listed twice for transfer: fail these jobs, not the pool.
      for (const { id } of items) {
        const p = slot.inFlight.get(id);
        if (!p) continue;
        slot.inFlight.delete(id);
        this.inFlightTotal--;
        p.reject(Object.assign(new WorkerPoolError('job_failed', (err as Error).message), { cause: err }));
      }
      this.settled();
    }
  }

  private pump(slot: Slot): void {
    while (this.waitingHead < this.waiting.length && slot.inFlight.size < this.maxInFlight) {
      const w = this.waiting[this.waitingHead];
      this.waiting[this.waitingHead++] = undefined as unknown as Waiting;
      this.post(slot, w.job, w.transfer, w.pending);
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
  }
}
