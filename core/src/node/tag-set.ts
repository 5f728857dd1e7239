// In-memory set of replay tags for one Sphinx key epoch: the replay filter's fast path
// (replay-filter.ts keeps the durable copy in LMDB). Open addressing with linear probing over one
// Uint32Array; a slot holds a tag's first 8 bytes (its fingerprint), (0, 0) marks an empty slot.
//
// Why 8 bytes are enough: tags are SHA-512/256 outputs (Sphinx §3.3), so a fresh tag shares a
// stored fingerprint with probability n / 2⁶⁴ (< 2⁻³⁹ with 20 M tags): the only error is a fresh
// packet dropped as a replay, never a replay let through (equal tags have equal fingerprints).
// Katzenpost's mix keys keep a Bloom filter in front of their BoltDB for the same reason.
//
// The slot index comes from the fingerprint through a multiply-shift hash with random odd
// multipliers drawn per table: a sender can choose its alpha, hence its tag, but not where it lands
// in a table it cannot see, so it cannot build long probe chains.
import { randomFillSync } from 'node:crypto';

/** Load factor above which the table doubles. */
export const TAG_SET_MAX_LOAD = 0.75;
const MIN_BITS = 10;
const MAX_BITS = 30;

/** Old slots moved to the new table per add while the table grows (growth never stalls an add). */
const MIGRATE_SLOTS_PER_ADD = 8;

export class TagSet {
  private slots: Uint32Array;
  private bits: number;
  private mask: number;
  /** While growing: the previous table (read-only) and the next of its slots to move. */
  private old: Uint32Array | null = null;
  private oldBits = 0;
  private oldMask = 0;
  private migrated = 0;
  private readonly m1: number;
  private readonly m2: number;
  private zeroPresent = false;
  private n = 0;

  constructor(expected = 0) {
    let bits = MIN_BITS;
    while (bits < MAX_BITS && expected > TAG_SET_MAX_LOAD * 2 ** bits) bits++;
    this.bits = bits;
    this.mask = 2 ** bits - 1;
    this.slots = new Uint32Array(2 * 2 ** bits);
    const r = new Uint32Array(2);
    randomFillSync(r);
    this.m1 = r[0] | 1;
    this.m2 = r[1] | 1;
  }

  /** Tags held. */
  get size(): number {
    return this.n;
  }

  /** Bytes of the table(s) (8 per slot; both tables while growing). */
  get byteLength(): number {
    return this.slots.byteLength + (this.old?.byteLength ?? 0);
  }

  /** Adds the tag whose first 8 bytes start at `tag[offset]`; false if it was already present. */
  add(tag: Uint8Array, offset = 0): boolean {
    const lo = (tag[offset] | (tag[offset + 1] << 8) | (tag[offset + 2] << 16) | (tag[offset + 3] << 24)) >>> 0;
    const hi = (tag[offset + 4] | (tag[offset + 5] << 8) | (tag[offset + 6] << 16) | (tag[offset + 7] << 24)) >>> 0;
    if (lo === 0 && hi === 0) {
      if (this.zeroPresent) return false;
      this.zeroPresent = true;
      this.n++;
      return true;
    }
    if (this.old === null && this.n + 1 > TAG_SET_MAX_LOAD * (this.mask + 1) && this.bits < MAX_BITS) this.startGrowth();
    if (this.old !== null) {
      if (this.find(this.old, this.oldBits, this.oldMask, lo, hi)) return false;
      this.migrate();
    }
    if (!this.insert(lo, hi)) return false;
    this.n++;
    return true;
  }

  /** True if the tag (its first 8 bytes at `tag[offset]`) is present. */
  has(tag: Uint8Array, offset = 0): boolean {
    const lo = (tag[offset] | (tag[offset + 1] << 8) | (tag[offset + 2] << 16) | (tag[offset + 3] << 24)) >>> 0;
    const hi = (tag[offset + 4] | (tag[offset + 5] << 8) | (tag[offset + 6] << 16) | (tag[offset + 7] << 24)) >>> 0;
    if (lo === 0 && hi === 0) return this.zeroPresent;
    if (this.find(this.slots, this.bits, this.mask, lo, hi)) return true;
    return this.old !== null && this.find(this.old, this.oldBits, this.oldMask, lo, hi);
  }

  private index(lo: number, hi: number, bits: number): number {
    // Multiply-shift (Dietzfelbinger et al.) over a 32-bit mix of the fingerprint.
    return Math.imul(lo ^ Math.imul(hi, this.m1), this.m2) >>> (32 - bits);
  }

  private find(s: Uint32Array, bits: number, mask: number, lo: number, hi: number): boolean {
    for (let i = this.index(lo, hi, bits); ; i = (i + 1) & mask) {
      const a = s[2 * i];
      const b = s[2 * i + 1];
      if (a === 0 && b === 0) return false;
      if (a === lo && b === hi) return true;
    }
  }

  /** Places a non-zero fingerprint in the current table; false if present there. */
  private insert(lo: number, hi: number): boolean {
    const s = this.slots;
    for (let i = this.index(lo, hi, this.bits); ; i = (i + 1) & this.mask) {
      const a = s[2 * i];
      const b = s[2 * i + 1];
      if (a === 0 && b === 0) {
        s[2 * i] = lo;
        s[2 * i + 1] = hi;
        return true;
      }
      if (a === lo && b === hi) return false;
    }
  }

  /**
   * Doubles the table incrementally: the old one stays readable (lookups try both) and each add
   * moves MIGRATE_SLOTS_PER_ADD of its slots, so no single add copies the whole set (a 20 M-tag
   * table would otherwise stall the event loop for seconds). The move ends long before the new
   * table reaches its own load limit (after old capacity / 8 adds, at load ≤ 0.44).
   */
  private startGrowth(): void {
    this.old = this.slots;
    this.oldBits = this.bits;
    this.oldMask = this.mask;
    this.migrated = 0;
    this.bits++;
    this.mask = 2 ** this.bits - 1;
    this.slots = new Uint32Array(2 * 2 ** this.bits);
  }

  private migrate(): void {
    const old = this.old!;
    const end = Math.min(this.oldMask + 1, this.migrated + MIGRATE_SLOTS_PER_ADD);
    for (let i = this.migrated; i < end; i++) {
      if (old[2 * i] !== 0 || old[2 * i + 1] !== 0) this.insert(old[2 * i], old[2 * i + 1]);
    }
    this.migrated = end;
    if (end === this.oldMask + 1) this.old = null;
  }
}
