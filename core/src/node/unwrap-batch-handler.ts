// Worker-side Sphinx unwrap of a BATCH of packets (loaded by worker-entry.ts through the WorkerPool):
// the main thread sends the packets of one event-loop turn in ONE ArrayBuffer and gets the results
// back in ONE ArrayBuffer, instead of a structured-cloned object and three transferred buffers per
// packet (≈ 40–60 µs of messaging and GC per packet across both threads, measured 2026-11-26).
// Each packet goes through unwrap-handler.ts's `unwrapWithKeys` (same keys, epochs and reasons),
// read in place from the job's buffer and unwrapped straight into its result slot: nothing
// packet-sized is allocated per packet (sphinx-packet-ts unwrapPacketInto and a reused scratch).
//
// Result layout (all offsets in bytes, `n` = count, `P` = packet length of the geometry):
//   [0, 16n)            per item: epoch (f64), NodeDelay in ms (f64, NaN = none)
//   [16n, 16n + n·S)    per item a slot of S = 32 + 32 + P bytes: replay tag ‖ next hop ‖ packet
// Only plain forward hops use their slot; failures and final-hop outcomes travel in `special`.
import { createUnwrapScratch, NODE_ID_LENGTH, REPLAY_TAG_LENGTH } from 'sphinx-packet-ts';
import {
  geometryFromSpec,
  outcomeOf,
  prepareEpochKeys,
  unwrapWithKeys,
  type EpochKeys,
  type UnwrapControl,
  type UnwrapInit,
  type UnwrapOutcome,
} from './unwrap-handler.js';
import type { WorkerHandler, WorkerReply } from './worker-protocol.js';

export interface UnwrapBatchJob {
  /** `count` Sphinx packets back to back (the buffer may be longer); transferred into the worker. */
  packets: ArrayBuffer;
  count: number;
  /**
   * A buffer for the result, reused from an earlier batch (transferred in; used when it holds at
   * least batchSlotOffset(count, count, P) bytes, else a new one is allocated, sized for as many
   * packets as `packets` can hold).
   */
  out?: ArrayBuffer;
}

export interface UnwrapBatchResult {
  count: number;
  /** See the layout above; transferred back. */
  buf: ArrayBuffer;
  /** The job's `packets` buffer, transferred back for reuse. */
  packets: ArrayBuffer;
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
  const geometry = geometryFromSpec(init.geometry);
  const packetBytes = geometry.packetLength;
  const scratch = createUnwrapScratch(geometry);
  let keys: EpochKeys = [];
  return {
    run(job): WorkerReply<UnwrapBatchResult> {
      const count = job?.count;
      if (
        !(job?.packets instanceof ArrayBuffer) ||
        !Number.isSafeInteger(count) ||
        count < 1 ||
        job.packets.byteLength < count * packetBytes
      ) {
        throw new RangeError('unwrap batch: packets must hold count whole packets');
      }
      const input = new Uint8Array(job.packets);
      const need = batchSlotOffset(count, count, packetBytes);
      // A new result buffer is sized for as many packets as the input buffer holds, so that the
      // main thread can reuse it for a full batch later.
      const capacity = Math.floor(job.packets.byteLength / packetBytes);
      const buf = job.out instanceof ArrayBuffer && job.out.byteLength >= need ? job.out : new ArrayBuffer(batchSlotOffset(capacity, capacity, packetBytes));
      const head = new Float64Array(buf, 0, 2 * count);
      const bytes = new Uint8Array(buf);
      const special: UnwrapBatchResult['special'] = [];
      for (let i = 0; i < count; i++) {
        const at = batchSlotOffset(count, i, packetBytes);
        const out = bytes.subarray(at + REPLAY_TAG_LENGTH + NODE_ID_LENGTH, at + REPLAY_TAG_LENGTH + NODE_ID_LENGTH + packetBytes);
        const o = unwrapWithKeys(geometry, keys, input.subarray(i * packetBytes, (i + 1) * packetBytes), out, scratch);
        if (!o.ok) {
          out.fill(0); // whatever a failed unwrap wrote stays in this worker
          special.push({ index: i, outcome: o });
          continue;
        }
        const r = o.r;
        if (
          r.forwarded &&
          r.nextHop !== null &&
          r.recipient === null &&
          r.payload === null &&
          r.surbId === null &&
          r.nextHop.length === NODE_ID_LENGTH &&
          r.replayTag.length === REPLAY_TAG_LENGTH
        ) {
          head[2 * i] = o.epoch;
          head[2 * i + 1] = r.delayMs ?? Number.NaN;
          bytes.set(r.replayTag, at);
          bytes.set(r.nextHop, at + REPLAY_TAG_LENGTH);
        } else {
          special.push({ index: i, outcome: outcomeOf(o.epoch, r, r.forwarded ? out.slice() : null) });
        }
      }
      return { result: { count, buf, special, packets: job.packets }, transfer: [buf, job.packets] };
    },
    control(message) {
      keys = prepareEpochKeys(message);
    },
  };
}

/** URL of this module for WorkerPool's `handlerUrl` (`.ts` from source, `.js` from dist). */
export function unwrapBatchHandlerUrl(): URL {
  return new URL(import.meta.url);
}
