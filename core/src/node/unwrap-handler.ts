// Worker-side Sphinx unwrap job (loaded by worker-entry.ts through the WorkerPool).
// Keys of several epochs are held at once: the current one, the previous one during its grace
// period and the next one shortly before the boundary, so packets built by senders with a slightly
// different idea of the epoch still unwrap (Katzenpost's "out of epoch" drops under load: not here).
import { Geometry, InvalidPacketError, prepareNodeKey, unwrapPacket, type NodePrivateKey } from 'sphinx-packet-ts';
import type { WorkerHandler, WorkerReply } from './worker-protocol.js';

export interface GeometrySpec {
  kind: 'nike' | 'kem';
  nrHops: number;
  userForwardPayloadLength: number;
  withSurb: boolean;
}

export function geometryFromSpec(spec: GeometrySpec): Geometry {
  const o = { nrHops: spec.nrHops, userForwardPayloadLength: spec.userForwardPayloadLength, withSurb: spec.withSurb };
  return spec.kind === 'kem' ? Geometry.kem(o) : Geometry.nike(o);
}

export function specOfGeometry(g: Geometry): GeometrySpec {
  return { kind: g.kind, nrHops: g.nrHops, userForwardPayloadLength: g.userForwardPayloadLength, withSurb: g.withSurb };
}

export interface UnwrapInit {
  geometry: GeometrySpec;
}

/** The Sphinx private keys to try, most likely first (full state: replaces the previous set). */
export interface UnwrapControl {
  keys: { epoch: number; privateKey: Uint8Array }[];
}

export interface UnwrapJob {
  /** Exactly one Sphinx packet; transferred into the worker. */
  packet: ArrayBuffer;
}

export type UnwrapOutcome =
  | {
      ok: true;
      /** Epoch of the key that unwrapped the packet (the replay filter table to use). */
      epoch: number;
      replayTag: Uint8Array;
      nextHop: Uint8Array | null;
      packet: Uint8Array | null;
      delayMs: number | null;
      recipient: Uint8Array | null;
      payload: Uint8Array | null;
      surbReply: boolean;
      /** SURB id of a SURB reply's last hop (SURBReply command), else null. */
      surbId: Uint8Array | null;
    }
  | { ok: false; reason: string };

function tight(u: Uint8Array | null, transfer: ArrayBuffer[]): Uint8Array | null {
  if (u === null) return null;
  const own = u.byteOffset === 0 && u.byteLength === u.buffer.byteLength && u.buffer instanceof ArrayBuffer && !transfer.includes(u.buffer);
  // A Buffer's slice() is a view (no copy): copy with Uint8Array's slice, never transfer a shared pool.
  const out = own ? u : Uint8Array.prototype.slice.call(u);
  transfer.push(out.buffer as ArrayBuffer);
  return out;
}

export function createHandler(init: UnwrapInit): WorkerHandler<UnwrapJob, UnwrapOutcome, UnwrapControl> {
  const geometry = geometryFromSpec(init.geometry);
  let keys: { epoch: number; key: NodePrivateKey }[] = [];
  return {
    run(job): WorkerReply<UnwrapOutcome> {
      if (!(job?.packet instanceof ArrayBuffer)) return { result: { ok: false, reason: 'length' } };
      const packet = new Uint8Array(job.packet);
      if (keys.length === 0) return { result: { ok: false, reason: 'no_key' } };
      for (const { epoch, key } of keys) {
        try {
          const r = unwrapPacket(geometry, key, packet);
          const transfer: ArrayBuffer[] = [];
          const result: UnwrapOutcome = {
            ok: true,
            epoch,
            replayTag: tight(r.replayTag, transfer) as Uint8Array,
            nextHop: tight(r.nextHop, transfer),
            packet: tight(r.packet, transfer),
            delayMs: r.delayMs,
            recipient: tight(r.recipient, transfer),
            payload: tight(r.payload, transfer),
            surbReply: r.surbId !== null,
            surbId: tight(r.surbId, transfer),
          };
          return { result, transfer };
        } catch (err) {
          if (err instanceof InvalidPacketError) {
            // Only a MAC mismatch depends on the key: try the next epoch's key.
            if (err.reason === 'mac') continue;
            return { result: { ok: false, reason: err.reason } };
          }
          return { result: { ok: false, reason: 'unwrap_error' } };
        }
      }
      return { result: { ok: false, reason: 'mac' } };
    },
    control(message) {
      keys = message.keys.map((k) => ({ epoch: k.epoch, key: prepareNodeKey(k.privateKey) }));
    },
  };
}

/** URL of this module for WorkerPool's `handlerUrl` (`.ts` from source, `.js` from dist). */
export function unwrapHandlerUrl(): URL {
  return new URL(import.meta.url);
}
