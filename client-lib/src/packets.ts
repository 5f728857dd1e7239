// Building the Sphinx packets a client sends (docs/spec/payload.md §1–3): real messages, λP/λD drops
// and λL loops all have the same size and the same forward-payload layout; each carries a SURB-ACK.
import { sphinxKeyFor, type Consensus, type SignedDescriptor } from '@strata/core';
import { sampleHopDelays, selectPath, type Rng, type Topology } from '@strata/core/sched/index';
import { AD_LENGTH, createPacket, createSurb, defaultBackend, type Command, type CreateOptions, type Geometry, type PathHop } from 'sphinx-packet-ts';
import { assertBytes } from './assert.js';
import { ctEqual } from './bytes.js';
import { ClientError } from './errors.js';

/** payload.md §2: flags bit 0 = a SURB-ACK is present. */
export const FLAG_SURB_ACK = 0x01;
/** Katzenpost's plaintext header: flags(1) ‖ reserved(1). */
export const FORWARD_HEADER_BYTES = 2;
export const SURB_ID_BYTES = 16;
export const RECIPIENT_ID_BYTES = 32;

export interface RouteNode {
  readonly id: Uint8Array;
  /** The node's Sphinx public key for the epoch of the view. */
  readonly sphinxKey: Uint8Array;
}

/** What path selection needs from a verified consensus, for one epoch. */
export interface RoutingView extends Topology<RouteNode> {
  readonly epoch: number;
  /** This client's provider (first hop of every packet, last hop of loops and SURB-ACKs). */
  readonly home: RouteNode;
  /** μ per ms: each hop's delay ~ Exp(μ). */
  readonly muPerMs: number;
  readonly maxDelayMs: number;
}

function routeNode(d: SignedDescriptor, epoch: number): RouteNode | undefined {
  const key = sphinxKeyFor(d.descriptor, epoch);
  return key ? Object.freeze({ id: d.descriptor.nodeId, sphinxKey: key }) : undefined;
}

/** The routing view of a consensus for `epoch` (nodes without a key for it are left out). */
export function routingView(c: Consensus, homeProviderId: Uint8Array, epoch: number = c.epoch): RoutingView {
  assertBytes(homeProviderId, 'homeProviderId', 32);
  const providers = c.providers.map((d) => routeNode(d, epoch)).filter((n): n is RouteNode => n !== undefined);
  const layers = c.layers.map((l) => l.map((d) => routeNode(d, epoch)).filter((n): n is RouteNode => n !== undefined));
  const home = providers.find((p) => ctEqual(p.id, homeProviderId));
  if (!home) throw new ClientError('no-route', 'our provider is not in the consensus');
  if (layers.length === 0 || layers.some((l) => l.length === 0)) throw new ClientError('no-route', 'a mix layer of the consensus is empty');
  return Object.freeze({ epoch, home, providers, layers, muPerMs: c.params.muPerSecond / 1000, maxDelayMs: c.params.maxDelayMs });
}

export function findProvider(view: RoutingView, nodeId: Uint8Array): RouteNode | undefined {
  return view.providers.find((p) => ctEqual(p.id, nodeId));
}

export interface SurbAck {
  readonly surbId: Uint8Array;
  /** Secret: decrypts the ACK (decryptSurbPayload). */
  readonly surbKeys: Uint8Array;
}

export interface BuiltPacket {
  readonly packet: Uint8Array;
  readonly ack: SurbAck;
  /** Node ids of the mixes on the forward and the SURB-ACK route (MixHealth blames or clears them). */
  readonly mixes: readonly Uint8Array[];
}

export interface PacketFactoryOptions {
  readonly geometry: Geometry;
  readonly rng: Rng;
  /** Sphinx backend and randomness (defaults: the package's default backend, crypto randomness). */
  readonly sphinx?: CreateOptions;
}

/**
 * Builds packets over a routing view. Paths: own provider → one mix per layer → destination
 * (Loopix §4, stratified); delays Exp(μ) on every hop but the last (payload.md §1). The SURB-ACK
 * route is L1 → L2 → L3 → own provider with `Recipient(ackAlias)` + `SURBReply(surbId)` (§3).
 */
export class PacketFactory {
  readonly #g: Geometry;
  readonly #rng: Rng;
  readonly #sphinx: CreateOptions | undefined;
  #view: RoutingView;

  constructor(view: RoutingView, options: PacketFactoryOptions) {
    this.#view = view;
    this.#g = options.geometry;
    this.#rng = options.rng;
    this.#sphinx = options.sphinx;
  }

  get view(): RoutingView {
    return this.#view;
  }

  /** Switch to a new epoch's view (keys rotate with the epoch). */
  setView(view: RoutingView): void {
    this.#view = view;
  }

  /** Bytes of the body (what the destination provider stores): g.userForwardPayloadLength. */
  get bodyBytes(): number {
    return this.#g.userForwardPayloadLength;
  }

  /** A uniformly chosen provider (λD drops). */
  randomProvider(): RouteNode {
    const p = this.#view.providers;
    return p[this.#rng.int(p.length)];
  }

  #hops(nodes: readonly RouteNode[], last: Command[]): PathHop[] {
    const delays = sampleHopDelays(this.#view.muPerMs, nodes.length - 1, this.#rng, this.#view.maxDelayMs);
    return nodes.map((n, i) => ({
      id: n.id,
      publicKey: n.sphinxKey,
      commands: i === nodes.length - 1 ? last : [{ type: 'nodeDelay', delayMs: Math.round(delays[i]) }],
    }));
  }

  /** A packet to `recipient` (32-byte alias) at `destination`, carrying `body`, with a SURB-ACK to `ackAlias`. */
  build(destination: RouteNode, recipient: Uint8Array, body: Uint8Array, ackAlias: Uint8Array, surbId: Uint8Array): BuiltPacket {
    const g = this.#g;
    assertBytes(recipient, 'recipient', RECIPIENT_ID_BYTES);
    assertBytes(body, 'body', g.userForwardPayloadLength);
    assertBytes(ackAlias, 'ackAlias', RECIPIENT_ID_BYTES);
    assertBytes(surbId, 'surbId', SURB_ID_BYTES);
    const view = this.#view;
    // SURB-ACK (payload.md §3): the mixes, then back to our provider.
    const ackRoute = selectPath(view, this.#rng, { from: view.home, to: view.home }).slice(1);
    const surb = createSurb(g, this.#hops(ackRoute, [{ type: 'recipient', id: ackAlias }, { type: 'surbReply', id: surbId }]), this.#sphinx);
    // payload.md §2: flags ‖ reserved ‖ SURB-ACK ‖ body
    const payload = new Uint8Array(g.forwardPayloadLength);
    payload[0] = FLAG_SURB_ACK;
    payload.set(surb.surb, FORWARD_HEADER_BYTES);
    payload.set(body, FORWARD_HEADER_BYTES + g.surbLength);
    const route = selectPath(view, this.#rng, { from: view.home, to: destination });
    const packet = createPacket(g, this.#hops(route, [{ type: 'recipient', id: recipient }]), payload, this.#sphinx);
    const mixes = [...route.slice(1, -1), ...ackRoute.slice(0, -1)].map((n) => n.id);
    return { packet, ack: { surbId, surbKeys: surb.surbKeys }, mixes };
  }

  /**
   * A drop (a λP tick with nothing queued, or λD) to `recipient` at `destination`: the same route,
   * delays, size and payload layout as build(), but the SURB-ACK slot holds a decoy SURB. Nobody can
   * use a drop's SURB: the destination provider discards the packet (no such alias) and sends no
   * ACK. Only that provider ever decrypts the slot (every hop before it sees AEZ ciphertext), and the
   * decoy reads like a real SURB without the first mix's private key: a version-0 header whose group
   * element is a real X25519 public key (on the curve, top bit clear), random routing information and
   * MAC (a real one is AES-CTR ciphertext and an HMAC), a real layer-1 node id as the first hop, and
   * random payload key material. It saves the 4-hop SURB's key schedule (8 X25519 of the ~18 per packet).
   */
  buildDrop(destination: RouteNode, recipient: Uint8Array, body: Uint8Array): Uint8Array {
    const g = this.#g;
    assertBytes(recipient, 'recipient', RECIPIENT_ID_BYTES);
    assertBytes(body, 'body', g.userForwardPayloadLength);
    const view = this.#view;
    // payload.md §2: flags ‖ reserved ‖ SURB-ACK ‖ body, with the decoy in the SURB-ACK slot
    const payload = new Uint8Array(g.forwardPayloadLength);
    payload[0] = FLAG_SURB_ACK;
    this.#decoySurbInto(payload.subarray(FORWARD_HEADER_BYTES, FORWARD_HEADER_BYTES + g.surbLength), view);
    payload.set(body, FORWARD_HEADER_BYTES + g.surbLength);
    const route = selectPath(view, this.#rng, { from: view.home, to: destination });
    return createPacket(g, this.#hops(route, [{ type: 'recipient', id: recipient }]), payload, this.#sphinx);
  }

  // Katzenpost surb.go layout: header (AD ‖ group element ‖ routing info ‖ MAC) ‖ first-hop id ‖ key material.
  #decoySurbInto(out: Uint8Array, view: RoutingView): void {
    const g = this.#g;
    const backend = this.#sphinx?.backend ?? defaultBackend();
    const random = this.#sphinx?.random ?? ((n: number) => backend.randomBytes(n));
    out.set(random(out.length)); // routing info, MAC, key material: random, as their real counterparts look
    out.fill(0, 0, AD_LENGTH); // header version 0x0000
    const scalar = random(32);
    out.set(backend.x25519Base(backend.importScalar(scalar)), AD_LENGTH); // Sphinx §3.2: alpha_0 = x·G
    scalar.fill(0);
    const layer1 = view.layers[0];
    out.set(layer1[this.#rng.int(layer1.length)].id, g.headerLength); // first hop: a mix of layer 1
  }
}
