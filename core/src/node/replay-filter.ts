// Replay filter: the replay tags seen per Sphinx key epoch (Sphinx §3.3 / Katzenpost spec "Replay
// detection": tag = SHA-512/256(alpha), kept for as long as the key that produced it).
//
// Two copies of each epoch's tags:
//  - in memory, a TagSet (tag-set.ts: 8-byte fingerprints, 8–21 bytes per tag) that answers every
//    packet synchronously — a duplicate is refused even while the first copy's write is in flight;
//  - in LMDB, an append-only log per epoch: the tags recorded since the last write are written as
//    ONE value under the next sequence number (sequential appends, one put per write instead of one
//    B-tree insert per packet). Opening the filter reads every log back into memory.
//    Without fsync the write is a synchronous LMDB transaction on the caller's thread (≈ 8–10 µs
//    per commit, measured 2026-11-26 with lmdb-js 3 and noSync) — lmdb-js's asynchronous writes
//    cost ≈ 110 µs of CPU per commit (a libuv work item and a thread-safe function each). With
//    fsync the write stays asynchronous (an fsync must not block the event loop), and `commit`
//    lets several callers' tags share one commit (`withinMs`).
//
// Durability choice (documented in docs/operators.md "Mix node"):
//  - A 'fresh' tag may be forwarded only after `commit()` resolves true: its log record is then
//    COMMITTED. LMDB commits survive a crash of the process (the memory map is already in the OS),
//    so a restarted mix refuses every tag whose packet it has forwarded: no replay window after a
//    process crash or restart. `admit` packages record + commit(0) for one tag.
//  - By default commits are not fsynced (`fsync: false` → LMDB noSync): a commit reaches the OS page
//    cache, which survives a process crash but not a power loss / OS crash. Measured under load on
//    the 2-core machine, awaiting fsynced commits costs p99 ≈ 37 ms per packet vs ≈ 1.6 ms without,
//    which would make packets late. After an OS crash the log may be lost or unreadable: replays
//    of packets seen before the crash become possible until that epoch's key is deleted. Operators
//    who prefer the latency cost set `fsync: true` (overlappingSync: commits flushed, in parallel).
//  - Full epoch → 'replay_filter_full': the packet is dropped, never admitted (fail closed).
//  - A failed LMDB write → the tags of that turn stay "seen" in memory (fail closed) and
//    `commit()` resolves false: their packets are dropped as 'replay_filter_error'.
//  - Tables written by the previous layout (one LMDB key per tag, `replay-<epoch>`) are read too.
import { open, type Database, type RootDatabase } from 'lmdb';
import { assert, assertBytes, assertInt } from '../assert.js';
import { NodeClosedError } from './errors.js';
import { TAG_SET_MAX_LOAD, TagSet } from './tag-set.js';

export const REPLAY_TAG_BYTES = 32;
/** Largest `maxTagsPerEpoch` (the TagSet's 2³⁰ slots at its maximum load). */
export const MAX_TAGS_PER_EPOCH = Math.floor(TAG_SET_MAX_LOAD * 2 ** 30);

const RESOLVED_TRUE = Promise.resolve(true);
const RESOLVED_FALSE = Promise.resolve(false);

export type ReplayVerdict = 'fresh' | 'replay' | 'replay_filter_full' | 'replay_filter_error';

export interface ReplayFilterOptions {
  /** Directory of the LMDB environment (created if absent). */
  path: string;
  /** Tags kept per epoch at most; further fresh tags are refused (fail closed). */
  maxTagsPerEpoch: number;
  /** fsync every commit (default false: durable across process crashes, not OS crashes). */
  fsync?: boolean;
}

interface EpochTable {
  log: Database<Uint8Array, number>;
  tags: TagSet;
  /** Next log sequence number. */
  seq: number;
  /** Tags recorded this turn, not yet handed to LMDB (32 bytes each, back to back). */
  pending: Uint8Array;
  pendingCount: number;
}

export class ReplayFilter {
  readonly maxTagsPerEpoch: number;
  private readonly fsync: boolean;
  private readonly epochs = new Map<number, EpochTable>();
  private readonly inflight = new Set<Promise<boolean>>();
  /** Resolves once this turn's records are committed (true) or failed (false); null: none pending. */
  private turn: { promise: Promise<boolean>; resolve: (ok: boolean) => void } | null = null;
  /** The last turn's commit, for `commit()` when nothing is pending. */
  private lastWrite: Promise<boolean> = RESOLVED_TRUE;
  /** When this turn's write is due (performance.now() ms; Infinity: not asked for yet). */
  private writeAtMs = Infinity;
  private writeTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  private constructor(
    private readonly root: RootDatabase,
    private readonly index: Database<number, number>,
    options: ReplayFilterOptions,
  ) {
    this.maxTagsPerEpoch = options.maxTagsPerEpoch;
    this.fsync = options.fsync === true;
  }

  static open(options: ReplayFilterOptions): ReplayFilter {
    assert(typeof options === 'object' && options !== null, 'options: must be an object');
    assert(typeof options.path === 'string' && options.path.length > 0, 'options.path: must be a non-empty string');
    assertInt('options.maxTagsPerEpoch', options.maxTagsPerEpoch, 1, MAX_TAGS_PER_EPOCH);
    assert(options.fsync === undefined || typeof options.fsync === 'boolean', 'options.fsync: must be a boolean');
    const root = open({ path: options.path, maxDbs: 128, noSync: options.fsync !== true });
    const index = root.openDB<number, number>('epochs', { keyEncoding: 'uint32' });
    return new ReplayFilter(root, index, options);
  }

  /** Epochs that have a table (including ones recorded before a restart), ascending. */
  knownEpochs(): number[] {
    return [...this.index.getKeys()].map(Number).sort((a, b) => a - b);
  }

  /** Tags recorded (or being recorded) for `epoch`. */
  count(epoch: number): number {
    assertInt('epoch', epoch, 0, 0xffffffff);
    return this.table(epoch).tags.size;
  }

  /**
   * Records `tag` under `epoch` if it was never seen, synchronously: 'fresh' (recorded now),
   * 'replay' (seen before, also earlier this turn) or 'replay_filter_full' (not recorded). A fresh
   * tag's packet may leave only once `commit()` resolves true.
   */
  record(epoch: number, tag: Uint8Array): ReplayVerdict {
    if (this.closed) throw new NodeClosedError('replay filter closed');
    assertInt('epoch', epoch, 0, 0xffffffff);
    assertBytes('tag', tag, REPLAY_TAG_BYTES);
    const t = this.table(epoch);
    if (t.tags.has(tag)) return 'replay';
    if (t.tags.size >= this.maxTagsPerEpoch) return 'replay_filter_full';
    t.tags.add(tag);
    if ((t.pendingCount + 1) * REPLAY_TAG_BYTES > t.pending.length) {
      const grown = new Uint8Array(t.pending.length * 2);
      grown.set(t.pending);
      t.pending = grown;
    }
    t.pending.set(tag, t.pendingCount * REPLAY_TAG_BYTES);
    t.pendingCount++;
    if (this.turn === null) {
      let resolve!: (ok: boolean) => void;
      const promise = new Promise<boolean>((r) => (resolve = r));
      this.turn = { promise, resolve };
    }
    return 'fresh';
  }

  /**
   * Makes every tag recorded so far durable: their write starts within `withinMs` (0: at the end
   * of this turn; writes asked for within the same window share one LMDB commit). Resolves true
   * once they are committed, false if their write failed.
   */
  commit(withinMs = 0): Promise<boolean> {
    assert(Number.isFinite(withinMs) && withinMs >= 0, 'withinMs: must be a finite number ≥ 0');
    if (this.turn === null) return this.lastWrite;
    if (!this.fsync) {
      this.writeTurnSync();
      return this.lastWrite;
    }
    const at = performance.now() + withinMs;
    if (at < this.writeAtMs) {
      if (this.writeTimer !== null) clearTimeout(this.writeTimer);
      this.writeAtMs = at;
      if (withinMs === 0) {
        this.writeTimer = null;
        queueMicrotask(() => {
          if (this.writeAtMs === at) this.writeTurn();
        });
      } else {
        this.writeTimer = setTimeout(() => this.writeTurn(), withinMs);
      }
    }
    return this.turn.promise;
  }

  /**
   * Record `tag` under `epoch`; resolves 'fresh' once it is committed (see `record` for the other
   * verdicts; a failed commit resolves 'replay_filter_error').
   */
  admit(epoch: number, tag: Uint8Array): Promise<ReplayVerdict> {
    if (this.closed) return Promise.reject(new NodeClosedError('replay filter closed'));
    const verdict = this.record(epoch, tag);
    if (verdict !== 'fresh') return Promise.resolve(verdict);
    return this.commit(0).then((ok) => (ok ? 'fresh' : 'replay_filter_error'));
  }

  /** Commits this turn's records now, in one synchronous LMDB transaction (no fsync). */
  private writeTurnSync(): void {
    const turn = this.turn;
    if (turn === null) return;
    this.turn = null;
    let ok = true;
    try {
      this.root.transactionSync(() => {
        for (const t of this.epochs.values()) {
          if (t.pendingCount === 0) continue;
          t.log.putSync(t.seq++, t.pending.subarray(0, t.pendingCount * REPLAY_TAG_BYTES));
          t.pendingCount = 0;
        }
      });
    } catch {
      ok = false;
      for (const t of this.epochs.values()) t.pendingCount = 0;
    }
    this.lastWrite = ok ? RESOLVED_TRUE : RESOLVED_FALSE;
    turn.resolve(ok);
  }

  /** Hands this turn's records to LMDB: one log value per epoch (lmdb-js commits them together). */
  private writeTurn(): void {
    if (!this.fsync) return this.writeTurnSync();
    if (this.writeTimer !== null) clearTimeout(this.writeTimer);
    this.writeTimer = null;
    this.writeAtMs = Infinity;
    const turn = this.turn;
    if (turn === null) return;
    this.turn = null;
    const writes: Promise<boolean>[] = [];
    for (const t of this.epochs.values()) {
      if (t.pendingCount === 0) continue;
      const value = t.pending.slice(0, t.pendingCount * REPLAY_TAG_BYTES);
      t.pendingCount = 0;
      writes.push(t.log.put(t.seq++, value).then(() => true, () => false));
    }
    const all = Promise.all(writes).then((oks) => oks.every(Boolean));
    this.inflight.add(all);
    this.lastWrite = all;
    void all.then((ok) => {
      this.inflight.delete(all);
      turn.resolve(ok);
    });
  }

  /** Drop the tables of every epoch below `minEpoch` (call once an old key's grace period is over). */
  async pruneBefore(minEpoch: number): Promise<number[]> {
    assertInt('minEpoch', minEpoch, 0, 0x100000000);
    const dropped: number[] = [];
    for (const epoch of this.knownEpochs()) {
      if (epoch >= minEpoch) continue;
      this.epochs.delete(epoch);
      await this.root.openDB<Uint8Array, number>(`replaylog-${epoch}`, { keyEncoding: 'uint32', encoding: 'binary' }).drop();
      await this.root.openDB<Uint8Array, Uint8Array>(`replay-${epoch}`, { keyEncoding: 'binary', encoding: 'binary' }).drop();
      await this.index.remove(epoch);
      dropped.push(epoch);
    }
    return dropped;
  }

  /** Wait for outstanding writes, then close the environment. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writeTurn();
    await Promise.allSettled([...this.inflight]);
    await this.root.close();
  }

  private table(epoch: number): EpochTable {
    let t = this.epochs.get(epoch);
    if (!t) {
      const log = this.root.openDB<Uint8Array, number>(`replaylog-${epoch}`, { keyEncoding: 'uint32', encoding: 'binary' });
      if (this.index.get(epoch) === undefined) this.index.putSync(epoch, 1);
      // Read back what earlier processes recorded: this epoch's log, and a table of the older
      // one-key-per-tag layout if there is one.
      // One pass over the log: the table grows as it fills.
      const legacy = this.root.openDB<Uint8Array, Uint8Array>(`replay-${epoch}`, { keyEncoding: 'binary', encoding: 'binary' });
      const legacyCount = (legacy.getStats() as { entryCount: number }).entryCount;
      const tags = new TagSet(Math.min(this.maxTagsPerEpoch, legacyCount));
      let seq = 0;
      for (const { key, value } of log.getRange()) {
        seq = Math.max(seq, key + 1);
        for (let o = 0; o + REPLAY_TAG_BYTES <= value.length; o += REPLAY_TAG_BYTES) tags.add(value, o);
      }
      if (legacyCount > 0) for (const key of legacy.getKeys()) if (key.length === REPLAY_TAG_BYTES) tags.add(key);
      t = { log, tags, seq, pending: new Uint8Array(64 * REPLAY_TAG_BYTES), pendingCount: 0 };
      this.epochs.set(epoch, t);
    }
    return t;
  }
}
