// The part of a node daemon (mix or provider) that follows time and the directory: epochs, Sphinx
// key rotation with a grace period, descriptor upload for the coming epochs and consensus fetching.
// The daemon supplies its descriptor, applies key sets to its unwrap workers and reacts to each new
// consensus; this class owns the timers (all cleared by `stop`).
//
// Key rotation (Katzenpost "mix key rotation", Loopix §4): at the boundary of epoch e the node
// unwraps with e (current), e−1 during `graceMs` (packets built just before the boundary) and e+1
// (senders whose clock runs ahead). When the grace period ends, e−1's key is deleted and the
// daemon prunes its replay table for e−1.
import { assert, assertInt } from '../assert.js';
import type { Consensus } from '../consensus.js';
import type { SignedDescriptor } from '../descriptor.js';
import type { EpochClock } from '../epoch.js';
import type { Logger } from '../log.js';
import type { SphinxKeyStore } from '../sphinx-key-store.js';
import type { DirectoryClient } from './directory-client.js';
import { Topology } from './topology.js';
import type { UnwrapControl } from './unwrap-handler.js';

export interface EpochRuntimeOptions {
  epochs: EpochClock;
  sphinxKeys: SphinxKeyStore;
  directory: DirectoryClient;
  logger: Logger;
  /** Previous epoch's key kept after a boundary, ms. */
  graceMs: number;
  /** How often descriptors and documents are retried, ms. */
  pollIntervalMs: number;
  /** This node's signed descriptor for `epoch`. */
  describe(epoch: number): SignedDescriptor;
  /** Apply the keys to try (full state, most likely first), e.g. broadcast to the unwrap workers. */
  applyKeys(control: UnwrapControl): Promise<void>;
  /** The grace period of `epoch` ended: keys < epoch are gone; prune replay tables below it. */
  onGraceEnd?(epoch: number): Promise<unknown>;
  /**
   * A verified consensus arrived: of the current epoch, or of the next one fetched early (then
   * `epoch` > the current one; it is not announced again when that epoch starts).
   */
  onConsensus?(epoch: number, topology: Topology, consensus: Consensus): void;
  /** Epoch `epoch` started (keys already rotated); its topology, if fetched early, is passed. */
  onEpochStart?(epoch: number, topology: Topology | undefined): void;
}

export class EpochRuntime {
  private readonly topologies = new Map<number, Topology>();
  private readonly uploaded = new Set<number>();
  private readonly uploadWarned = new Set<number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private epochNow: number;
  private grace = false;
  private stopped = false;
  private attemptedCurrent = -1;
  private consensusWarned = -1;

  constructor(private readonly o: EpochRuntimeOptions) {
    assert(typeof o === 'object' && o !== null, 'options: must be an object');
    assertInt('options.graceMs', o.graceMs, 0);
    assertInt('options.pollIntervalMs', o.pollIntervalMs, 1);
    assert(typeof o.describe === 'function', 'options.describe: must be a function');
    assert(typeof o.applyKeys === 'function', 'options.applyKeys: must be a function');
    this.epochNow = o.epochs.current();
    this.grace = o.epochs.now() - o.epochs.startMs(this.epochNow) < o.graceMs;
  }

  /** Oldest epoch whose key (and replay table) is still needed: the previous one during grace. */
  get oldestKept(): number {
    return Math.max(this.grace ? this.epochNow - 1 : this.epochNow, 0);
  }

  get epoch(): number {
    return this.epochNow;
  }

  get inGrace(): boolean {
    return this.grace;
  }

  /**
   * Make the keys of the current and next epoch, drop older ones (keeping the previous epoch's during
   * its grace period), apply them, then upload/fetch once and keep doing so every pollIntervalMs.
   * Call once the daemon can take packets (onConsensus may fire before this resolves). Resolves
   * with the oldest epoch still kept.
   */
  async start(): Promise<number> {
    // The daemon may start us long after constructing us (workers, listener): read the clock again.
    this.epochNow = this.o.epochs.current();
    this.grace = this.o.epochs.now() - this.o.epochs.startMs(this.epochNow) < this.o.graceMs;
    const e = this.epochNow;
    this.o.sphinxKeys.ensure(e);
    this.o.sphinxKeys.ensure(e + 1);
    const oldestKept = this.oldestKept;
    this.o.sphinxKeys.prune(oldestKept);
    await this.o.applyKeys(this.keyControl());
    if (this.grace) this.after(this.o.graceMs - (this.o.epochs.now() - this.o.epochs.startMs(e)), () => this.graceEnd(e));
    await this.housekeeping();
    this.every(this.o.pollIntervalMs, () => this.housekeeping());
    this.scheduleBoundary();
    return oldestKept;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /**
   * The topology of the current epoch, if known; else the previous epoch's, standing in until the
   * current document arrives (for one epoch at most: graceEnd keeps it only that long).
   */
  current(): Topology | undefined {
    return this.topologies.get(this.epochNow) ?? this.topologies.get(this.epochNow - 1);
  }

  /**
   * Topologies a packet may have been routed under, most likely first: the current one, the
   * previous one during grace (or while the current document is missing), and the next one once
   * its document is known (docs/spec/directory.md "Epoch transitions"). They are the epochs whose
   * Sphinx keys the node unwraps with (keyControl): a peer that switched epochs a few ms before us,
   * or a packet built under the next key, is routed under a topology listed here. Allow lists
   * (who may send to us, whom we may forward to) take the union over these.
   */
  inForce(): Topology[] {
    const out: Topology[] = [];
    const cur = this.topologies.get(this.epochNow);
    if (cur) out.push(cur);
    const prev = this.topologies.get(this.epochNow - 1);
    if (prev && (this.grace || !cur)) out.push(prev);
    const next = this.topologies.get(this.epochNow + 1);
    if (next) out.push(next);
    return out;
  }

  /** The next epoch's topology, once its document was fetched (last part of the current epoch). */
  upcoming(): Topology | undefined {
    return this.topologies.get(this.epochNow + 1);
  }

  /** Keys the workers try, most likely first: current, previous (grace), next. */
  keyControl(): UnwrapControl {
    const e = this.epochNow;
    const order = [e, ...(this.grace ? [e - 1] : []), e + 1];
    const keys: UnwrapControl['keys'] = [];
    for (const epoch of order) {
      const pair = epoch >= 0 ? (this.o.sphinxKeys.get(epoch) ?? (epoch >= e ? this.o.sphinxKeys.ensure(epoch) : undefined)) : undefined;
      if (pair) keys.push({ epoch, privateKey: pair.privateKey });
    }
    return { keys };
  }

  /** Upload missing descriptors and fetch missing consensus documents (current and next epoch). */
  async housekeeping(): Promise<void> {
    if (this.stopped) return;
    const e = this.epochNow;
    // Authorities take descriptors for the next two epochs until shortly before each starts; the
    // current epoch's document is usually fixed already: try it once (a node starting late in an
    // epoch may miss e+1's window and join at e+2).
    for (const epoch of [e, e + 1, e + 2]) {
      if (this.uploaded.has(epoch)) continue;
      if (epoch === e && this.attemptedCurrent === e) continue;
      if (epoch === e) this.attemptedCurrent = e;
      let accepted = 0;
      try {
        accepted = await this.o.directory.uploadDescriptor(this.o.describe(epoch));
      } catch (err) {
        this.o.logger.debug({ epoch, err: (err as Error).message }, 'descriptor upload failed');
      }
      if (accepted > 0) {
        this.uploaded.add(epoch);
        this.o.logger.info({ epoch, accepted }, 'descriptor uploaded');
      } else if (!this.uploadWarned.has(epoch)) {
        this.uploadWarned.add(epoch);
        this.o.logger.warn({ epoch }, 'no authority accepted our descriptor (will retry)');
      }
    }
    for (const epoch of [e, e + 1]) {
      if (this.topologies.has(epoch)) continue;
      // The next epoch's document is published before it starts; ask for it in the epoch's last part.
      if (epoch > e && this.o.epochs.msUntil(epoch) > this.o.epochs.lengthMs / 2) continue;
      try {
        const consensus = await this.o.directory.fetchConsensus(epoch);
        if (this.stopped) return;
        // The fetcher answers an unpublished epoch with the last good document standing in (stale).
        // Filed under the epoch asked for, it would route the whole next epoch under the previous
        // epoch's layers while the peers use the real ones (every packet between the two views
        // dropped: next_hop_not_allowed, peer_not_allowed, link_down). Keep asking instead; the
        // previous topology stands in by itself while the current one is missing (current()).
        if (consensus.epoch !== epoch) throw new Error(`epoch ${epoch}: not published yet (the fetcher offered epoch ${consensus.epoch}'s document)`);
        const t = new Topology(consensus);
        this.topologies.set(epoch, t);
        this.o.onConsensus?.(epoch, t, consensus);
      } catch (err) {
        if (epoch === e && this.consensusWarned !== e) {
          this.consensusWarned = e; // once per epoch: the poll retries every pollIntervalMs
          this.o.logger.warn({ epoch, err: (err as Error).message }, 'no consensus for the current epoch yet');
        }
      }
    }
    for (const u of this.uploaded) if (u < e) this.uploaded.delete(u);
    for (const u of this.uploadWarned) if (u < e) this.uploadWarned.delete(u);
  }

  private scheduleBoundary(): void {
    const next = this.epochNow + 1;
    this.after(Math.max(this.o.epochs.msUntil(next), 0), () => this.epochStart(next));
  }

  private async epochStart(scheduled: number): Promise<void> {
    if (this.stopped) return;
    // A boundary timer that fired late (busy event loop at start-up) must not replay the missed
    // epochs one by one: the node would route under an old epoch's topology while its peers use
    // the current one. Jump to the epoch the clock is in.
    const epoch = Math.max(scheduled, this.o.epochs.current());
    this.epochNow = epoch;
    this.grace = this.o.graceMs > 0;
    this.o.sphinxKeys.ensure(epoch + 1);
    await this.o.applyKeys(this.keyControl());
    this.o.logger.info({ epoch }, 'epoch started: Sphinx key rotated, previous key kept for the grace period');
    this.after(this.o.graceMs, () => this.graceEnd(epoch));
    this.scheduleBoundary();
    await this.housekeeping();
    if (!this.stopped) this.o.onEpochStart?.(epoch, this.topologies.get(epoch));
  }

  private async graceEnd(epoch: number): Promise<void> {
    if (this.stopped || this.epochNow !== epoch) return;
    this.grace = false;
    await this.o.applyKeys(this.keyControl());
    this.o.sphinxKeys.prune(epoch);
    await this.o.onGraceEnd?.(epoch);
    // The previous topology outlives the grace period only as the stand-in for a missing current one.
    const standIn = !this.topologies.has(epoch);
    for (const e of this.topologies.keys()) if (e < epoch && !(standIn && e === epoch - 1)) this.topologies.delete(e);
    this.o.logger.info({ epoch }, 'grace period over: previous Sphinx key and replay table deleted');
  }

  private after(ms: number, fn: () => unknown): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      Promise.resolve()
        .then(fn)
        .catch((err: unknown) => this.o.logger.error({ err: (err as Error).message }, 'epoch task failed'));
    }, Math.min(Math.max(ms, 0), 2 ** 31 - 1));
    this.timers.add(t);
  }

  private every(ms: number, fn: () => unknown): void {
    this.after(ms, async () => {
      await fn();
      if (!this.stopped) this.every(ms, fn);
    });
  }
}
