// Reassembly that survives restarts (docs/spec/client.md §6). The client acknowledges entries to its
// provider as it fetches them (a 10 MB message is ~8,500 entries, more than a dropbox holds at once),
// so fragments of a message still incomplete must be kept locally: each accepted fragment is written
// to the `inbound` table before accept() resolves, and reloaded into a Reassembler at open.
//
// Records (table `inbound`): `pending` (delivery key → {sender, count}), `p:<key>:<index>` (the
// encoded fragment). Delivered ids live in StoreDeliveredLog's `delivered` table.
import { assertString } from './assert.js';
import { readU32be } from './bytes.js';
import { StoreDeliveredLog } from './delivered-log.js';
import { FragmentError, InvalidArgumentError } from './errors.js';
import { FRAGMENT_HEADER_BYTES, MESSAGE_ID_BYTES, Reassembler, type AcceptResult, type ReassemblyLimits } from './fragment.js';
import type { SecureStore, SecureTable } from './secure-store.js';

const PENDING_KEY = 'pending';

export interface DurableReassemblerOptions {
  readonly limits?: Partial<ReassemblyLimits>;
  readonly now?: () => number;
  readonly retentionMs?: number;
  /** Where fragments wait: 'inbound' (contacts, default) or 'requests-inbound' (strangers, own limits). */
  readonly table?: 'inbound' | 'requests-inbound';
}

interface PendingIndex {
  [key: string]: { sender: string; count: number };
}

export class DurableReassembler {
  readonly #table: SecureTable;
  readonly #reassembler: Reassembler;
  readonly #delivered: StoreDeliveredLog;
  #index: PendingIndex;

  private constructor(store: SecureStore, options: DurableReassemblerOptions) {
    this.#table = store.table(options.table ?? 'inbound');
    this.#delivered = new StoreDeliveredLog(store, { now: options.now, retentionMs: options.retentionMs });
    this.#reassembler = new Reassembler({ limits: options.limits, delivered: this.#delivered, now: options.now });
    this.#index = this.#table.getJson<PendingIndex>(PENDING_KEY) ?? {};
  }

  /** Opens on `store`, reloading every fragment of every incomplete message. */
  static async open(store: SecureStore, options: DurableReassemblerOptions = {}): Promise<DurableReassembler> {
    if (options.table !== undefined && options.table !== 'inbound' && options.table !== 'requests-inbound') {
      throw new InvalidArgumentError("reassembler.table: must be 'inbound' or 'requests-inbound'");
    }
    const r = new DurableReassembler(store, options);
    await r.#reload();
    return r;
  }

  async #reload(): Promise<void> {
    for (const [key, { sender, count }] of Object.entries(this.#index)) {
      if (this.#delivered.has(key)) {
        await this.#forget(key); // a crash came between recording delivery and deleting the fragments
        continue;
      }
      for (let i = 0; i < count; i++) {
        const bytes = this.#table.get(`p:${key}:${i}`);
        if (bytes === undefined) continue;
        try {
          this.#reassembler.accept(sender, bytes);
        } catch {
          // limits changed or records damaged: drop this message rather than refuse to start
          await this.#forget(key);
          break;
        }
      }
    }
  }

  get pendingMessages(): number {
    return this.#reassembler.pendingMessages;
  }

  get pendingBytes(): number {
    return this.#reassembler.pendingBytes;
  }

  /**
   * Accepts one fragment from an authenticated `sender` (an identityId). Resolves once the fragment
   * is durable ('partial'), or once the message is recorded as delivered ('complete': show it now,
   * exactly once). Throws FragmentError like Reassembler.accept.
   */
  async accept(sender: string, bytes: Uint8Array): Promise<AcceptResult> {
    assertString(sender, 'accept.sender', 256, 1);
    let result: AcceptResult;
    try {
      result = this.#reassembler.accept(sender, bytes);
    } catch (err) {
      // a failed digest drops the message from memory: drop its records too
      if (err instanceof FragmentError && err.reason === 'digest') await this.#forget(this.#keyOf(sender, bytes));
      throw err;
    }
    if (result.status === 'duplicate') return result;
    const key = this.#keyOf(sender, bytes);
    if (result.status === 'partial') {
      const writes: Promise<void>[] = [this.#table.put(`p:${key}:${readU32be(bytes, 33)}`, bytes)];
      if (this.#index[key] === undefined) {
        this.#index = { ...this.#index, [key]: { sender, count: result.count } };
        writes.push(this.#table.putJson(PENDING_KEY, this.#index));
      }
      await Promise.all(writes);
      return result;
    }
    await this.#delivered.flush();
    await this.#forget(key);
    return result;
  }

  #keyOf(sender: string, bytes: Uint8Array): string {
    // only called after decodeFragment accepted `bytes`, so the header is present
    if (bytes.length < FRAGMENT_HEADER_BYTES) throw new FragmentError('length', 'fragment: too short');
    return Reassembler.deliveryKey(sender, bytes.subarray(1, 1 + MESSAGE_ID_BYTES));
  }

  async #forget(key: string): Promise<void> {
    const entry = this.#index[key];
    if (entry === undefined) return;
    const rest = { ...this.#index };
    delete rest[key];
    this.#index = rest;
    const writes: Promise<unknown>[] = [this.#table.putJson(PENDING_KEY, this.#index)];
    for (let i = 0; i < entry.count; i++) writes.push(this.#table.delete(`p:${key}:${i}`));
    await Promise.all(writes);
  }

  /** Drops incomplete messages idle past the limit (and their records); returns how many. */
  async expire(): Promise<number> {
    const dropped = this.#reassembler.expireKeys();
    for (const { key } of dropped) await this.#forget(key);
    return dropped.length;
  }

  /** Forgets delivered ids past their retention period. */
  prune(): Promise<number> {
    return this.#delivered.prune();
  }
}
