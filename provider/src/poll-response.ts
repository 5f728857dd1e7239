import { randomFillSync } from 'node:crypto';
import { assertArray, assertBytes, assertInteger } from './assert.js';
import { ProviderValidationError } from './errors.js';
import { POLL_RESPONSE_HEADER_BYTES, POLL_RESPONSE_MAGIC, pollResponseBytes, type PollResponse } from '@strata/core/provider-protocol';
import { MESSAGE_ID_BYTES } from './message-key.js';

/**
 * Fixed-size poll response (Loopix §4.2: a pull always returns the same number of messages, padded
 * with dummies). Layout, all integers big-endian:
 *
 *   magic "SPR1" (4) ‖ entries u16 ‖ messageBytes u16 ‖ more u8 ‖ reserved u8
 *   ‖ entries × ( kind u8 (1 = real, 0 = dummy) ‖ id (8) ‖ payload (messageBytes) )
 *
 * Dummies carry a random id and a random payload, so every response of a provider has the same
 * length. The `kind` byte is only visible inside the channel's encryption (TLS for direct polls,
 * the SURB payload encryption for anonymous polls next round).
 */
// The layout (magic, header, entry kinds and sizes) is shared with client-lib: @strata/core/provider-protocol.
export { POLL_RESPONSE_HEADER_BYTES, POLL_RESPONSE_MAGIC, pollResponseBytes, decodePollResponse, type PollEntry, type PollResponse } from '@strata/core/provider-protocol';

/**
 * Builds one fixed-size response in place: `add` copies real entries straight into the output,
 * `finish` pads the rest with dummies. (The poll hot path uses this to avoid a second copy.)
 */
export class PollResponseWriter {
  readonly #out: Buffer;
  #count = 0;
  #off = POLL_RESPONSE_HEADER_BYTES;

  constructor(readonly entries: number, readonly messageBytes: number) {
    assertInteger('entries', entries, 1, 65535);
    assertInteger('messageBytes', messageBytes, 1, 65535);
    this.#out = Buffer.allocUnsafe(pollResponseBytes(entries, messageBytes));
    this.#out.set(POLL_RESPONSE_MAGIC, 0);
    this.#out.writeUInt16BE(entries, 4);
    this.#out.writeUInt16BE(messageBytes, 6);
  }

  get full(): boolean {
    return this.#count === this.entries;
  }

  get count(): number {
    return this.#count;
  }

  add(id: Uint8Array, payload: Uint8Array): void {
    if (this.full) throw new ProviderValidationError('bad_length', `entries: at most ${this.entries}`);
    assertBytes('id', id, MESSAGE_ID_BYTES);
    assertBytes('payload', payload, this.messageBytes);
    this.#out[this.#off] = 1;
    this.#out.set(id, this.#off + 1);
    this.#out.set(payload, this.#off + 1 + MESSAGE_ID_BYTES);
    this.#off += 1 + MESSAGE_ID_BYTES + this.messageBytes;
    this.#count++;
  }

  finish(more: boolean): Buffer {
    this.#out[8] = more ? 1 : 0;
    this.#out[9] = 0;
    for (; this.#count < this.entries; this.#count++) {
      this.#out[this.#off] = 0;
      randomFillSync(this.#out, this.#off + 1, MESSAGE_ID_BYTES + this.messageBytes);
      this.#off += 1 + MESSAGE_ID_BYTES + this.messageBytes;
    }
    return this.#out;
  }
}

export function encodePollResponse(res: PollResponse, entries: number, messageBytes: number): Buffer {
  const w = new PollResponseWriter(entries, messageBytes);
  assertArray('res.entries', res.entries, entries);
  res.entries.forEach((e, i) => {
    assertBytes(`res.entries[${i}].id`, e.id, MESSAGE_ID_BYTES);
    assertBytes(`res.entries[${i}].payload`, e.payload, messageBytes);
    w.add(e.id, e.payload);
  });
  return w.finish(res.more);
}

