// Memory ceiling of a mix: the packet buffers it may hold at once are bounded by
// `memoryCeilingBytes`, split between the delay queue (packets waiting for their NodeDelay) and the
// unwrap workers' queue. Beyond either bound a packet is dropped and counted ('queue_full',
// 'worker_queue_full'), so a flood costs a bounded amount of memory instead of an OOM kill.
// The rest of the ceiling is left for link send queues (link.maxQueuedBytes per peer), the V8 heap
// baseline and in-flight unwraps; the LMDB replay filter is memory-mapped and not counted here.
import type { MixNodeConfig } from './config.js';

/** Share of the ceiling for packets held in the delay queue. */
export const DELAY_QUEUE_SHARE = 0.6;
/** Share of the ceiling for packets waiting for an unwrap worker. */
export const WORKER_QUEUE_SHARE = 0.1;
/** Bytes a held packet costs besides its own bytes (queue entry, typed-array header, next hop). */
export const PER_PACKET_OVERHEAD_BYTES = 256;

export interface PacketBudget {
  /** Effective delayQueue.maxPackets: the configured value, lowered to fit the ceiling. */
  readonly delayQueuePackets: number;
  /** Effective workers.maxQueued: the configured value, lowered to fit the ceiling. */
  readonly workerQueuedPackets: number;
  /** True when the ceiling lowered either configured value. */
  readonly capped: boolean;
}

/** Packet bounds for `packetBytes`-byte packets under the config's memoryCeilingBytes (0: none). */
export function packetBudget(
  config: Pick<MixNodeConfig, 'memoryCeilingBytes' | 'delayQueue' | 'workers'>,
  packetBytes: number,
): PacketBudget {
  if (!Number.isSafeInteger(packetBytes) || packetBytes < 1) throw new RangeError('packetBytes: must be a positive integer');
  const configured = { delay: config.delayQueue.maxPackets, worker: config.workers.maxQueued };
  if (config.memoryCeilingBytes === 0) {
    return Object.freeze({ delayQueuePackets: configured.delay, workerQueuedPackets: configured.worker, capped: false });
  }
  const perPacket = packetBytes + PER_PACKET_OVERHEAD_BYTES;
  const delay = Math.min(configured.delay, Math.max(1, Math.floor((config.memoryCeilingBytes * DELAY_QUEUE_SHARE) / perPacket)));
  const worker = Math.min(configured.worker, Math.floor((config.memoryCeilingBytes * WORKER_QUEUE_SHARE) / perPacket));
  return Object.freeze({ delayQueuePackets: delay, workerQueuedPackets: worker, capped: delay < configured.delay || worker < configured.worker });
}
