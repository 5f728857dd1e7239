// The client's test network: the real provider binary in mixnet mode (its own link listener, ingress,
// egress, SURB-ACKs, descriptor upload), a one-authority directory (core's AuthorityFixture: real
// HTTP, real signed consensus), and three stand-in mixes of this process with real link listeners
// and real Sphinx keys. A mix that receives a packet unwraps it, follows it through the other stand-in
// mixes in-process (no mixing delay: this tests the client, not mixing) and hands it to the provider
// over a real link dialled with the last mix's link key. The second provider of the consensus has no
// listener: packets for it are counted and dropped.
import { toHex, createDescriptor, signDescriptor, Ed25519Signer, type NetworkParams, type SignedDescriptor } from '@strata/core';
import { frameBytesForBody } from '@strata/core/link/config';
import { createLinkListener, dialLink, generateLinkKeyPair, type LinkConnection, type LinkKeyPair, type LinkListener } from '@strata/core/link/index';
import { DEFAULT_GEOMETRY, generateNodeKeyPair, unwrapPacket, type UnwrapResult } from 'sphinx-packet-ts';
import { AuthorityFixture } from '../../core/test/node/authority-fixture.js';
import { startProvider, type RunningProvider } from './net-fixtures.js';

const g = DEFAULT_GEOMETRY;
const frameBytes = frameBytesForBody(g.packetLength);
/** Long epochs: a test never straddles a boundary. */
export const EPOCH_MS = 3_600_000;
const epochNow = (): number => Math.floor(Date.now() / EPOCH_MS);

/** Fast Loopix parameters so that tests finish in seconds. */
export const TEST_NETWORK_PARAMS: NetworkParams = Object.freeze({ muPerSecond: 20, lambdaPPerSecond: 12, lambdaLPerSecond: 2, lambdaDPerSecond: 2, lambdaMPerSecond: 1, maxDelayMs: 1000 });

class StandInNode {
  readonly signer: Ed25519Signer;
  readonly link: LinkKeyPair = generateLinkKeyPair();
  readonly #sphinx = new Map<number, ReturnType<typeof generateNodeKeyPair>>();
  listener: LinkListener<object> | undefined;
  uplink: Promise<LinkConnection<undefined>> | undefined;

  constructor(
    readonly role: 'mix' | 'provider',
    seed: number,
  ) {
    this.signer = new Ed25519Signer(new Uint8Array(32).fill(seed));
  }

  sphinxOf(epoch: number): ReturnType<typeof generateNodeKeyPair> {
    if (!this.#sphinx.has(epoch)) this.#sphinx.set(epoch, generateNodeKeyPair());
    return this.#sphinx.get(epoch)!;
  }

  descriptor(epoch: number): SignedDescriptor {
    return signDescriptor(
      createDescriptor({
        epoch,
        role: this.role,
        identityKey: this.signer.publicKey,
        linkKey: this.link.publicKey,
        linkAddresses: [`tcp://127.0.0.1:${this.listener?.address.port ?? 1}`],
        ...(this.role === 'provider' ? { clientApiUrl: 'https://127.0.0.1:1' } : {}),
        sphinxPublicKeys: [this.sphinxOf(epoch).publicKey, this.sphinxOf(epoch + 1).publicKey],
      }),
      this.signer,
    );
  }

  get nodeIdHex(): string {
    return toHex(this.descriptor(epochNow()).descriptor.nodeId);
  }
}

export interface StandInCounts {
  /** Packets the stand-in mixes received (from the provider: forwarded client packets and SURB-ACKs). */
  mixPackets: number;
  /** Packets handed to the provider's link by the last mix. */
  toProvider: number;
  /** Packets for the provider without a listener. */
  toOtherProvider: number;
  failures: number;
  /** Packets lost on purpose (dropEvery). */
  lost: number;
}

export class NetworkStandIn {
  readonly counts: StandInCounts = { mixPackets: 0, toProvider: 0, toOtherProvider: 0, failures: 0, lost: 0 };
  readonly otherProviderNodeId: Uint8Array;
  /** Loss injection: when > 0, every `dropEvery`-th packet reaching the mixes is lost (a failing mix). */
  dropEvery = 0;
  #seen = 0;
  #work: Promise<void> = Promise.resolve();

  private constructor(
    readonly authority: AuthorityFixture,
    readonly provider: RunningProvider,
    readonly mixes: StandInNode[],
    readonly other: StandInNode,
  ) {
    this.otherProviderNodeId = other.descriptor(epochNow()).descriptor.nodeId;
  }

  static async start(dir: string, params: Partial<NetworkParams> = {}): Promise<NetworkStandIn> {
    const mixes = [new StandInNode('mix', 0x51), new StandInNode('mix', 0x52), new StandInNode('mix', 0x53)];
    const other = new StandInNode('provider', 0x54);
    for (const m of mixes) m.listener = await createLinkListener<object>({ host: '127.0.0.1', port: 0, staticKey: m.link, frameBytes, authorize: () => ({}) });
    const authority = new AuthorityFixture({
      geometry: g,
      params: { ...TEST_NETWORK_PARAMS, ...params },
      mixCount: 0,
      providerCount: 1, // the real provider's own upload
      layers: 3,
      extra: (epoch) => [...mixes.map((m) => m.descriptor(epoch)), other.descriptor(epoch)],
    });
    await authority.start();
    let provider: RunningProvider | undefined;
    try {
      const authorities = [{ url: authority.url, identityKey: toHex(authority.signer.publicKey) }];
      provider = await startProvider(dir, {
        authorities,
        network: { epochLengthMs: EPOCH_MS, genesisMs: 0, threshold: 1 },
        mixnet: {
          listen: { host: '127.0.0.1', port: 0 },
          directory: { authorities, pollIntervalMs: 200 },
          epoch: { lengthMs: EPOCH_MS, genesisMs: 0, graceMs: 60_000 },
          workers: { count: 1 },
          maxDelayMs: 1000,
          rateLimit: { packetsPerSecond: 1000, burst: 2000 },
        },
      });
      const net = new NetworkStandIn(authority, provider, mixes, other);
      for (const m of mixes) m.listener!.on('connection', (conn) => conn.on('command', (cmd) => cmd.kind === 'SendPacket' && net.#receive(m, cmd.packet)));
      return net;
    } catch (err) {
      await provider?.stop();
      await authority.stop();
      for (const m of mixes) await m.listener?.close();
      throw err;
    }
  }

  /** Resolves once the provider has uploaded its descriptor and the document of this epoch exists. */
  async waitForConsensus(): Promise<void> {
    while (!this.authority.document(epochNow())) await new Promise((r) => setTimeout(r, 50));
  }

  #receive(at: StandInNode, packet: Uint8Array): void {
    this.counts.mixPackets++;
    if (this.dropEvery > 0 && ++this.#seen % this.dropEvery === 0) {
      this.counts.lost++;
      return;
    }
    this.#work = this.#work.then(() => this.#route(at, packet)).catch(() => void this.counts.failures++);
  }

  #unwrap(node: StandInNode, packet: Uint8Array): UnwrapResult {
    const e = epochNow();
    let last: unknown;
    for (const epoch of [e, e - 1, e + 1]) {
      try {
        return unwrapPacket(g, node.sphinxOf(epoch).privateKey, packet);
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }

  async #route(first: StandInNode, packet: Uint8Array): Promise<void> {
    let at = first;
    let p = packet;
    for (;;) {
      const r = this.#unwrap(at, p);
      if (!r.nextHop || !r.packet) return; // a mix is never a last hop in these routes
      const next = toHex(r.nextHop);
      const mix = this.mixes.find((m) => m.nodeIdHex === next);
      if (mix) {
        at = mix;
        p = r.packet;
        continue;
      }
      if (next === this.other.nodeIdHex) {
        this.counts.toOtherProvider++;
        return;
      }
      // The provider: over a real link, as the last mix (the provider admits last-layer mix keys).
      at.uplink ??= this.#dialProvider(at);
      const conn = await at.uplink;
      await conn.send({ kind: 'SendPacket', packet: r.packet });
      this.counts.toProvider++;
      return;
    }
  }

  async #dialProvider(from: StandInNode): Promise<LinkConnection<undefined>> {
    const doc = this.authority.document(epochNow())!;
    const home = doc.consensus.providers.find((p) => toHex(p.descriptor.nodeId) !== this.other.nodeIdHex)!.descriptor;
    const m = /^tcp:\/\/(.+):(\d+)$/.exec(home.linkAddresses[0])!;
    return dialLink({ host: m[1], port: Number(m[2]), staticKey: from.link, expectedPeerKey: home.linkKey, frameBytes });
  }

  async settled(): Promise<void> {
    await this.#work;
  }

  async stop(): Promise<void> {
    await this.#work.catch(() => undefined);
    for (const m of this.mixes) {
      if (m.uplink) (await m.uplink.catch(() => undefined))?.close();
      await m.listener?.close();
    }
    await this.provider.stop();
    await this.authority.stop();
  }
}
