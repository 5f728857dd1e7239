import { assertBytes, assertInteger } from './assert.js';
import { DecodeError } from './errors.js';

export const ALIAS_BYTES = 32;
export const MESSAGE_ID_BYTES = 8;
export const MESSAGE_KEY_BYTES = ALIAS_BYTES + MESSAGE_ID_BYTES;
/** Sequence numbers are `ms since epoch × SEQ_PER_MS + counter`, so the id carries its store time. */
export const SEQ_PER_MS = 1024;

/** A message id is its 8-byte big-endian sequence number; ids sort by store time within an alias. */
export function encodeMessageId(seq: number): Uint8Array {
  assertInteger('seq', seq, 0, Number.MAX_SAFE_INTEGER);
  const out = Buffer.alloc(MESSAGE_ID_BYTES);
  out.writeUIntBE(Math.floor(seq / 2 ** 32), 0, 4);
  out.writeUInt32BE(seq % 2 ** 32, 4);
  return out;
}

export function decodeMessageId(id: Uint8Array): number {
  if (!(id instanceof Uint8Array) || id.length !== MESSAGE_ID_BYTES) throw new DecodeError(`message id: must be ${MESSAGE_ID_BYTES} bytes`);
  const b = Buffer.from(id.buffer, id.byteOffset, id.length);
  const hi = b.readUInt32BE(0);
  if (hi >= 2 ** 21) throw new DecodeError('message id: out of range');
  return hi * 2 ** 32 + b.readUInt32BE(4);
}

/** LMDB key of a message: alias(32) ‖ id(8). */
export function messageKey(alias: Uint8Array, id: Uint8Array): Buffer {
  assertBytes('alias', alias, ALIAS_BYTES);
  assertBytes('id', id, MESSAGE_ID_BYTES);
  return Buffer.concat([alias, id]);
}

/** Bounds [start, end) covering every message key of `alias`. */
export function aliasRange(alias: Uint8Array): { start: Buffer; end: Buffer } {
  assertBytes('alias', alias, ALIAS_BYTES);
  return { start: Buffer.concat([alias, Buffer.alloc(MESSAGE_ID_BYTES, 0)]), end: Buffer.concat([alias, Buffer.alloc(MESSAGE_ID_BYTES, 0xff)]) };
}

/** Time (ms since epoch) at which the message with this sequence number was stored. */
export function seqTimeMs(seq: number): number {
  return Math.floor(seq / SEQ_PER_MS);
}

/** Monotonic sequence source; `floor` is the highest sequence already used (from disk at start). */
export class SequenceSource {
  #last: number;
  constructor(floor = 0, private readonly now: () => number = Date.now) {
    this.#last = floor;
  }
  next(): number {
    this.#last = Math.max(this.#last + 1, this.now() * SEQ_PER_MS);
    return this.#last;
  }
  observe(seq: number): void {
    if (seq > this.#last) this.#last = seq;
  }
}
