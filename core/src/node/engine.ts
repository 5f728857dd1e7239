// The mix's packet pipeline, independent of sockets: unwrap (worker pool) → replay filter (LMDB)
// → delay queue (arrival + NodeDelay) → forward. Every packet that enters either leaves through
// `forward`/`onTerminal` exactly once or is dropped and counted by reason.
import type { DelayQueueTimers, PendingItem } from './delay-queue.js';
import { DelayQueue } from './delay-queue.js';
import { assert, assertInt } from '../assert.js';
import { WorkerPoolError } from './errors.js';
import { NODE_DROP_REASONS as DROP_REASONS, type NodeDropReason as DropReason, type EngineMetrics } from './drop-reasons.js';
import type { ReplayFilter, ReplayVerdict } from './replay-filter.js';
import type { UnwrapControl, UnwrapOutcome } from './unwrap-handler.js';
import { NODE_ID_LENGTH, REPLAY_TAG_LENGTH } from 'sphinx-packet-ts';
import { batchSlotOffset, type UnwrapBatchJob, type UnwrapBatchResult } from './unwrap-batch-handler.js';
import type { WorkerPool } from './worker-pool.js';

export interface ForwardItem {
  nextHop: Uint8Array;
  packet: Uint8Array;
  /** Set when nextHop and packet are views of a pooled worker result buffer (reuseResultBuffers). */
  lease?: ResultLease;
}

/** A worker result buffer and how many of its packets still wait in the delay queue. */
interface ResultLease {
  buf: ArrayBuffer;
  pending: number;
}

/** Buffers kept for reuse at most, per kind (batch inputs, worker results). */
const MAX_POOLED_BUFFERS = 64;

export type UnwrappedTerminal = Extract<UnwrapOutcome, { ok: true }>;

/** Longest a fresh replay tag waits for its commit (replay-filter.ts: commits are batched). */
export const MAX_COMMIT_WAIT_MS = 10;
/** Time left for the commit itself before the first packet of a batch is due. */
export const COMMIT_MARGIN_MS = 2;

/** Packets sent to a worker in one batch at most (a turn's packets are split across workers). */
export const DEFAULT_UNWRAP_BATCH_PACKETS = 8;

export interface MixEngineOptions {
  /**
   * Unwrap workers running unwrap-batch-handler.ts: the packets of one event-loop turn travel in
   * batches of at most `batchPackets` (one ArrayBuffer each way), which costs far less per packet
   * than one message per packet. The pool's maxInFlightPerWorker and maxQueued count batches.
   */
  pool: WorkerPool<UnwrapBatchJob, UnwrapBatchResult, UnwrapControl>;
  /** Largest batch (default DEFAULT_UNWRAP_BATCH_PACKETS). */
  batchPackets?: number;
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
  /**
   * Reuse worker result buffers once every packet in them has left: `forward` must then not keep
   * `item.packet` or `item.nextHop` after it returns (copy what it keeps). Saves one packet-sized
   * off-heap allocation per packet, and the GC work that goes with it. Default false.
   */
  reuseResultBuffers?: boolean;
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
  private readonly batchPackets: number;
  /** The batch being filled this turn: packets copied in back to back, and their arrival times. */
  private fill: Uint8Array | null = null;
  private fillCount = 0;
  private batchArrivals: number[] = [];
  /** Batch input buffers (batchPackets × packetBytes) and worker result buffers back for reuse. */
  private readonly inputPool: ArrayBuffer[] = [];
  private readonly resultPool: ArrayBuffer[] = [];
  /** Bytes of a result buffer for a full batch (only those are kept for reuse). */
  private readonly resultBytes: number;
  private readonly flushBatch = (): void => this.sendBatch();

  constructor(options: MixEngineOptions) {
    assert(typeof options === 'object' && options !== null, 'options: must be an object');
    assertInt('options.packetBytes', options.packetBytes, 1);
    assertInt('options.maxDelayMs', options.maxDelayMs, 0);
    assert(typeof options.forward === 'function', 'options.forward: must be a function');
    assert(typeof options.pool === 'object' && options.pool !== null, 'options.pool: must be a worker pool');
    this.batchPackets = options.batchPackets ?? DEFAULT_UNWRAP_BATCH_PACKETS;
    assertInt('options.batchPackets', this.batchPackets, 1, 4096);
    this.resultBytes = batchSlotOffset(this.batchPackets, this.batchPackets, options.packetBytes);
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
   * The packet is copied into its batch before this returns: the caller may reuse its bytes.
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
    this.inPipeline++;
    if (this.fill === null) {
      const pooled = this.inputPool.pop();
      this.fill = new Uint8Array(pooled ?? new ArrayBuffer(this.batchPackets * this.o.packetBytes));
      this.fillCount = 0;
      queueMicrotask(this.flushBatch);
    }
    this.fill.set(packet, this.fillCount * this.o.packetBytes);
    this.fillCount++;
    this.batchArrivals.push(arrivalMs);
    if (this.fillCount >= this.batchPackets) this.sendBatch();
  }

  private leftPipeline(n: number): void {
    this.inPipeline -= n;
    if (this.inPipeline === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Send the packets gathered so far to a worker as one batch. */
  private sendBatch(): void {
    const fill = this.fill;
    const n = this.fillCount;
    const arrivals = this.batchArrivals;
    if (fill === null || n === 0) return;
    this.fill = null;
    this.fillCount = 0;
    this.batchArrivals = [];
    const m = this.o.metrics;
    const out = this.resultPool.pop();
    const transfer = out === undefined ? [fill.buffer as ArrayBuffer] : [fill.buffer as ArrayBuffer, out];
    this.o.pool
      .run({ packets: fill.buffer as ArrayBuffer, count: n, out }, transfer)
      .then(
        (result) => this.afterBatch(result, arrivals),
        (err: unknown) => {
          const reason = err instanceof WorkerPoolError && err.reason === 'queue_full' ? 'worker_queue_full' : 'unwrap_error';
          for (let i = 0; i < n; i++) m.drop(reason);
          this.leftPipeline(n);
        },
      )
      .catch(() => {
        for (let i = 0; i < n; i++) m.drop('unwrap_error');
        this.leftPipeline(n);
      });
  }

  /** Keeps `buf` for a later batch if it is whole (`bytes` at least) and the list has room. */
  private keepForReuse(list: ArrayBuffer[], buf: unknown, bytes: number): void {
    if (buf instanceof ArrayBuffer && buf.byteLength >= bytes && buf.byteLength > 0 && list.length < MAX_POOLED_BUFFERS) list.push(buf);
  }

  /** One packet of a leased result buffer has left (forwarded or dropped); the last returns it. */
  private release(item: ForwardItem): void {
    const lease = item.lease;
    if (lease === undefined) return;
    item.lease = undefined;
    if (--lease.pending === 0) this.keepForReuse(this.resultPool, lease.buf, this.resultBytes);
  }

  /**
   * Each packet of a batch goes on as if unwrapped alone: the replay filter's verdict (synchronous),
   * then, once the batch's fresh tags are committed (one wait per batch), the delay queue.
   */
  private afterBatch(r: UnwrapBatchResult, arrivals: number[]): void {
    const n = arrivals.length;
    const m = this.o.metrics;
    this.keepForReuse(this.inputPool, r.packets, this.batchPackets * this.o.packetBytes);
    if (r.count !== n || !(r.buf instanceof ArrayBuffer) || r.buf.byteLength < batchSlotOffset(n, n, this.o.packetBytes)) {
      for (let i = 0; i < n; i++) m.drop('unwrap_error');
      return this.leftPipeline(n);
    }
    const special = r.special.length === 0 ? null : new Map<number, UnwrapOutcome>();
    for (const s of r.special) special!.set(s.index, s.outcome);
    const head = new Float64Array(r.buf, 0, 2 * n);
    const bytes = this.o.packetBytes;
    const fresh: { outcome: UnwrappedTerminal; arrivalMs: number }[] = [];
    for (let i = 0; i < n; i++) {
      let outcome = special?.get(i);
      if (outcome === undefined) {
        const at = batchSlotOffset(n, i, bytes);
        const delayMs = head[2 * i + 1];
        outcome = {
          ok: true,
          epoch: head[2 * i],
          replayTag: new Uint8Array(r.buf, at, REPLAY_TAG_LENGTH),
          nextHop: new Uint8Array(r.buf, at + REPLAY_TAG_LENGTH, NODE_ID_LENGTH),
          packet: new Uint8Array(r.buf, at + REPLAY_TAG_LENGTH + NODE_ID_LENGTH, bytes),
          delayMs: Number.isNaN(delayMs) ? null : delayMs,
          recipient: null,
          payload: null,
          surbReply: false,
          surbId: null,
        };
      }
      if (this.admit(outcome)) fresh.push({ outcome: outcome as UnwrappedTerminal, arrivalMs: arrivals[i] });
    }
    if (fresh.length === 0) {
      if (this.o.reuseResultBuffers === true) this.keepForReuse(this.resultPool, r.buf, this.resultBytes);
      return this.leftPipeline(n);
    }
    const lease: ResultLease | undefined = this.o.reuseResultBuffers === true ? { buf: r.buf, pending: 1 } : undefined;
    // Sphinx §3.3: nothing leaves this node before its replay tag is durable. A commit costs far
    // more than a record, so it waits as long as these packets allow: until COMMIT_MARGIN_MS before
    // the first of them is due, at most MAX_COMMIT_WAIT_MS (never longer than the delay asked for).
    let firstDueMs = Infinity;
    for (const f of fresh) firstDueMs = Math.min(firstDueMs, f.arrivalMs + (f.outcome.delayMs ?? 0));
    const withinMs = Math.min(MAX_COMMIT_WAIT_MS, Math.max(0, firstDueMs - this.queue.now() - COMMIT_MARGIN_MS));
    this.o.replayFilter
      .commit(withinMs)
      .then((ok) => {
        for (const f of fresh) {
          if (!ok) {
            m.drop('replay_filter_error');
            continue;
          }
          try {
            this.enqueue(f.outcome, f.arrivalMs, lease);
          } catch {
            m.drop('unwrap_error');
          }
        }
      })
      .finally(() => {
        // The lease's own count (1) is dropped once every fresh packet is queued or gone.
        if (lease !== undefined && --lease.pending === 0) this.keepForReuse(this.resultPool, lease.buf, this.resultBytes);
        this.leftPipeline(n);
      });
  }

  /** Counts a failed unwrap or a replay; true if the packet is fresh and goes on. */
  private admit(outcome: UnwrapOutcome): boolean {
    const m = this.o.metrics;
    if (!outcome.ok) {
      const reason = (UNWRAP_REASONS.has(outcome.reason) ? outcome.reason : 'unwrap_error') as DropReason;
      m.unwrapFailures.inc({ reason });
      m.drop(reason);
      return false;
    }
    // Replay check before anything leaves this node (Sphinx §3.3).
    let verdict: ReplayVerdict;
    try {
      verdict = this.o.replayFilter.record(outcome.epoch, outcome.replayTag);
    } catch {
      verdict = 'replay_filter_error';
    }
    if (verdict === 'fresh') return true;
    if (verdict === 'replay') m.replays.inc();
    m.drop(verdict);
    return false;
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
    this.sendBatch();
    if (this.inPipeline > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    return this.queue.drain();
  }

  /** A fresh, durable packet: to its terminal handler or into the delay queue. */
  private enqueue(outcome: UnwrappedTerminal, arrivalMs: number, lease: ResultLease | undefined): void {
    const m = this.o.metrics;
    if (outcome.nextHop === null || outcome.packet === null) {
      if (this.o.onTerminal) return this.o.onTerminal(outcome);
      return m.drop('not_a_forward_hop');
    }
    const delayMs = outcome.delayMs ?? 0;
    if (delayMs > this.o.maxDelayMs) return m.drop('delay_too_long');
    // Only fast-path packets are views of the result buffer (special outcomes were copied).
    const leased = lease !== undefined && outcome.packet.buffer === lease.buf ? lease : undefined;
    // Loopix §4.2: leave at arrival + the sender-chosen delay, however long unwrap and replay took.
    const item: ForwardItem = { nextHop: outcome.nextHop, packet: outcome.packet, lease: leased };
    if (leased !== undefined) leased.pending++; // before push: the item may leave at any time after
    const pushed = this.queue.push(arrivalMs + delayMs, item);
    if (pushed === 'queued') return;
    this.release(item);
    m.drop(pushed === 'closed' ? 'shutting_down' : 'queue_full');
  }

  private dispatch(item: ForwardItem, latenessMs: number): void {
    const m = this.o.metrics;
    m.lateness.observe(latenessMs / 1000);
    this.o.onLateness?.(latenessMs);
    try {
      const r = this.o.forward(item);
      if (r === 'sent') m.packetsOut.inc({ kind: 'forward' });
      else m.drop(r);
    } finally {
      this.release(item);
    }
  }
}
