// Worker-side Sphinx unwrap of a BATCH of packets (loaded by worker-entry.ts through the WorkerPool):
// the main thread sends the packets of one event-loop turn in ONE ArrayBuffer and gets the results
// back in ONE ArrayBuffer, instead of a structured-cloned object and three transferred buffers per
// packet (≈ 40–60 µs of messaging and GC per packet across both threads, measured 2026-11-26).
// Each packet still goes through unwrap-handler.ts's `run` (same keys, epochs and reasons).
//
// Result layout (all offsets in bytes, `n` = count, `P` = packet length of the geometry):
//   [0, 16n)            per item: epoch (f64), NodeDelay in ms (f64, NaN = none)
//   [16n, 16n + n·S)    per item a slot of S = 32 + 32 + P bytes: replay tag ‖ next hop ‖ packet
// Only plain forward hops use their slot; failures and final-hop outcomes travel in `special`.
import { NODE_ID_LENGTH, REPLAY_TAG_LENGTH } from 'sphinx-packet-ts';
import { createHandler as createUnwrapHandler, geometryFromSpec, type UnwrapControl, type UnwrapInit, type UnwrapOutcome } from './unwrap-handler.js';
import type { WorkerHandler, WorkerReply } from './worker-protocol.js';

export interface UnwrapBatchJob {
  /** `count` Sphinx packets back to back; transferred into the worker. */
  packets: ArrayBuffer;
  count: number;
}

export interface UnwrapBatchResult {
  count: number;
  /** See the layout above; transferred back. */
  buf: ArrayBuffer;
  /** Items that are not plain forward hops (failures, final hops), by index in the batch. */
  special: { index: number; outcome: UnwrapOutcome }[];
}

/** Bytes of one result slot for `packetBytes`-byte packets. */
export function batchSlotBytes(packetBytes: number): number {
  return REPLAY_TAG_LENGTH + NODE_ID_LENGTH + packetBytes;
}

/** Byte offset of item `index`'s slot in a result of `count` items. */
export function batchSlotOffset(count: number, index: number, packetBytes: number): number {
  return 16 * count + index * batchSlotBytes(packetBytes);
}

export function createHandler(init: UnwrapInit): WorkerHandler<UnwrapBatchJob, UnwrapBatchResult, UnwrapControl> {
  const one = createUnwrapHandler(init);
  const packetBytes = geometryFromSpec(init.geometry).packetLength;
  return {
    run(job): WorkerReply<UnwrapBatchResult> {
      const count = job?.count;
      if (
        !(job?.packets instanceof ArrayBuffer) ||
        !Number.isSafeInteger(count) ||
        count < 1 ||
        job.packets.byteLength !== count * packetBytes
      ) {
        throw new RangeError('unwrap batch: packets must hold count whole packets');
      }
      const buf = new ArrayBuffer(batchSlotOffset(count, count, packetBytes));
      const head = new Float64Array(buf, 0, 2 * count);
      const bytes = new Uint8Array(buf);
      const special: UnwrapBatchResult['special'] = [];
      for (let i = 0; i < count; i++) {
        const o = one.run({ packet: job.packets.slice(i * packetBytes, (i + 1) * packetBytes) }).result;
        if (
          o.ok &&
          o.nextHop !== null &&
          o.packet !== null &&
          o.recipient === null &&
          o.payload === null &&
          o.surbId === null &&
          o.nextHop.length === NODE_ID_LENGTH &&
          o.replayTag.length === REPLAY_TAG_LENGTH &&
          o.packet.length === packetBytes
        ) {
          head[2 * i] = o.epoch;
          head[2 * i + 1] = o.delayMs ?? Number.NaN;
          const at = batchSlotOffset(count, i, packetBytes);
          bytes.set(o.replayTag, at);
          bytes.set(o.nextHop, at + REPLAY_TAG_LENGTH);
          bytes.set(o.packet, at + REPLAY_TAG_LENGTH + NODE_ID_LENGTH);
        } else {
          special.push({ index: i, outcome: o });
        }
      }
      return { result: { count, buf, special }, transfer: [buf] };
    },
    control(message) {
      one.control?.(message);
    },
  };
}

/** URL of this module for WorkerPool's `handlerUrl` (`.ts` from source, `.js` from dist). */
export function unwrapBatchHandlerUrl(): URL {
  return new URL(import.meta.url);
}
