// A stand-in for the parts of the mixnet that do not exist yet in this round (provider ingress on the
// link, mix forwarding, provider egress and SURB-ACK sending): real directory authorities (child
// processes) publish a real signed consensus naming the real provider and three mixes whose Sphinx
// keys this file holds; a real link listener with the provider's link key receives the client's
// packets; each packet is unwrapped hop by hop with real Sphinx crypto, the body is stored in the real
// provider through its admin listener (exactly what egress does), and the SURB-ACK is turned into a
// reply, unwrapped along its route and stored for the ack alias as `surbId ‖ reply` (client.md §10).
// Delays are not waited for: this tests the client, not mixing.
import { blake2b } from '@noble/hashes/blake2.js';
import { Ed25519Signer, EpochClock, createDescriptor, signDescriptor, toHex, uploadDescriptor, type NetworkParams, type NodeRole } from '@strata/core';
import { createLinkListener, linkKeyPairFromPrivateKey, type LinkConnection, type LinkListener } from '@strata/core/link/index';
import { frameBytesForBody } from '@strata/core/link/config';
import { LocalAuthorities, scheduleFor } from '@strata/directory';
import { DEFAULT_GEOMETRY, geometryHash, packetFromSurb, publicKeyFromPrivate, unwrapPacket, type UnwrapResult } from 'sphinx-packet-ts';
import { FORWARD_HEADER_BYTES, FLAG_SURB_ACK } from '../src/packets.js';
import { adminStore, providerKeys, startProvider, type RunningProvider } from './net-fixtures.js';

const g = DEFAULT_GEOMETRY;
const enc = new TextEncoder();
export const EPOCH_MS = 6000;
const SCHEDULE = { uploadCloseBeforeEpochMs: 3000, votePhaseMs: 600, revealPhaseMs: 600, signPhaseMs: 600, tickMs: 20 };
const UPLOAD_MARGIN_MS = 600;

/** Fast Loopix parameters so that tests finish in seconds. */
export const TEST_NETWORK_PARAMS = Object.freeze({ muPerSecond: 20, lambdaPPerSecond: 12, lambdaLPerSecond: 2, lambdaDPerSecond: 2, lambdaMPerSecond: 1, maxDelayMs: 1000 });

interface StandInNode {
  readonly label: string;
  readonly role: NodeRole;
  readonly signer: Ed25519Signer;
  readonly linkKey: Uint8Array;
  readonly linkAddress: string;
  readonly clientApiUrl?: string;
}

function secret(label: string): Uint8Array {
  return blake2b(enc.encode(`strata-client-test/${label}`), { dkLen: 32 });
}

function sphinxSecret(node: StandInNode, epoch: number): Uint8Array {
  return secret(`sphinx/${node.label}/${epoch}`);
}

export interface StandInCounts {
  packets: number;
  packetBytes: Set<number>;
  stored: number;
  refused: number;
  acksStored: number;
  failures: number;
}

export class NetworkStandIn {
  readonly counts: StandInCounts = { packets: 0, packetBytes: new Set(), stored: 0, refused: 0, acksStored: 0, failures: 0 };
  /** Every packet as it reached the provider link (arrival order), for the wire-pattern tests. */
  readonly arrivals: Uint8Array[] = [];
  readonly connections: LinkConnection[] = [];
  #nodes = new Map<string, StandInNode>();
  /** Node id of the second provider (in the consensus, no API): destinations whose packets are dropped there. */
  readonly otherProviderNodeId: Uint8Array;
  #uploaded = new Set<number>();
  #uploader: ReturnType<typeof setInterval> | undefined;
  #work: Promise<void> = Promise.resolve();

  private constructor(
    readonly authorities: LocalAuthorities,
    readonly provider: RunningProvider,
    readonly listener: LinkListener,
    readonly clock: EpochClock,
    nodes: StandInNode[],
  ) {
    for (const n of nodes) this.#nodes.set(toHex(nodeIdOf(n)), n);
    this.otherProviderNodeId = nodeIdOf(nodes.find((n) => n.label === 'provider-b')!);
  }

  /** Starts one authority, the provider binary and the link listener; publishes descriptors every epoch. */
  static async start(dir: string, params: Partial<NetworkParams> = {}): Promise<NetworkStandIn> {
    const keys = providerKeys(dir);
    const mixes: StandInNode[] = [0, 1, 2].map((i) => ({
      label: `mix-${i}`,
      role: 'mix',
      signer: new Ed25519Signer(secret(`identity/mix-${i}`)),
      linkKey: publicKeyFromPrivate(secret(`link/mix-${i}`)),
      linkAddress: `tcp://127.0.0.1:${30000 + i}`,
    }));
    const other: StandInNode = {
      label: 'provider-b',
      role: 'provider',
      signer: new Ed25519Signer(secret('identity/provider-b')),
      linkKey: publicKeyFromPrivate(secret('link/provider-b')),
      linkAddress: 'tcp://127.0.0.1:30010',
      clientApiUrl: 'https://127.0.0.1:30011',
    };
    const authorities = await LocalAuthorities.prepare({
      dir: `${dir}/authorities`,
      count: 1,
      epochLengthMs: EPOCH_MS,
      schedule: SCHEDULE,
      allow: { mixes: mixes.map((m) => m.signer.publicKey), providers: [keys.identityKey, other.signer.publicKey] },
      network: { ...TEST_NETWORK_PARAMS, ...params, mixLayers: 3 },
      sphinxGeometryHash: geometryHash(g),
      logLevel: 'warn',
    });
    await authorities.startAll();
    let provider: RunningProvider | undefined;
    let listener: LinkListener | undefined;
    try {
      provider = await startProvider(dir, {
        authorities: authorities.urls.map((url, i) => ({ url, identityKey: toHex(authorities.identityKeys[i]) })),
        network: { epochLengthMs: EPOCH_MS, genesisMs: 0, threshold: 1 },
      });
      listener = await createLinkListener({
        host: '127.0.0.1',
        port: 0,
        staticKey: linkKeyPairFromPrivateKey(provider.linkPrivateKey),
        authorize: () => ({}),
        frameBytes: frameBytesForBody(g.packetLength),
      });
      const home: StandInNode = {
        label: 'home',
        role: 'provider',
        signer: new Ed25519Signer(keys.identitySeed),
        linkKey: provider.linkKey,
        linkAddress: `tcp://127.0.0.1:${listener.address.port}`,
        clientApiUrl: provider.url,
      };
      const net = new NetworkStandIn(authorities, provider, listener, new EpochClock({ lengthMs: EPOCH_MS }), [home, other, ...mixes]);
      listener.on('connection', (conn) => net.#accept(conn as LinkConnection));
      net.#uploader = setInterval(() => void net.#uploadNext(), 200);
      await net.#uploadNext();
      return net;
    } catch (err) {
      await listener?.close();
      await provider?.stop();
      await authorities.stopAll();
      throw err;
    }
  }

  /** The epoch whose consensus exists (published) and is current: wait for it before bootstrapping. */
  async waitForCurrentConsensus(): Promise<number> {
    const url = this.authorities.urls[0];
    for (;;) {
      const e = this.clock.current();
      const res = await fetch(`${url}/v1/consensus/${e}`).catch(() => undefined);
      if (res?.status === 200) {
        await res.body?.cancel();
        // Leave the client time to finish bootstrapping inside this epoch.
        if (this.clock.msUntil(e + 1) > 1500) return e;
      } else await res?.body?.cancel();
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async #uploadNext(): Promise<void> {
    let e = this.clock.current() + 1;
    while (scheduleFor(this.clock, SCHEDULE, e).uploadCloseMs < Date.now() + UPLOAD_MARGIN_MS) e++;
    if (this.#uploaded.has(e)) return;
    this.#uploaded.add(e);
    for (const n of this.#nodes.values()) {
      const d = createDescriptor({
        epoch: e,
        role: n.role,
        identityKey: n.signer.publicKey,
        linkKey: n.linkKey,
        linkAddresses: [n.linkAddress],
        ...(n.clientApiUrl ? { clientApiUrl: n.clientApiUrl } : {}),
        sphinxPublicKeys: [publicKeyFromPrivate(sphinxSecret(n, e)), publicKeyFromPrivate(sphinxSecret(n, e + 1))],
      });
      await uploadDescriptor(this.authorities.urls, signDescriptor(d, n.signer)).catch(() => undefined);
    }
  }

  #accept(conn: LinkConnection): void {
    this.connections.push(conn);
    conn.on('command', (cmd) => {
      if (cmd.kind !== 'SendPacket') return;
      this.counts.packets++;
      this.counts.packetBytes.add(cmd.packet.length);
      this.arrivals.push(cmd.packet);
      this.#work = this.#work.then(() => this.#route(cmd.packet)).catch(() => void this.counts.failures++);
    });
  }

  /** Unwraps at `nodeIdHex`, trying the keys of the epochs around now (the sender's view may lag). */
  #unwrap(nodeIdHex: string, packet: Uint8Array): UnwrapResult {
    const node = this.#nodes.get(nodeIdHex);
    if (!node) throw new Error('unknown node');
    const now = this.clock.current();
    let last: unknown;
    // The sender's view may lag by a few epochs when an authority round is late (loaded machine).
    for (const e of [now, now - 1, now + 1, now - 2, now - 3, now - 4]) {
      try {
        return unwrapPacket(g, sphinxSecret(node, e), packet);
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }

  /** Follows a packet from `first` to its last hop; returns the last hop's node id and result. */
  #follow(first: string, packet: Uint8Array): { node: string; result: UnwrapResult } {
    let at = first;
    let p = packet;
    for (let hops = 0; hops < g.nrHops; hops++) {
      const r = this.#unwrap(at, p);
      if (!r.nextHop || !r.packet) return { node: at, result: r };
      at = toHex(r.nextHop);
      p = r.packet;
    }
    throw new Error('too many hops');
  }

  async #route(packet: Uint8Array): Promise<void> {
    const home = [...this.#nodes.entries()].find(([, n]) => n.label === 'home')![0];
    const { node, result } = this.#follow(home, packet);
    if (node !== home || !result.recipient || !result.payload) return; // other provider: dropped there
    const payload = result.payload;
    const body = payload.subarray(FORWARD_HEADER_BYTES + g.surbLength);
    const status = await adminStore(this.provider.adminPort, result.recipient, body);
    if (status !== 200) {
      this.counts.refused++;
      return;
    }
    this.counts.stored++;
    if ((payload[0] & FLAG_SURB_ACK) === 0) return;
    // payload.md §3.2: once stored, send the SURB-ACK with an all-zero body.
    const surb = payload.subarray(FORWARD_HEADER_BYTES, FORWARD_HEADER_BYTES + g.surbLength);
    const reply = packetFromSurb(g, surb, new Uint8Array(g.forwardPayloadLength));
    const ack = this.#follow(toHex(reply.firstHop), reply.packet);
    if (!ack.result.recipient || !ack.result.surbId || !ack.result.payload) return;
    const entry = new Uint8Array(2000);
    entry.set(ack.result.surbId, 0);
    entry.set(ack.result.payload.subarray(0, entry.length - ack.result.surbId.length), ack.result.surbId.length);
    if ((await adminStore(this.provider.adminPort, ack.result.recipient, entry)) === 200) this.counts.acksStored++;
  }

  /** Resolves once every packet received so far has been routed. */
  async settled(): Promise<void> {
    await this.#work;
  }

  async stop(): Promise<void> {
    if (this.#uploader) clearInterval(this.#uploader);
    for (const c of this.connections) c.close();
    await this.listener.close();
    await this.#work.catch(() => undefined);
    await this.provider.stop();
    await this.authorities.stopAll();
  }
}

function nodeIdOf(n: StandInNode): Uint8Array {
  return blake2b(n.signer.publicKey, { dkLen: 32 });
}
