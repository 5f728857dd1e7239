import { open, type Database, type RootDatabase } from 'lmdb';
import type { KeyObject } from 'node:crypto';
import { assertArray, assertBytes } from './assert.js';
import { ConflictError, ProviderConfigError, QuotaExceededError, StoreUnavailableError, UnknownAliasError, UnknownDeviceError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import {
  ALIAS_BYTES,
  MESSAGE_ID_BYTES,
  MESSAGE_KEY_BYTES,
  SEQ_PER_MS,
  SequenceSource,
  aliasRange,
  decodeMessageId,
  encodeMessageId,
  messageKey,
} from './message-key.js';
import type { ProviderMetrics } from './metrics.js';
import { PollResponseWriter, type PollEntry, type PollResponse } from './poll-response.js';
import { ED25519_KEY_BYTES, ed25519PublicKey } from './request-signing.js';

export const ACCOUNT_BYTES = 32;
export const DEVICE_BYTES = 32;
/** Most ids one ack may carry. */
export const MAX_ACK_IDS = 1024;
/** Most expired messages removed per sweep transaction. */
const SWEEP_BATCH = 10_000;

export interface DropboxStoreOptions {
  /** Directory of the LMDB environment (created if missing). */
  readonly path: string;
  readonly messageBytes: number;
  readonly pollEntries: number;
  readonly ttlMs: number;
  readonly aliasQuotaMessages: number;
  /** Default: unlimited. */
  readonly maxAccounts?: number;
  readonly maxAliasesPerAccount: number;
  readonly maxDevicesPerAccount: number;
  readonly maxCommitBatch: number;
  readonly mapSizeBytes?: number;
  readonly metrics?: ProviderMetrics;
  readonly now?: () => number;
}

interface AliasState {
  readonly aliasKey: Buffer;
  readonly account: string;
  keyObject?: KeyObject;
  /** Messages on disk or in a pending commit (reserved against the quota). */
  count: number;
  /** Ack records on disk: when 0, polls skip the per-message ack lookups. */
  acks: number;
}

interface AccountState {
  readonly devices: Buffer[];
  aliases: number;
}

export interface AliasInfo {
  readonly aliasKey: KeyObject;
  readonly account: Uint8Array;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/**
 * Durable dropboxes in one LMDB environment.
 *
 * Model (docs/spec/provider.md §Dropboxes): an *account* (32-byte Ed25519 public key) owns
 * *devices* (each a 32-byte Ed25519 public key) and *aliases* (32-byte ids, each with its own
 * Ed25519 key). A message stored for an alias stays until every device registered under the alias's
 * account has acknowledged it, or until its TTL.
 *
 * Sub-databases: `accounts` account → devices‖…; `aliases` alias → aliasKey ‖ account;
 * `messages` alias ‖ id → payload; `acks` alias ‖ id ‖ device → (empty).
 * Message ids are sequence numbers that encode the store time, so expiry needs no extra index.
 */
export class DropboxStore {
  readonly #env: RootDatabase;
  readonly #accountsDb: Database<Buffer, Buffer>;
  readonly #aliasesDb: Database<Buffer, Buffer>;
  readonly #messagesDb: Database<Buffer, Buffer>;
  readonly #acksDb: Database<Buffer, Buffer>;
  readonly #commit: GroupCommit;
  readonly #aliases = new Map<string, AliasState>();
  readonly #accounts = new Map<string, AccountState>();
  readonly #seq: SequenceSource;
  readonly #now: () => number;
  #closed = false;

  private constructor(readonly options: DropboxStoreOptions) {
    this.#now = options.now ?? Date.now;
    this.#env = open({
      path: options.path,
      maxDbs: 8,
      mapSize: options.mapSizeBytes ?? 1 << 30,
      // lmdb-js: with overlappingSync (Linux default) commits are flushed after they become visible;
      // GroupCommit waits for `flushed` before acknowledging anything.
      overlappingSync: true,
      separateFlushed: true,
    });
    const sub = { keyEncoding: 'binary', encoding: 'binary' } as const;
    this.#accountsDb = this.#env.openDB<Buffer, Buffer>('accounts', sub);
    this.#aliasesDb = this.#env.openDB<Buffer, Buffer>('aliases', sub);
    this.#messagesDb = this.#env.openDB<Buffer, Buffer>('messages', sub);
    this.#acksDb = this.#env.openDB<Buffer, Buffer>('acks', sub);
    // The geometry is fixed for the life of a store: stored payloads must fit every poll response.
    const meta = this.#env.openDB<number, string>('meta', {});
    const storedBytes = meta.get('messageBytes');
    if (storedBytes === undefined) meta.putSync('messageBytes', options.messageBytes);
    else if (storedBytes !== options.messageBytes) {
      void this.#env.close();
      throw new ProviderConfigError(`provider.dropbox.messageBytes: the store at ${options.path} holds ${storedBytes}-byte messages, not ${options.messageBytes}`);
    }
    const metrics = options.metrics;
    this.#commit = new GroupCommit(this.#env, options.maxCommitBatch, {
      onBatch(ops, seconds) {
        metrics?.commitSeconds.observe(seconds);
        metrics?.commitBatchOperations.observe(ops);
      },
    });
    this.#seq = new SequenceSource(0, this.#now);
    this.#load();
  }

  /** Open (or create) the environment and rebuild the in-memory indexes from disk. */
  static open(options: DropboxStoreOptions): DropboxStore {
    return new DropboxStore(options);
  }

  #load(): void {
    for (const { key, value } of this.#accountsDb.getRange({})) {
      const devices: Buffer[] = [];
      for (let o = 0; o + DEVICE_BYTES <= value.length; o += DEVICE_BYTES) devices.push(Buffer.from(value.subarray(o, o + DEVICE_BYTES)));
      this.#accounts.set(hex(key), { devices, aliases: 0 });
    }
    for (const { key, value } of this.#aliasesDb.getRange({})) {
      const alias = Buffer.from(key);
      const account = hex(value.subarray(ED25519_KEY_BYTES, ED25519_KEY_BYTES + ACCOUNT_BYTES));
      const range = aliasRange(alias);
      const count = this.#messagesDb.getKeysCount(range);
      for (const last of this.#messagesDb.getKeys({ start: range.end, end: range.start, reverse: true, limit: 1 })) {
        this.#seq.observe(decodeMessageId(last.subarray(ALIAS_BYTES)));
      }
      this.#aliases.set(hex(alias), { aliasKey: Buffer.from(value.subarray(0, ED25519_KEY_BYTES)), account, count, acks: 0 });
      const acc = this.#accounts.get(account);
      if (acc) acc.aliases++;
    }
    for (const key of this.#acksDb.getKeys({})) {
      const s = this.#aliases.get(hex(key.subarray(0, ALIAS_BYTES)));
      if (s) s.acks++;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreUnavailableError('closed', 'store is closed');
  }

  #reject(reason: string): void {
    this.options.metrics?.storeRejected.inc({ reason });
  }

  /**
   * Register a device under an account, creating the account on its first device. Idempotent.
   * The caller has verified the account's and the device's signatures.
   */
  async registerDevice(account: Uint8Array, device: Uint8Array): Promise<{ created: boolean }> {
    assertBytes('account', account, ACCOUNT_BYTES);
    assertBytes('device', device, DEVICE_BYTES);
    this.#assertOpen();
    const acct = hex(account);
    const dev = Buffer.from(device);
    return this.#commit.submit(() => {
      const known = this.#accounts.get(acct);
      if (!known && this.#accounts.size >= (this.options.maxAccounts ?? Infinity)) {
        throw new QuotaExceededError('accounts', this.options.maxAccounts!);
      }
      const state = known ?? { devices: [], aliases: 0 };
      if (state.devices.some((d) => d.equals(dev))) return { created: false };
      if (state.devices.length >= this.options.maxDevicesPerAccount) {
        throw new QuotaExceededError('account_devices', this.options.maxDevicesPerAccount);
      }
      this.#accountsDb.putSync(Buffer.from(account), Buffer.concat([...state.devices, dev]));
      state.devices.push(dev);
      this.#accounts.set(acct, state);
      return { created: true };
    });
  }

  /**
   * Remove a device (lost or retired) from an account: its acknowledgements are dropped and every
   * message that all remaining devices have acknowledged is removed now. The last device of an
   * account cannot be removed (nothing could ever acknowledge its messages again).
   */
  async removeDevice(account: Uint8Array, device: Uint8Array): Promise<{ removed: boolean; delivered: number }> {
    assertBytes('account', account, ACCOUNT_BYTES);
    assertBytes('device', device, DEVICE_BYTES);
    this.#assertOpen();
    const acct = hex(account);
    const dev = Buffer.from(device);
    const result = await this.#commit.submit(() => {
      const state = this.#accounts.get(acct);
      const index = state ? state.devices.findIndex((d) => d.equals(dev)) : -1;
      if (!state || index < 0) return { removed: false, delivered: 0 };
      if (state.devices.length === 1) throw new ConflictError('last_device', 'the last device of an account cannot be removed');
      const remaining = state.devices.filter((_, i) => i !== index);
      this.#accountsDb.putSync(Buffer.from(account), Buffer.concat(remaining));
      state.devices.splice(index, 1);
      let delivered = 0;
      for (const [a, alias] of this.#aliases) {
        if (alias.account !== acct || alias.count === 0) continue;
        const aliasBuf = Buffer.from(a, 'hex');
        const keys = Array.from(this.#messagesDb.getKeys(aliasRange(aliasBuf)), (k) => Buffer.from(k));
        for (const key of keys) {
          const gone = Buffer.concat([key, dev]);
          if (this.#acksDb.doesExist(gone)) {
            this.#acksDb.removeSync(gone);
            alias.acks--;
          }
          if (remaining.every((d) => this.#acksDb.doesExist(Buffer.concat([key, d])))) {
            alias.acks -= this.#removeMessage(key);
            alias.count--;
            delivered++;
          }
        }
      }
      return { removed: true, delivered };
    });
    this.options.metrics?.delivered.inc(result.delivered);
    return result;
  }

  /** Register an alias and its key under an account (which must have a device). Idempotent for the same key and account. */
  async registerAlias(alias: Uint8Array, aliasKey: Uint8Array, account: Uint8Array): Promise<{ created: boolean }> {
    assertBytes('alias', alias, ALIAS_BYTES);
    assertBytes('aliasKey', aliasKey, ED25519_KEY_BYTES);
    assertBytes('account', account, ACCOUNT_BYTES);
    this.#assertOpen();
    const a = hex(alias);
    const acct = hex(account);
    const key = Buffer.from(aliasKey);
    return this.#commit.submit(() => {
      const existing = this.#aliases.get(a);
      if (existing) {
        if (existing.aliasKey.equals(key) && existing.account === acct) return { created: false };
        throw new ConflictError('alias_taken', 'this alias is registered with another key or account');
      }
      const state = this.#accounts.get(acct);
      if (!state) throw new UnknownDeviceError('unknown_account');
      if (state.aliases >= this.options.maxAliasesPerAccount) {
        throw new QuotaExceededError('account_aliases', this.options.maxAliasesPerAccount);
      }
      this.#aliasesDb.putSync(Buffer.from(alias), Buffer.concat([key, Buffer.from(account)]));
      this.#aliases.set(a, { aliasKey: key, account: acct, count: 0, acks: 0 });
      state.aliases++;
      return { created: true };
    });
  }

  /** The alias's verification key and owning account, or undefined when unknown. */
  aliasInfo(alias: Uint8Array): AliasInfo | undefined {
    assertBytes('alias', alias, ALIAS_BYTES);
    const s = this.#aliases.get(hex(alias));
    if (!s) return undefined;
    s.keyObject ??= ed25519PublicKey(s.aliasKey);
    return { aliasKey: s.keyObject, account: Buffer.from(s.account, 'hex') };
  }

  /** True when `device` is registered under `account`. */
  hasDevice(account: Uint8Array, device: Uint8Array): boolean {
    assertBytes('account', account, ACCOUNT_BYTES);
    assertBytes('device', device, DEVICE_BYTES);
    const s = this.#accounts.get(hex(account));
    return s !== undefined && s.devices.some((d) => d.equals(device));
  }

  /** Devices registered under `account` (copies). */
  devices(account: Uint8Array): Uint8Array[] {
    assertBytes('account', account, ACCOUNT_BYTES);
    return (this.#accounts.get(hex(account))?.devices ?? []).map((d) => Buffer.from(d));
  }

  /**
   * Egress seam: store `payload` (exactly `messageBytes`) in the alias's dropbox. Resolves with the
   * message id only after the transaction holding it is flushed to disk (group commit), so a delivery
   * receipt sent after this resolves is never a lie. Rejects with UnknownAliasError,
   * QuotaExceededError('alias_quota'), ProviderValidationError or StoreUnavailableError.
   */
  async store(alias: Uint8Array, payload: Uint8Array): Promise<{ id: Uint8Array }> {
    try {
      assertBytes('alias', alias, ALIAS_BYTES);
      assertBytes('payload', payload, this.options.messageBytes);
      this.#assertOpen();
    } catch (err) {
      this.#reject((err as { reason?: string }).reason ?? 'invalid');
      throw err;
    }
    const state = this.#aliases.get(hex(alias));
    if (!state) {
      this.#reject('unknown_alias');
      throw new UnknownAliasError();
    }
    if (state.count >= this.options.aliasQuotaMessages) {
      this.#reject('alias_quota');
      throw new QuotaExceededError('alias_quota', this.options.aliasQuotaMessages);
    }
    state.count++;
    const id = encodeMessageId(this.#seq.next());
    const key = messageKey(alias, id);
    const value = Buffer.from(payload);
    try {
      await this.#commit.submit(() => this.#messagesDb.putSync(key, value));
    } catch (err) {
      state.count--;
      this.#reject('commit_failed');
      throw err;
    }
    this.options.metrics?.stored.inc();
    return { id };
  }

  /**
   * Up to `pollEntries` messages of the alias that `device` has not acknowledged, oldest first,
   * skipping expired ones. The caller has authenticated the request (alias key signature).
   */
  poll(alias: Uint8Array, device: Uint8Array): PollResponse {
    const entries: PollEntry[] = [];
    const more = this.#scan(alias, device, (id, payload) => {
      entries.push({ id: Buffer.from(id), payload: Buffer.from(payload) });
      return entries.length < this.options.pollEntries;
    });
    this.#countPoll(entries.length);
    return { entries, more };
  }

  /** `poll` encoded as the fixed-size response (see poll-response.ts), built without extra copies. */
  pollEncoded(alias: Uint8Array, device: Uint8Array): Buffer {
    const w = new PollResponseWriter(this.options.pollEntries, this.options.messageBytes);
    const more = this.#scan(alias, device, (id, payload) => {
      w.add(id, payload);
      return !w.full;
    });
    this.#countPoll(w.count);
    return w.finish(more);
  }

  /**
   * Visit unacknowledged, unexpired messages until `visit` returns false; returns true when more
   * remain. `payload` is only valid during the call (a loaned read buffer): copy it to keep it.
   */
  #scan(alias: Uint8Array, device: Uint8Array, visit: (id: Buffer, payload: Buffer) => boolean): boolean {
    assertBytes('alias', alias, ALIAS_BYTES);
    assertBytes('device', device, DEVICE_BYTES);
    this.#assertOpen();
    const state = this.#aliases.get(hex(alias));
    if (!state) throw new UnknownAliasError();
    const acct = this.#accounts.get(state.account);
    if (!acct || !acct.devices.some((d) => d.equals(device))) throw new UnknownDeviceError('unknown_device');
    if (state.count === 0) return false;
    const start = Buffer.allocUnsafe(MESSAGE_KEY_BYTES);
    start.set(alias, 0);
    start.set(encodeMessageId(this.#cutoffSeq()), ALIAS_BYTES);
    const end = Buffer.alloc(MESSAGE_KEY_BYTES, 0xff);
    end.set(alias, 0);
    const ackKey = state.acks > 0 ? Buffer.alloc(MESSAGE_KEY_BYTES + DEVICE_BYTES) : undefined;
    ackKey?.set(device, MESSAGE_KEY_BYTES);
    let wanting = true;
    // Keys from the cursor, values through getBinaryFast: lmdb-js then lends its reused read buffer
    // instead of allocating and copying a Buffer per 2 KB value (measured: ~18 µs instead of ~45 µs
    // for 16 entries). The loan lasts until the next read, so `visit` must copy what it keeps; both
    // reads run in the same synchronous read transaction, so they see the same snapshot.
    for (const key of this.#messagesDb.getKeys({ start, end })) {
      if (ackKey) {
        key.copy(ackKey, 0, 0, MESSAGE_KEY_BYTES);
        if (this.#acksDb.doesExist(ackKey)) continue;
      }
      if (!wanting) return true;
      const value = this.#messagesDb.getBinaryFast(key);
      if (value === undefined) continue;
      wanting = visit(key.subarray(ALIAS_BYTES), value.subarray(0, value.length));
    }
    return false;
  }

  #countPoll(real: number): void {
    const m = this.options.metrics;
    if (!m) return;
    m.polls.inc();
    m.pollEntries.inc({ kind: 'real' }, real);
    m.pollEntries.inc({ kind: 'dummy' }, this.options.pollEntries - real);
  }

  /**
   * Record that `device` has the messages `ids`; a message is removed once every device registered
   * under the alias's account has acknowledged it. Unknown or already removed ids are ignored.
   * Resolves after the change is durable.
   */
  async ack(alias: Uint8Array, device: Uint8Array, ids: readonly Uint8Array[]): Promise<{ acknowledged: number; removed: number }> {
    assertBytes('alias', alias, ALIAS_BYTES);
    assertBytes('device', device, DEVICE_BYTES);
    assertArray('ids', ids, MAX_ACK_IDS);
    ids.forEach((id, i) => assertBytes(`ids[${i}]`, id, MESSAGE_ID_BYTES));
    this.#assertOpen();
    const state = this.#aliases.get(hex(alias));
    if (!state) throw new UnknownAliasError();
    const acct = this.#accounts.get(state.account);
    if (!acct || !acct.devices.some((d) => d.equals(device))) throw new UnknownDeviceError('unknown_device');
    const keys = ids.map((id) => messageKey(alias, id));
    const dev = Buffer.from(device);
    const result = await this.#commit.submit(() => {
      // The device may have been removed by an earlier operation of this batch.
      if (!acct.devices.some((d) => d.equals(dev))) throw new UnknownDeviceError('unknown_device');
      let acknowledged = 0;
      let removed = 0;
      for (const key of keys) {
        if (!this.#messagesDb.doesExist(key)) continue;
        acknowledged++;
        // Reads inside the batch transaction see earlier writes of the same batch (lmdb-js
        // transaction semantics), so two devices acking in one batch still remove the message.
        const allAcked = acct.devices.every((d) => d.equals(dev) || this.#acksDb.doesExist(Buffer.concat([key, d])));
        if (allAcked) {
          state.acks -= this.#removeMessage(key);
          state.count--;
          removed++;
        } else if (!this.#acksDb.doesExist(Buffer.concat([key, dev]))) {
          this.#acksDb.putSync(Buffer.concat([key, dev]), Buffer.alloc(0));
          state.acks++;
        }
      }
      return { acknowledged, removed };
    });
    this.options.metrics?.delivered.inc(result.removed);
    return result;
  }

  /** Remove a message and its ack records; returns the number of ack records removed. */
  #removeMessage(key: Buffer): number {
    this.#messagesDb.removeSync(key);
    const end = Buffer.concat([key, Buffer.alloc(DEVICE_BYTES + 1, 0xff)]);
    // Collect first: never delete under a live cursor.
    const ackKeys = Array.from(this.#acksDb.getKeys({ start: key, end }), (k) => Buffer.from(k));
    for (const ackKey of ackKeys) this.#acksDb.removeSync(ackKey);
    return ackKeys.length;
  }

  #cutoffSeq(): number {
    return Math.max(0, (this.#now() - this.options.ttlMs) * SEQ_PER_MS);
  }

  /** Remove every message older than the TTL; resolves with the number removed once durable. */
  async sweepExpired(): Promise<number> {
    this.#assertOpen();
    let total = 0;
    for (;;) {
      const cutoff = encodeMessageId(this.#cutoffSeq());
      const removed = await this.#commit.submit(() => {
        let n = 0;
        for (const [a, state] of this.#aliases) {
          if (state.count === 0) continue;
          const alias = Buffer.from(a, 'hex');
          const range = { start: aliasRange(alias).start, end: Buffer.concat([alias, cutoff]), limit: SWEEP_BATCH - n };
          const keys = Array.from(this.#messagesDb.getKeys(range), (k) => Buffer.from(k));
          for (const key of keys) {
            state.acks -= this.#removeMessage(key);
            state.count--;
            if (++n >= SWEEP_BATCH) return n;
          }
        }
        return n;
      });
      total += removed;
      this.options.metrics?.expired.inc(removed);
      if (removed < SWEEP_BATCH) return total;
    }
  }

  /** Messages held for `alias` (including commits in flight), or undefined when unknown. */
  messageCount(alias: Uint8Array): number | undefined {
    assertBytes('alias', alias, ALIAS_BYTES);
    return this.#aliases.get(hex(alias))?.count;
  }

  /** Current size of every dropbox (for the dropbox-size histogram). */
  *dropboxSizes(): Iterable<number> {
    for (const s of this.#aliases.values()) yield s.count;
  }

  get aliasCount(): number {
    return this.#aliases.size;
  }

  /** Wait for pending commits, then close the environment. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commit.close();
    await this.#env.close();
  }

  /** For integration next round: the environment, so that other registries share group commits. */
  get commit(): GroupCommit {
    return this.#commit;
  }

  /** The shared LMDB environment (read-only use by co-located registries). */
  get env(): RootDatabase {
    return this.#env;
  }
}

