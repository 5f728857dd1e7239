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

export class TagSet {
  private slots: Uint32Array;
  private bits: number;
  private mask: number;
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

  /** Bytes of the table itself (8 per slot). */
  get byteLength(): number {
    return this.slots.byteLength;
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
    if (this.n + 1 > TAG_SET_MAX_LOAD * (this.mask + 1) && this.bits < MAX_BITS) this.grow();
    if (!this.insert(lo, hi)) return false;
    this.n++;
    return true;
  }

  /** True if the tag (its first 8 bytes at `tag[offset]`) is present. */
  has(tag: Uint8Array, offset = 0): boolean {
    const lo = (tag[offset] | (tag[offset + 1] << 8) | (tag[offset + 2] << 16) | (tag[offset + 3] << 24)) >>> 0;
    const hi = (tag[offset + 4] | (tag[offset + 5] << 8) | (tag[offset + 6] << 16) | (tag[offset + 7] << 24)) >>> 0;
    if (lo === 0 && hi === 0) return this.zeroPresent;
    const s = this.slots;
    for (let i = this.index(lo, hi); ; i = (i + 1) & this.mask) {
      const a = s[2 * i];
      const b = s[2 * i + 1];
      if (a === 0 && b === 0) return false;
      if (a === lo && b === hi) return true;
    }
  }

  private index(lo: number, hi: number): number {
    // Multiply-shift (Dietzfelbinger et al.) over a 32-bit mix of the fingerprint.
    return Math.imul(lo ^ Math.imul(hi, this.m1), this.m2) >>> (32 - this.bits);
  }

  /** Places a non-zero fingerprint; false if present. The table always has a free slot here. */
  private insert(lo: number, hi: number): boolean {
    const s = this.slots;
    for (let i = this.index(lo, hi); ; i = (i + 1) & this.mask) {
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

  private grow(): void {
    const old = this.slots;
    this.bits++;
    this.mask = 2 ** this.bits - 1;
    this.slots = new Uint32Array(2 * 2 ** this.bits);
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i], old[i + 1]);
    }
  }
}
