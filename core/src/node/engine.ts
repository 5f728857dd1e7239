// The mix's packet pipeline, independent of sockets: unwrap (worker pool) → replay filter (LMDB)
// → delay queue (arrival + NodeDelay) → forward. Every packet that enters either leaves through
// `forward`/`onTerminal` exactly once or is dropped and counted by reason.
import type { DelayQueueTimers, PendingItem } from './delay-queue.js';
import { DelayQueue } from './delay-queue.js';
import { assert, assertInt } from '../assert.js';
import { WorkerPoolError } from './errors.js';
import { NODE_DROP_REASONS as DROP_REASONS, type NodeDropReason as DropReason, type EngineMetrics } from './drop-reasons.js';
import type { ReplayFilter } from './replay-filter.js';
import type { UnwrapControl, UnwrapJob, UnwrapOutcome } from './unwrap-handler.js';
import type { WorkerPool } from './worker-pool.js';

export interface ForwardItem {
  nextHop: Uint8Array;
  packet: Uint8Array;
}

export type UnwrappedTerminal = Extract<UnwrapOutcome, { ok: true }>;

export interface MixEngineOptions {
  pool: WorkerPool<UnwrapJob, UnwrapOutcome, UnwrapControl>;
  replayFilter: ReplayFilter;
  metrics: EngineMetrics;
  /** Sphinx packet length of the network's geometry. */
  packetBytes: number;
  /** Packets held in the delay queue at most (drop reason 'queue_full'). */
  maxQueuedPackets: number;
  /** Longest NodeDelay accepted (drop reason 'delay_too_long'). */
  maxDelayMs: number;
  /** Send a due packet; returns 'sent' or the reason it could not be sent. */
  forward(item: ForwardItem): 'sent' | DropReason;
  /** A packet for which this node is the last hop (e.g. its own loop coming back). */
  onTerminal?(outcome: UnwrappedTerminal): void;
  /** Observes each dispatch's lateness in ms (besides the metric); for benchmarks. */
  onLateness?(latenessMs: number): void;
  timers?: DelayQueueTimers;
}

const UNWRAP_REASONS = new Set<string>(DROP_REASONS);

export class MixEngine {
  private readonly queue: DelayQueue<ForwardItem>;
  private readonly o: MixEngineOptions;
  private inPipeline = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private stopping = false;

  constructor(options: MixEngineOptions) {
    assert(typeof options === 'object' && options !== null, 'options: must be an object');
    assertInt('options.packetBytes', options.packetBytes, 1);
    assertInt('options.maxDelayMs', options.maxDelayMs, 0);
    assert(typeof options.forward === 'function', 'options.forward: must be a function');
    this.o = options;
    this.queue = new DelayQueue<ForwardItem>({
      maxItems: options.maxQueuedPackets,
      timers: options.timers,
      onDue: (item, latenessMs) => this.dispatch(item, latenessMs),
      onError: () => this.o.metrics.drop('link_down'),
    });
    options.metrics.watchQueue(() => this.queue.size);
  }

  get queueSize(): number {
    return this.queue.size;
  }

  /** Packets between arrival and the delay queue (in a worker or awaiting the replay filter). */
  get pipelineSize(): number {
    return this.inPipeline;
  }

  /**
   * Accept one packet from an authorised peer. Never throws on hostile input: drops are counted.
   * Takes ownership: a packet that spans its whole ArrayBuffer is transferred to a worker (the
   * caller's view becomes detached); a view into a larger buffer is copied first.
   */
  receive(packet: Uint8Array): void {
    const m = this.o.metrics;
    m.packetsIn.inc();
    if (this.stopping) return m.drop('shutting_down');
    if (!(packet instanceof Uint8Array) || packet.length !== this.o.packetBytes) {
      m.unwrapFailures.inc({ reason: 'length' });
      return m.drop('length');
    }
    const arrivalMs = this.queue.now();
    // Hand the worker a buffer of its own (transferred, not copied again).
    const own = packet.byteOffset === 0 && packet.byteLength === packet.buffer.byteLength && packet.buffer instanceof ArrayBuffer
      ? packet
      : packet.slice();
    this.inPipeline++;
    this.o.pool
      .run({ packet: own.buffer as ArrayBuffer }, [own.buffer as ArrayBuffer])
      .then(
        (outcome) => this.afterUnwrap(outcome, arrivalMs),
        (err: unknown) => {
          m.drop(err instanceof WorkerPoolError && err.reason === 'queue_full' ? 'worker_queue_full' : 'unwrap_error');
        },
      )
      .catch(() => m.drop('unwrap_error'))
      .finally(() => {
        this.inPipeline--;
        if (this.inPipeline === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
  }

  /**
   * Put back packets saved by a previous `stop()` (see held-store.ts), each due `remainingMs` from
   * now. They passed the replay filter before the restart, so they do not pass it again.
   */
  restore(items: readonly PendingItem<ForwardItem>[]): number {
    let n = 0;
    const now = this.queue.now();
    for (const { remainingMs, item } of items) {
      if (this.queue.push(now + remainingMs, item) === 'queued') n++;
      else this.o.metrics.drop('queue_full');
    }
    return n;
  }

  /**
   * Graceful stop: refuse new packets, let those in the pipeline reach the queue, dispatch every
   * due packet, and return those not yet due (with their remaining delay) for the caller to persist.
   */
  async stop(): Promise<PendingItem<ForwardItem>[]> {
    this.stopping = true;
    if (this.inPipeline > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    return this.queue.drain();
  }

  private async afterUnwrap(outcome: UnwrapOutcome, arrivalMs: number): Promise<void> {
    const m = this.o.metrics;
    if (!outcome.ok) {
      const reason = (UNWRAP_REASONS.has(outcome.reason) ? outcome.reason : 'unwrap_error') as DropReason;
      m.unwrapFailures.inc({ reason });
      return m.drop(reason);
    }
    // Replay check before anything leaves this node (Sphinx §3.3).
    const verdict = await this.o.replayFilter.admit(outcome.epoch, outcome.replayTag);
    if (verdict !== 'fresh') {
      if (verdict === 'replay') m.replays.inc();
      return m.drop(verdict);
    }
    if (outcome.nextHop === null || outcome.packet === null) {
      if (this.o.onTerminal) return this.o.onTerminal(outcome);
      return m.drop('not_a_forward_hop');
    }
    const delayMs = outcome.delayMs ?? 0;
    if (delayMs > this.o.maxDelayMs) return m.drop('delay_too_long');
    // Loopix §4.2: leave at arrival + the sender-chosen delay, however long unwrap and replay took.
    const pushed = this.queue.push(arrivalMs + delayMs, { nextHop: outcome.nextHop, packet: outcome.packet });
    if (pushed !== 'queued') m.drop(pushed === 'closed' ? 'shutting_down' : 'queue_full');
  }

  private dispatch(item: ForwardItem, latenessMs: number): void {
    const m = this.o.metrics;
    m.lateness.observe(latenessMs / 1000);
    this.o.onLateness?.(latenessMs);
    const r = this.o.forward(item);
    if (r === 'sent') m.packetsOut.inc({ kind: 'forward' });
    else m.drop(r);
  }
}
