// Worker job for the benchmark's load generator: makes Sphinx packets along a fixed path, each
// with a fresh NodeDelay ~ Exp(mean) at the first hop (so every packet has its own replay tag).
import { randomBytes } from 'node:crypto';
import { createPacket, type PathHop } from 'sphinx-packet-ts';
import { geometryFromSpec, type GeometrySpec } from '@strata/core/node/unwrap-handler';
import type { WorkerHandler } from '@strata/core/node/worker-protocol';

export interface CreateInit {
  geometry: GeometrySpec;
  /** Hops as {id, publicKey} (hex); the first hop gets a NodeDelay, the last a Recipient. */
  hops: { id: string; publicKey: string }[];
  meanDelayMs: number;
}

export function createHandler(init: CreateInit): WorkerHandler<{ count: number }, { packets: ArrayBuffer[]; delaysMs: number[] }> {
  const g = geometryFromSpec(init.geometry);
  const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
  const hops = init.hops.map((h) => ({ id: hex(h.id), publicKey: hex(h.publicKey) }));
  return {
    run({ count }) {
      const packets: ArrayBuffer[] = [];
      const delaysMs: number[] = [];
      for (let n = 0; n < count; n++) {
        const delayMs = Math.min(Math.round(-Math.log(1 - Math.random()) * init.meanDelayMs), 10 * init.meanDelayMs);
        const path: PathHop[] = hops.map((h, i) => ({
          ...h,
          commands: i === hops.length - 1 ? [{ type: 'recipient', id: new Uint8Array(32).fill(1) }] : [{ type: 'nodeDelay', delayMs }],
        }));
        const p = createPacket(g, path, randomBytes(g.forwardPayloadLength));
        packets.push(p.buffer as ArrayBuffer);
        delaysMs.push(delayMs);
      }
      return { result: { packets, delaysMs }, transfer: packets };
    },
  };
}
