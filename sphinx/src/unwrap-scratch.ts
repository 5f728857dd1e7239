// Caller-owned scratch for unwrapPacketInto: every buffer a forward hop needs, allocated once per
// geometry in one backing store, so that unwrapping a packet allocates nothing packet-sized (with
// the libsodium engine the only off-heap allocation left is node:crypto's AES-CTR output). Key
// material is wiped after every call.
import { assertGeometry, type Geometry } from './geometry.js';
import { KDF_OUTPUT_LENGTH, MAC_LENGTH, REPLAY_TAG_LENGTH, X25519_KEY_LENGTH } from './constants.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Scratch buffers bound to one geometry. Reuse one per thread (a worker keeps one for its life);
 * not for concurrent use, which JS cannot do within one isolate anyway. Opaque to callers.
 */
export class UnwrapScratch {
  readonly geometry: Geometry;
  /** @internal routing info || P zero bytes (the tail is never written: stays zero). */
  readonly padded: Uint8Array;
  /** @internal the decrypted padded routing info. */
  readonly routing: Uint8Array;
  /** @internal shared secret, then key schedule (wiped after each call). */
  readonly secret: Uint8Array;
  readonly okm: Uint8Array;
  readonly okmNoBlinding: Uint8Array;
  readonly headerMac: Uint8Array;
  readonly headerKey: Uint8Array;
  readonly headerIv: Uint8Array;
  readonly payloadKey: Uint8Array;
  readonly blindingSeed: Uint8Array;
  readonly blindingScalar: Uint8Array;
  /** @internal the computed header MAC and replay tag. */
  readonly mac: Uint8Array;
  readonly replayTag: Uint8Array;

  /** @internal use createUnwrapScratch(). */
  constructor(g: Geometry) {
    assertGeometry(g);
    this.geometry = g;
    const routing = g.routingInfoLength + g.perHopRoutingInfoLength;
    const arena = new Uint8Array(new ArrayBuffer(2 * routing + X25519_KEY_LENGTH + KDF_OUTPUT_LENGTH + X25519_KEY_LENGTH + MAC_LENGTH + REPLAY_TAG_LENGTH));
    let at = 0;
    const take = (n: number) => arena.subarray(at, (at += n));
    this.padded = take(routing);
    this.routing = take(routing);
    this.secret = take(X25519_KEY_LENGTH);
    this.okm = take(KDF_OUTPUT_LENGTH);
    this.blindingScalar = take(X25519_KEY_LENGTH);
    this.mac = take(MAC_LENGTH);
    this.replayTag = take(REPLAY_TAG_LENGTH);
    // Katzenpost crypto.KDF layout: header MAC key 32 | header key 32 | header IV 16 | SPRP key 48 | blinding seed 32.
    this.okmNoBlinding = this.okm.subarray(0, KDF_OUTPUT_LENGTH - 32);
    this.headerMac = this.okm.subarray(0, 32);
    this.headerKey = this.okm.subarray(32, 64);
    this.headerIv = this.okm.subarray(64, 80);
    this.payloadKey = this.okm.subarray(80, 128);
    this.blindingSeed = this.okm.subarray(128, 160);
    Object.freeze(this);
  }

  /** @internal zeroes the key material (after every unwrap). */
  wipe(): void {
    this.secret.fill(0);
    this.okm.fill(0);
    this.blindingScalar.fill(0);
  }

  toJSON(): string {
    return '[UnwrapScratch]';
  }

  [INSPECT](): string {
    return `UnwrapScratch { ${this.geometry.toString()} }`;
  }
}

/** Scratch for unwrapPacketInto under geometry `g` (about 2 × routing info + 0.3 KB). */
export function createUnwrapScratch(g: Geometry): UnwrapScratch {
  return new UnwrapScratch(g);
}
