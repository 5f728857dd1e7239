// Worker-side Sphinx unwrap job (loaded by worker-entry.ts through the WorkerPool).
// Keys of several epochs are held at once: the current one, the previous one during its grace
// period and the next one shortly before the boundary, so packets built by senders with a slightly
// different idea of the epoch still unwrap (Katzenpost's "out of epoch" drops under load: not here).
import {
  createUnwrapScratch,
  Geometry,
  InvalidPacketError,
  prepareNodeKey,
  unwrapPacketInto,
  type NodePrivateKey,
  type UnwrapIntoResult,
  type UnwrapScratch,
} from 'sphinx-packet-ts';
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

/** The node's Sphinx keys of the epochs in force, most likely first (set by UnwrapControl). */
export type EpochKeys = readonly { epoch: number; key: NodePrivateKey }[];

export function prepareEpochKeys(control: UnwrapControl): EpochKeys {
  return control.keys.map((k) => ({ epoch: k.epoch, key: prepareNodeKey(k.privateKey) }));
}

/**
 * Unwraps `packet` with the first key that authenticates it, writing a forward hop's next packet
 * into `out` (see sphinx-packet-ts unwrapPacketInto; `scratch` is reused across calls). The single
 * implementation behind both worker handlers.
 */
export function unwrapWithKeys(
  geometry: Geometry,
  keys: EpochKeys,
  packet: Uint8Array,
  out: Uint8Array,
  scratch: UnwrapScratch,
): { ok: true; epoch: number; r: UnwrapIntoResult } | { ok: false; reason: string } {
  if (keys.length === 0) return { ok: false, reason: 'no_key' };
  for (const { epoch, key } of keys) {
    try {
      return { ok: true, epoch, r: unwrapPacketInto(geometry, key, packet, out, scratch) };
    } catch (err) {
      if (err instanceof InvalidPacketError) {
        // Only a MAC mismatch depends on the key: try the next epoch's key.
        if (err.reason === 'mac') continue;
        return { ok: false, reason: err.reason };
      }
      return { ok: false, reason: 'unwrap_error' };
    }
  }
  return { ok: false, reason: 'mac' };
}

/** The outcome message of an unwrap (`packet`: the next packet of a forward hop, else null). */
export function outcomeOf(epoch: number, r: UnwrapIntoResult, packet: Uint8Array | null): UnwrapOutcome {
  return {
    ok: true,
    epoch,
    replayTag: r.replayTag,
    nextHop: r.nextHop,
    packet,
    delayMs: r.delayMs,
    recipient: r.recipient,
    payload: r.payload,
    surbReply: r.surbId !== null,
    surbId: r.surbId,
  };
}

export function createHandler(init: UnwrapInit): WorkerHandler<UnwrapJob, UnwrapOutcome, UnwrapControl> {
  const geometry = geometryFromSpec(init.geometry);
  const scratch = createUnwrapScratch(geometry);
  let keys: EpochKeys = [];
  return {
    run(job): WorkerReply<UnwrapOutcome> {
      if (!(job?.packet instanceof ArrayBuffer)) return { result: { ok: false, reason: 'length' } };
      const out = new Uint8Array(geometry.packetLength);
      const o = unwrapWithKeys(geometry, keys, new Uint8Array(job.packet), out, scratch);
      if (!o.ok) return { result: o };
      const result = outcomeOf(o.epoch, o.r, o.r.forwarded ? out : null);
      return { result, transfer: o.r.forwarded ? [out.buffer] : [] };
    },
    control(message) {
      keys = prepareEpochKeys(message);
    },
  };
}

/** URL of this module for WorkerPool's `handlerUrl` (`.ts` from source, `.js` from dist). */
export function unwrapHandlerUrl(): URL {
  return new URL(import.meta.url);
}
