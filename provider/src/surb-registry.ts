import type { Database, RootDatabase } from 'lmdb';
import { assertArray, assertBytes, assertInteger } from './assert.js';
import { ConflictError, QuotaExceededError, UnknownAliasError } from './errors.js';
import type { GroupCommit } from './group-commit.js';
import { ALIAS_BYTES } from './message-key.js';

/** Katzenpost's SURB id length (the id the SURB's creator finds in the reply's final hop). */
export const SURB_ID_BYTES = 16;
export const MAX_SURBS_PER_REQUEST = 1024;
/** An alias at its quota sweeps expired ids early, at most this often. */
export const INLINE_SWEEP_MIN_INTERVAL_MS = 1000;

export interface SurbRegistryOptions {
  readonly maxSurbsPerAlias: number;
  /** Longest accepted lifetime of a registration (the dropbox TTL). */
  readonly maxLifetimeMs: number;
  readonly aliasExists: (alias: Uint8Array) => boolean;
  readonly now?: () => number;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/**
 * SURB id → owning alias, so that a SURB reply arriving at this provider as the last hop lands in
 * the dropbox of the alias that made the SURB (issue 5 item 2). A client registers the ids of the
 * reply SURBs it hands out, signed with the alias key; registrations expire (SURBs only work within
 * their key epochs) and each alias holds at most `maxSurbsPerAlias`.
 * LMDB sub-database `surbs`: surbId → alias ‖ expiresAtMs u64.
 */
export class SurbRegistry {
  readonly #db: Database<Buffer, Buffer>;
  readonly #perAlias = new Map<string, number>();
  readonly #now: () => number;
  #lastInlineSweepMs = -Infinity;

  constructor(env: RootDatabase, private readonly commit: GroupCommit, private readonly opts: SurbRegistryOptions) {
    this.#now = opts.now ?? Date.now;
    this.#db = env.openDB<Buffer, Buffer>('surbs', { keyEncoding: 'binary', encoding: 'binary' });
    for (const { value } of this.#db.getRange({})) {
      const a = hex(value.subarray(0, ALIAS_BYTES));
      this.#perAlias.set(a, (this.#perAlias.get(a) ?? 0) + 1);
    }
  }

  /** Register SURB ids for `alias` until `expiresAtMs`; durable when resolved. Re-registering an id for the same alias is a no-op. */
  async register(alias: Uint8Array, surbIds: readonly Uint8Array[], expiresAtMs: number): Promise<{ registered: number }> {
    assertBytes('alias', alias, ALIAS_BYTES);
    assertArray('surbIds', surbIds, MAX_SURBS_PER_REQUEST);
    surbIds.forEach((id, i) => assertBytes(`surbIds[${i}]`, id, SURB_ID_BYTES));
    const now = this.#now();
    assertInteger('expiresAtMs', expiresAtMs, now + 1, now + this.opts.maxLifetimeMs);
    if (!this.opts.aliasExists(alias)) throw new UnknownAliasError();
    const a = hex(alias);
    const aliasBuf = Buffer.from(alias);
    const value = Buffer.alloc(ALIAS_BYTES + 8);
    aliasBuf.copy(value, 0);
    value.writeBigUInt64BE(BigInt(expiresAtMs), ALIAS_BYTES);
    const ids = surbIds.map((id) => Buffer.from(id));
    return this.commit.submit(() => {
      // Validate the whole request before writing anything (GroupCommit ops must not half-apply).
      const fresh: Buffer[] = [];
      for (const id of ids) {
        const existing = this.#db.get(id);
        if (existing === undefined) {
          if (!fresh.some((f) => f.equals(id))) fresh.push(id);
        } else if (!existing.subarray(0, ALIAS_BYTES).equals(aliasBuf)) {
          throw new ConflictError('surb_id_taken', 'a SURB id is registered to another alias');
        }
      }
      let count = this.#perAlias.get(a) ?? 0;
      if (count + fresh.length > this.opts.maxSurbsPerAlias && now - this.#lastInlineSweepMs >= INLINE_SWEEP_MIN_INTERVAL_MS) {
        // Expired ids still count until the periodic sweep: an alias at its quota sweeps early (at
        // most once per INLINE_SWEEP_MIN_INTERVAL_MS, so quota hits cannot make us scan constantly).
        this.#lastInlineSweepMs = now;
        this.#removeExpired(now);
        count = this.#perAlias.get(a) ?? 0;
      }
      if (count + fresh.length > this.opts.maxSurbsPerAlias) throw new QuotaExceededError('surb_quota', this.opts.maxSurbsPerAlias);
      for (const id of fresh) this.#db.putSync(id, value);
      this.#perAlias.set(a, count + fresh.length);
      return { registered: fresh.length };
    });
  }

  /** Egress seam: the alias owning `surbId`, or undefined when unknown or expired. */
  lookup(surbId: Uint8Array): Uint8Array | undefined {
    assertBytes('surbId', surbId, SURB_ID_BYTES);
    const v = this.#db.get(Buffer.from(surbId));
    if (v === undefined || Number(v.readBigUInt64BE(ALIAS_BYTES)) <= this.#now()) return undefined;
    return Buffer.from(v.subarray(0, ALIAS_BYTES));
  }

  /** Forget a SURB id once its reply is stored (SURBs are single-use). */
  async release(surbId: Uint8Array): Promise<boolean> {
    assertBytes('surbId', surbId, SURB_ID_BYTES);
    const id = Buffer.from(surbId);
    return this.commit.submit(() => this.#removeId(id));
  }

  #removeId(id: Buffer): boolean {
    const v = this.#db.get(id);
    if (v === undefined) return false;
    this.#db.removeSync(id);
    const a = hex(v.subarray(0, ALIAS_BYTES));
    const n = (this.#perAlias.get(a) ?? 1) - 1;
    if (n <= 0) this.#perAlias.delete(a);
    else this.#perAlias.set(a, n);
    return true;
  }

  /** Remove expired registrations; resolves with the number removed once durable. */
  async sweepExpired(): Promise<number> {
    const now = this.#now();
    return this.commit.submit(() => this.#removeExpired(now));
  }

  #removeExpired(now: number): number {
    let n = 0;
    const expired: Buffer[] = [];
    for (const { key, value } of this.#db.getRange({})) {
      if (Number(value.readBigUInt64BE(ALIAS_BYTES)) <= now) expired.push(Buffer.from(key));
    }
    for (const key of expired) if (this.#removeId(key)) n++;
    return n;
  }

  /** Registered SURB ids of `alias`. */
  countFor(alias: Uint8Array): number {
    assertBytes('alias', alias, ALIAS_BYTES);
    return this.#perAlias.get(hex(alias)) ?? 0;
  }
}
