// The persistent outbox (docs/spec/client.md §Outbox). A message goes queued → sent (every fragment
// transmitted at least once) → stored (every fragment's SURB-ACK came back: the recipient's provider
// holds it) or → failed (a fragment exhausted its attempts, or the message was cancelled). Each
// fragment has an attempt counter and a deadline; a fragment whose ACK misses the deadline is due
// again (the caller sends it on a fresh path). Nothing is ever dropped in silence: every terminal
// outcome is a state change with an event.
//
// Storage, all in the `outbox` table: `index` (ids of messages held), `m:<id>` (message record),
// `b:<id>` (the message bytes, so fragments are rebuilt identically after a restart) and `f:<id>:<i>`
// (one small record per fragment, so an ACK rewrites ~60 bytes, not the whole message state).
import { assertBytesRange, assertInt, assertNumber, assertString } from './assert.js';
import { bytesToHex, hexToBytes } from './bytes.js';
import { OutboxError } from './errors.js';
import { fragmentAt, fragmentCount, MAX_MESSAGE_BYTES_CEILING, MESSAGE_ID_BYTES, messageDigest, newMessageId } from './fragment.js';
import type { SecureStore, SecureTable } from './secure-store.js';

export type MessageState = 'queued' | 'sent' | 'stored' | 'failed';
export type FailureReason = 'retries-exhausted' | 'cancelled';

export interface RetryPolicy {
  /** Sphinx hops of the forward path (own provider, 3 mix layers, recipient's provider). */
  readonly hops: number;
  /** Hops of the SURB-ACK's way back. */
  readonly ackHops: number;
  /** Mean per-hop delay 1/μ from the consensus. */
  readonly meanHopDelayMs: number;
  /** Timeout = expected round trip × margin + constantMs (Nym: × 1.5 + 1.5 s). */
  readonly margin: number;
  readonly constantMs: number;
  /** Each further attempt waits `backoff` times longer, up to maxTimeoutMs. */
  readonly backoff: number;
  readonly maxTimeoutMs: number;
  /** Transmissions per fragment before the message is reported failed. */
  readonly maxAttempts: number;
  /** Largest message accepted. */
  readonly maxMessageBytes: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  hops: 5,
  ackHops: 5,
  meanHopDelayMs: 50,
  margin: 1.5,
  constantMs: 1500,
  backoff: 1.5,
  maxTimeoutMs: 10 * 60 * 1000,
  maxAttempts: 8,
  maxMessageBytes: 16 * 1024 * 1024,
});

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const p = { ...DEFAULT_RETRY_POLICY, ...overrides };
  assertInt(p.hops, 'outbox.policy.hops', 1, 16);
  assertInt(p.ackHops, 'outbox.policy.ackHops', 1, 16);
  assertNumber(p.meanHopDelayMs, 'outbox.policy.meanHopDelayMs', 0, 3_600_000);
  assertNumber(p.margin, 'outbox.policy.margin', 1, 100);
  assertNumber(p.constantMs, 'outbox.policy.constantMs', 0, 3_600_000);
  assertNumber(p.backoff, 'outbox.policy.backoff', 1, 10);
  assertNumber(p.maxTimeoutMs, 'outbox.policy.maxTimeoutMs', 1, 86_400_000);
  assertInt(p.maxAttempts, 'outbox.policy.maxAttempts', 1, 1000);
  assertInt(p.maxMessageBytes, 'outbox.policy.maxMessageBytes', 0, MAX_MESSAGE_BYTES_CEILING);
  return Object.freeze(p);
}

/** How long to wait for the ACK of attempt number `attempt` (1-based). */
export function retransmitTimeoutMs(policy: RetryPolicy, attempt: number): number {
  assertInt(attempt, 'retransmitTimeoutMs.attempt', 1, 1_000_000);
  // Erlang(hops + ackHops, μ) has mean (hops + ackHops)/μ (reference: sum of per-hop Exp(μ) delays)
  const expected = (policy.hops + policy.ackHops) * policy.meanHopDelayMs;
  const base = expected * policy.margin + policy.constantMs;
  return Math.min(policy.maxTimeoutMs, Math.round(base * policy.backoff ** (attempt - 1)));
}

export interface MessageStatus {
  readonly id: string;
  readonly recipient: string;
  readonly state: MessageState;
  readonly failure: FailureReason | undefined;
  readonly length: number;
  readonly fragments: number;
  /** Fragments transmitted at least once. */
  readonly sent: number;
  /** Fragments acknowledged (stored at the recipient's provider). */
  readonly acked: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** One fragment to put on the wire now (inside an envelope, with a fresh SURB-ACK and path). */
export interface OutgoingFragment {
  readonly messageId: string;
  readonly recipient: string;
  readonly index: number;
  /** 1 for the first transmission. */
  readonly attempt: number;
  readonly deadlineMs: number;
  /** The encoded fragment (envelope body). */
  readonly bytes: Uint8Array;
}

export interface OutboxEvents {
  state: (status: MessageStatus) => void;
  failed: (status: MessageStatus) => void;
}

interface MessageJson {
  v: 1;
  id: string;
  recipient: string;
  length: number;
  dataBytes: number;
  count: number;
  state: MessageState;
  failure: FailureReason | null;
  createdAtMs: number;
  updatedAtMs: number;
}
interface FragmentJson {
  a: number;
  d: number | null;
  k: 0 | 1;
}

interface Live {
  meta: MessageJson;
  attempts: Uint16Array;
  deadlines: Float64Array; // NaN: not in flight
  acked: Uint8Array;
  sent: number;
  ackedCount: number;
  body: Uint8Array | undefined; // loaded lazily, dropped when terminal
  digest: Uint8Array | undefined;
}

const INDEX_KEY = 'index';

/** A min-heap of in-flight (deadline, message, index). */
class DeadlineHeap {
  readonly #items: { d: number; m: string; i: number }[] = [];
  get size(): number {
    return this.#items.length;
  }
  push(d: number, m: string, i: number): void {
    const a = this.#items;
    a.push({ d, m, i });
    let k = a.length - 1;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (a[parent].d <= a[k].d) break;
      [a[parent], a[k]] = [a[k], a[parent]];
      k = parent;
    }
  }
  peek(): { d: number; m: string; i: number } | undefined {
    return this.#items[0];
  }
  pop(): { d: number; m: string; i: number } | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < a.length && a[l].d < a[m].d) m = l;
        if (r < a.length && a[r].d < a[m].d) m = r;
        if (m === k) break;
        [a[m], a[k]] = [a[k], a[m]];
        k = m;
      }
    }
    return top;
  }
}

export class Outbox {
  #policy: RetryPolicy;
  readonly #table: SecureTable;
  readonly #now: () => number;
  readonly #live = new Map<string, Live>();
  /** Fragments due for (re)transmission, in order. */
  readonly #due: { m: string; i: number }[] = [];
  #dueHead = 0;
  readonly #inFlight = new DeadlineHeap();
  readonly #listeners: { [K in keyof OutboxEvents]: Set<OutboxEvents[K]> } = { state: new Set(), failed: new Set() };
  #ids: string[];
  readonly #pendingWrites = new Set<Promise<void>>();
  #writeError: unknown = undefined;

  private constructor(store: SecureStore, policy: RetryPolicy, now: () => number) {
    this.#policy = policy;
    this.#table = store.table('outbox');
    this.#now = now;
    this.#ids = this.#table.getJson<string[]>(INDEX_KEY) ?? [];
  }

  /** The retry policy in force (client.md §8). */
  get policy(): RetryPolicy {
    return this.#policy;
  }

  /**
   * Changes the policy, e.g. the mean hop delay 1/μ when a new consensus changes μ. Deadlines already
   * set stay; every later (re)transmission uses the new timeout. Validated like the opening policy.
   */
  updatePolicy(changes: Partial<RetryPolicy>): RetryPolicy {
    this.#policy = retryPolicy({ ...this.#policy, ...changes });
    return this.#policy;
  }

  /** Opens the outbox on `store`, reloading every message it held (a restart loses nothing). */
  static async open(store: SecureStore, options: { policy?: Partial<RetryPolicy>; now?: () => number } = {}): Promise<Outbox> {
    const outbox = new Outbox(store, retryPolicy(options.policy), options.now ?? Date.now);
    outbox.#load();
    return outbox;
  }

  #load(): void {
    const metas: MessageJson[] = [];
    for (const id of this.#ids) {
      const meta = this.#table.getJson<MessageJson>(`m:${id}`);
      if (meta === undefined) throw new OutboxError('corrupt', 'outbox: indexed message record missing');
      metas.push(meta);
    }
    metas.sort((a, b) => a.createdAtMs - b.createdAtMs);
    for (const meta of metas) {
      const live = this.#newLive(meta);
      this.#live.set(meta.id, live);
      if (meta.state === 'stored') continue;
      const active = meta.state !== 'failed'; // a failed message's counts are reloaded, nothing is queued
      for (let i = 0; i < meta.count; i++) {
        const f = this.#table.getJson<FragmentJson>(`f:${meta.id}:${i}`);
        if (f === undefined) throw new OutboxError('corrupt', 'outbox: fragment record missing');
        live.attempts[i] = f.a;
        live.acked[i] = f.k;
        if (f.a > 0) live.sent++;
        if (f.k === 1) live.ackedCount++;
        else if (!active) continue;
        else if (f.d === null) this.#due.push({ m: meta.id, i });
        else {
          live.deadlines[i] = f.d;
          this.#inFlight.push(f.d, meta.id, i);
        }
      }
    }
  }

  #newLive(meta: MessageJson): Live {
    const live: Live = {
      meta,
      attempts: new Uint16Array(meta.count),
      deadlines: new Float64Array(meta.count).fill(Number.NaN),
      acked: new Uint8Array(meta.count),
      sent: 0,
      ackedCount: 0,
      body: undefined,
      digest: undefined,
    };
    if (meta.state === 'stored') {
      live.acked.fill(1);
      live.sent = live.ackedCount = meta.count;
    }
    return live;
  }

  on<K extends keyof OutboxEvents>(event: K, listener: OutboxEvents[K]): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  #emit(live: Live): void {
    const status = this.#status(live);
    for (const l of this.#listeners.state) l(status);
    if (status.state === 'failed') for (const l of this.#listeners.failed) l(status);
  }

  /**
   * Queues `body` for `recipient` (a contact id), cut into fragments of `fragmentDataBytes` data
   * bytes (payloadBudget().fragmentDataBytes). Durable when the promise resolves. Returns its id.
   */
  async enqueue(recipient: string, body: Uint8Array, fragmentDataBytes: number): Promise<string> {
    assertString(recipient, 'outbox.enqueue.recipient', 256, 1);
    assertBytesRange(body, 'outbox.enqueue.body', 0, MAX_MESSAGE_BYTES_CEILING);
    if (body.length > this.policy.maxMessageBytes) throw new OutboxError('too-large', `outbox: message of ${body.length} bytes exceeds the limit`);
    const count = fragmentCount(body.length, fragmentDataBytes);
    const id = bytesToHex(newMessageId());
    const now = this.#now();
    const meta: MessageJson = { v: 1, id, recipient, length: body.length, dataBytes: fragmentDataBytes, count, state: 'queued', failure: null, createdAtMs: now, updatedAtMs: now };
    this.#ids = [...this.#ids, id]; // synchronously, so concurrent enqueues all reach the index
    const writes: Promise<void>[] = [this.#table.put(`b:${id}`, body), this.#table.putJson(`m:${id}`, meta)];
    for (let i = 0; i < count; i++) writes.push(this.#table.putJson(`f:${id}:${i}`, { a: 0, d: null, k: 0 } satisfies FragmentJson));
    await Promise.all(writes);
    await this.#table.putJson(INDEX_KEY, this.#ids); // the message exists once it is indexed
    const live = this.#newLive(meta);
    live.body = body;
    this.#live.set(id, live);
    for (let i = 0; i < count; i++) this.#due.push({ m: id, i });
    this.#emit(live);
    return id;
  }

  #background(write: Promise<void>): void {
    const p = write.catch((err: unknown) => {
      this.#writeError ??= err;
    });
    this.#pendingWrites.add(p);
    void p.finally(() => this.#pendingWrites.delete(p));
  }

  /** Resolves when every record written so far is on disk; rejects with the first failed write. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pendingWrites]);
    if (this.#writeError !== undefined) throw this.#writeError;
  }

  /** Fragments waiting to be (re)sent. */
  get dueCount(): number {
    return this.#due.length - this.#dueHead;
  }

  /** Fragments sent and waiting for their ACK. */
  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /**
   * Takes the next due fragment and records its transmission (attempt + 1, deadline set): the send
   * scheduler calls this on each payload tick, and sends a drop when it returns undefined. If the
   * transmission then fails locally, the fragment simply times out and becomes due again.
   */
  async takeNext(): Promise<OutgoingFragment | undefined> {
    while (this.#dueHead < this.#due.length) {
      const { m, i } = this.#due[this.#dueHead++];
      if (this.#dueHead > 1024 && this.#dueHead * 2 > this.#due.length) {
        this.#due.splice(0, this.#dueHead);
        this.#dueHead = 0;
      }
      const live = this.#live.get(m);
      if (live === undefined || live.meta.state === 'failed' || live.meta.state === 'stored' || live.acked[i] === 1) continue;
      if (!Number.isNaN(live.deadlines[i])) continue; // already in flight (stale queue entry)
      const attempt = live.attempts[i] + 1;
      const now = this.#now();
      const deadlineMs = now + retransmitTimeoutMs(this.policy, attempt);
      live.attempts[i] = attempt;
      live.deadlines[i] = deadlineMs;
      if (attempt === 1) live.sent++;
      this.#inFlight.push(deadlineMs, m, i);
      const bytes = this.#fragmentBytes(live, i);
      // not awaited: per-packet records batch into few LMDB commits; losing the last ones in a crash
      // only means a fragment is sent once more (the receiver de-duplicates)
      this.#background(this.#table.putJson(`f:${m}:${i}`, { a: attempt, d: deadlineMs, k: 0 } satisfies FragmentJson));
      if (live.meta.state === 'queued' && live.sent === live.meta.count) await this.#setState(live, 'sent', null);
      return Object.freeze({ messageId: m, recipient: live.meta.recipient, index: i, attempt, deadlineMs, bytes });
    }
    return undefined;
  }

  #fragmentBytes(live: Live, index: number): Uint8Array {
    if (live.body === undefined) {
      const body = this.#table.get(`b:${live.meta.id}`);
      if (body === undefined) throw new OutboxError('corrupt', 'outbox: message body missing');
      live.body = body;
    }
    const messageId = hexToBytes(live.meta.id);
    if (messageId.length !== MESSAGE_ID_BYTES) throw new OutboxError('corrupt', 'outbox: bad message id');
    live.digest ??= messageDigest(messageId, live.body);
    return fragmentAt(live.body, messageId, live.meta.dataBytes, index, live.digest);
  }

  /**
   * Records the SURB-ACK of fragment `index` of message `messageId`. Returns false (and changes
   * nothing) for an ACK the outbox cannot use: unknown message, finished message, repeated ACK.
   */
  async ack(messageId: string, index: number): Promise<boolean> {
    if (typeof messageId !== 'string' || !Number.isInteger(index)) return false;
    const live = this.#live.get(messageId);
    if (live === undefined || live.meta.state === 'failed' || live.meta.state === 'stored') return false;
    if (index < 0 || index >= live.meta.count || live.acked[index] === 1 || live.attempts[index] === 0) return false;
    live.acked[index] = 1;
    live.ackedCount++;
    live.deadlines[index] = Number.NaN; // its heap entry is skipped when popped
    this.#background(this.#table.putJson(`f:${messageId}:${index}`, { a: live.attempts[index], d: null, k: 1 } satisfies FragmentJson));
    // a state change is awaited; LMDB commits in order, so the fragment records above are in it too
    if (live.ackedCount === live.meta.count) await this.#setState(live, 'stored', null);
    return true;
  }

  /**
   * Handles every deadline passed by now: the fragment becomes due again, or — if it used all its
   * attempts — its message fails (a 'failed' event). Call it on a timer or before takeNext().
   */
  async sweep(): Promise<{ retried: number; failed: number }> {
    const now = this.#now();
    let retried = 0;
    let failed = 0;
    for (let top = this.#inFlight.peek(); top !== undefined && top.d <= now; top = this.#inFlight.peek()) {
      this.#inFlight.pop();
      const live = this.#live.get(top.m);
      if (live === undefined || live.meta.state === 'failed' || live.meta.state === 'stored') continue;
      if (live.acked[top.i] === 1 || live.deadlines[top.i] !== top.d) continue; // stale entry
      live.deadlines[top.i] = Number.NaN;
      if (live.attempts[top.i] >= this.policy.maxAttempts) {
        await this.#setState(live, 'failed', 'retries-exhausted');
        failed++;
        continue;
      }
      this.#background(this.#table.putJson(`f:${top.m}:${top.i}`, { a: live.attempts[top.i], d: null, k: 0 } satisfies FragmentJson));
      this.#due.push({ m: top.m, i: top.i });
      retried++;
    }
    return { retried, failed };
  }

  /** The time of the earliest deadline in flight, for the caller's timer (undefined: none). */
  nextDeadlineMs(): number | undefined {
    return this.#inFlight.peek()?.d;
  }

  /** Stops sending a message; it is reported failed with reason 'cancelled'. */
  async cancel(messageId: string): Promise<void> {
    const live = this.#live.get(messageId);
    if (live === undefined) throw new OutboxError('unknown-message', 'outbox: no such message');
    if (live.meta.state === 'stored' || live.meta.state === 'failed') return;
    await this.#setState(live, 'failed', 'cancelled');
  }

  async #setState(live: Live, state: MessageState, failure: FailureReason | null): Promise<void> {
    live.meta = { ...live.meta, state, failure, updatedAtMs: this.#now() };
    await this.#table.putJson(`m:${live.meta.id}`, live.meta);
    if (state === 'stored' || state === 'failed') {
      live.body = undefined; // keep the bytes on disk until remove(); free the memory now
      live.digest = undefined;
    }
    this.#emit(live);
  }

  #status(live: Live): MessageStatus {
    const m = live.meta;
    return Object.freeze({
      id: m.id,
      recipient: m.recipient,
      state: m.state,
      failure: m.failure ?? undefined,
      length: m.length,
      fragments: m.count,
      sent: live.sent,
      acked: live.ackedCount,
      createdAtMs: m.createdAtMs,
      updatedAtMs: m.updatedAtMs,
    });
  }

  status(messageId: string): MessageStatus | undefined {
    const live = this.#live.get(messageId);
    return live === undefined ? undefined : this.#status(live);
  }

  /** Every message held, oldest first. */
  list(): MessageStatus[] {
    return [...this.#live.values()].map((l) => this.#status(l)).sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  /** Deletes a finished (stored or failed) message and its records; the app keeps its own history. */
  async remove(messageId: string): Promise<void> {
    const live = this.#live.get(messageId);
    if (live === undefined) throw new OutboxError('unknown-message', 'outbox: no such message');
    if (live.meta.state !== 'stored' && live.meta.state !== 'failed') await this.cancel(messageId);
    this.#ids = this.#ids.filter((x) => x !== messageId);
    this.#live.delete(messageId);
    await this.#table.putJson(INDEX_KEY, this.#ids);
    const deletes: Promise<boolean>[] = [this.#table.delete(`b:${messageId}`), this.#table.delete(`m:${messageId}`)];
    for (let i = 0; i < live.meta.count; i++) deletes.push(this.#table.delete(`f:${messageId}:${i}`));
    await Promise.all(deletes);
  }
}
