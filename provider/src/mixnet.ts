import { linkListenerLimits } from '@strata/core/node/link-config';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { constantTimeEqual, toHex } from '@strata/core/bytes';
import { createDescriptor, signDescriptor, type SignedDescriptor } from '@strata/core/descriptor';
import { EpochClock } from '@strata/core/epoch';
import { Ed25519Signer, nodeIdOf } from '@strata/core/keys';
import { frameBytesForBody } from '@strata/core/link/config';
import type { LinkConnection } from '@strata/core/link/connection';
import { createLinkListener, type LinkListener } from '@strata/core/link/listener';
import { createPromLinkMetrics } from '@strata/core/link/prom-metrics';
import { linkKeyPairFromPrivateKey, type LinkKeyPair } from '@strata/core/link/x25519';
import type { Logger } from '@strata/core/log';
import { HttpDirectoryClient, type DirectoryClient } from '@strata/core/node/directory-client';
import type { EngineMetrics, NodeDropReason } from '@strata/core/node/drop-reasons';
import { DEFAULT_UNWRAP_BATCH_PACKETS, MixEngine, type UnwrappedTerminal } from '@strata/core/node/engine';
import { EpochRuntime } from '@strata/core/node/epoch-runtime';
import { HeldStore } from '@strata/core/node/held-store';
import { NodePipelineMetrics } from '@strata/core/node/node-metrics';
import { PeerLinks } from '@strata/core/node/peers';
import { ReplayFilter } from '@strata/core/node/replay-filter';
import type { Topology } from '@strata/core/node/topology';
import { unwrapBatchHandlerUrl, type UnwrapBatchJob, type UnwrapBatchResult } from '@strata/core/node/unwrap-batch-handler';
import { geometryFromSpec, specOfGeometry, type UnwrapControl } from '@strata/core/node/unwrap-handler';
import { WorkerPool } from '@strata/core/node/worker-pool';
import { SphinxKeyStore } from '@strata/core/sphinx-key-store';
import { geometryHash, packetFromSurb, type Geometry } from 'sphinx-packet-ts';
import { anonymousPollEntries, decodeAnonymousPoll } from './anonymous-poll.js';
import type { DropboxStore } from './dropbox-store.js';
import { ProviderError } from './errors.js';
import { decodeForwardPayload, POLL_SERVICE_ID, surbReplyEntries } from './forward-payload.js';
import type { LinkKeyRegistry } from './link-key-registry.js';
import type { ProviderKeys } from './keys.js';
import type { ProviderMetrics } from './metrics.js';
import type { MixnetConfig } from './mixnet-config.js';
import { encodePollResponse } from './poll-response.js';
import { RateLimiter } from './rate-limit.js';
import { ed25519PublicKey, generateEd25519KeyPair, listDigest, type RequestVerifier } from './request-signing.js';
import type { SurbRegistry } from './surb-registry.js';

/** The provider's own drop reasons, besides the node runtime's (core NODE_DROP_REASONS). */
export const PROVIDER_DROP_REASONS = [
  'rate_limited', // a client exceeded its token bucket
  'unknown_alias', // Recipient(alias) with no dropbox here (client drop cover traffic lands here)
  'alias_quota', // the dropbox is full
  'store_failed', // any other store error
  'unknown_surb', // SURBReply(id) not registered (or expired)
  'bad_flags', // unknown payload flags: body stored, no ACK sent (payload.md §2)
  'ack_failed', // the SURB-ACK could not be built or routed
  'anonymous_poll_invalid', // malformed or unauthenticated anonymous poll (answered with dummies)
  'anonymous_poll_no_surb', // an anonymous poll without a SURB cannot be answered
  'terminal_from_client', // a client's packet ended at this provider (clients' first hop only forwards)
  'forward_from_mix', // a mix's packet asked this provider to forward it (the provider is the last hop)
] as const;
export type ProviderDropReason = NodeDropReason | (typeof PROVIDER_DROP_REASONS)[number];

type Peer = { kind: 'client'; id: string } | { kind: 'mix'; nodeId: Uint8Array };

export interface ProviderMixnetOptions {
  readonly config: MixnetConfig;
  readonly dataDir: string;
  readonly keys: ProviderKeys;
  readonly store: DropboxStore;
  readonly surbs: SurbRegistry;
  readonly linkKeys: LinkKeyRegistry;
  readonly verifier: RequestVerifier;
  readonly metrics: ProviderMetrics;
  readonly logger: Logger;
  /** The client API URL for the descriptor (read when a descriptor is made). */
  readonly apiUrl: () => string;
  /** Directory access (default: HTTP to config.directory.authorities). */
  readonly directory?: DirectoryClient;
  /** Wall clock in ms for epochs (default Date.now). */
  readonly now?: () => number;
}

/**
 * The provider in the mixnet (issue 5 items 1, 3, 6; docs/spec/payload.md): one link listener for its
 * clients (registered link keys, per-client rate limit) and the last mix layer (consensus link keys);
 * ingress = unwrap hop 1 → replay filter → NodeDelay → layer-1 mix; egress = final unwrap →
 * dropbox (durable) → SURB-ACK, SURB replies to their alias, anonymous polls answered by SURB.
 * The epoch/key/descriptor/consensus machinery is core's EpochRuntime, shared with the mix.
 */
export class ProviderMixnet {
  readonly geometry: Geometry;
  readonly pipeline: NodePipelineMetrics;
  readonly #o: ProviderMixnetOptions;
  readonly #link: LinkKeyPair;
  readonly #signer: Ed25519Signer;
  readonly #sphinxKeys: SphinxKeyStore;
  readonly #runtime: EpochRuntime;
  readonly #limiter: RateLimiter;
  readonly #decoyKey: KeyObject = ed25519PublicKey(generateEd25519KeyPair().publicKey);
  readonly #pollEntries: number;
  #pool!: WorkerPool<UnwrapBatchJob, UnwrapBatchResult, UnwrapControl>;
  #replay!: ReplayFilter;
  #held!: HeldStore;
  #ingress!: MixEngine;
  #egress!: MixEngine;
  #peers!: PeerLinks;
  #listener: LinkListener<Peer> | undefined;
  #restorePending = false;
  #stopped = false;
  readonly #inflight = new Set<Promise<void>>();

  private constructor(o: ProviderMixnetOptions) {
    this.#o = o;
    const c = o.config;
    this.geometry = geometryFromSpec({ ...c.geometry });
    this.#pollEntries = anonymousPollEntries(this.geometry.forwardPayloadLength, o.store.options.messageBytes);
    this.#link = linkKeyPairFromPrivateKey(o.keys.linkPrivateKey);
    this.#signer = new Ed25519Signer(o.keys.identitySeed);
    const sphinxDir = join(o.dataDir, 'sphinx');
    if (!existsSync(sphinxDir)) mkdirSync(sphinxDir, { recursive: true, mode: 0o700 });
    this.#sphinxKeys = new SphinxKeyStore(sphinxDir);
    this.pipeline = new NodePipelineMetrics(o.metrics.strata, PROVIDER_DROP_REASONS, ['forward', 'ack', 'poll_reply']);
    this.#limiter = new RateLimiter(c.rateLimit.packetsPerSecond, c.rateLimit.burst, c.rateLimit.maxClients);
    const directory =
      o.directory ??
      new HttpDirectoryClient({
        authorities: c.directory.authorities.map((a) => ({ url: a.url, identityKey: a.identityKey })),
        threshold: c.directory.threshold,
        sphinxGeometryHash: geometryHash(this.geometry),
        metrics: o.metrics.strata, // strata_provider_consensus_{fetch,rejected}_total count every attempt
      });
    this.#runtime = new EpochRuntime({
      epochs: new EpochClock({ lengthMs: c.epoch.lengthMs, genesisMs: c.epoch.genesisMs, ...(o.now ? { now: o.now } : {}) }),
      sphinxKeys: this.#sphinxKeys,
      directory,
      logger: o.logger,
      graceMs: c.epoch.graceMs,
      pollIntervalMs: c.directory.pollIntervalMs,
      describe: (epoch) => this.descriptorFor(epoch),
      applyKeys: (control) => this.#pool.broadcast(control),
      onGraceEnd: (epoch) => this.#replay.pruneBefore(epoch),
      onConsensus: (epoch, t) => {
        // Dial the epoch's layer-1 mixes before its packets need them (docs/spec/directory.md "Epoch transitions").
        if (epoch >= this.#runtime.epoch) this.#peers.prepare(t.nextHopsOf(nodeIdOf(o.keys.identityPublicKey)));
        this.#onConsensus(epoch);
      },
      onEpochStart: (epoch, t) => {
        if (t) this.#onConsensus(epoch); // a document fetched before the epoch began is current now
      },
    });
  }

  static async start(o: ProviderMixnetOptions): Promise<ProviderMixnet> {
    const m = new ProviderMixnet(o);
    try {
      await m.#startParts();
    } catch (err) {
      await m.stop().catch(() => {});
      throw err;
    }
    return m;
  }

  /** Bound link address. */
  get linkAddress(): { host: string; port: number } {
    return { host: this.#o.config.advertiseHost, port: this.#listener?.address.port ?? 0 };
  }

  get currentEpoch(): number {
    return this.#runtime.epoch;
  }

  /** The consensus topology in force now, if any. */
  get topology(): Topology | undefined {
    return this.#runtime.current();
  }

  /** Signed provider descriptor for `epoch` (Sphinx keys of `epoch` and `epoch + 1`, client API URL). */
  descriptorFor(epoch: number): SignedDescriptor {
    const d = createDescriptor({
      epoch,
      role: 'provider',
      identityKey: this.#o.keys.identityPublicKey,
      linkKey: this.#link.publicKey,
      linkAddresses: [`tcp://${this.linkAddress.host}:${this.linkAddress.port}`],
      clientApiUrl: this.#o.apiUrl(),
      sphinxPublicKeys: [this.#sphinxKeys.ensure(epoch).publicKey, this.#sphinxKeys.ensure(epoch + 1).publicKey],
    });
    return signDescriptor(d, this.#signer);
  }

  async #startParts(): Promise<void> {
    const c = this.#o.config;
    const dir = this.#o.dataDir;
    this.#replay = ReplayFilter.open({ path: join(dir, 'replay'), maxTagsPerEpoch: c.replayFilter.maxTagsPerEpoch, fsync: c.replayFilter.fsync });
    await this.#replay.pruneBefore(this.#runtime.oldestKept);
    // As at a mix: the packets of a turn go to the workers in batches, so the pool counts batches.
    this.#pool = new WorkerPool({
      handlerUrl: unwrapBatchHandlerUrl(),
      init: { geometry: specOfGeometry(this.geometry) },
      size: c.workers.count,
      maxInFlightPerWorker: c.workers.maxInFlightPerWorker,
      maxQueued: Math.max(1, Math.floor(c.workers.maxQueued / DEFAULT_UNWRAP_BATCH_PACKETS)),
    });
    await this.#pool.ready();
    const linkMetrics = createPromLinkMetrics(this.#o.metrics.registry);
    const frameBytes = frameBytesForBody(this.geometry.packetLength);
    this.#peers = new PeerLinks({
      staticKey: this.#link,
      frameBytes,
      handshakeTimeoutMs: c.link.handshakeTimeoutMs,
      maxQueuedBytes: c.link.maxQueuedBytes,
      maxPendingPacketsPerPeer: c.link.maxPendingPacketsPerPeer,
      linkMetrics,
      onDrop: (reason) => this.pipeline.drop(reason),
    });
    const engineOptions = {
      pool: this.#pool,
      batchPackets: DEFAULT_UNWRAP_BATCH_PACKETS,
      replayFilter: this.#replay,
      packetBytes: this.geometry.packetLength,
      maxQueuedPackets: c.delayQueue.maxPackets,
      maxDelayMs: c.maxDelayMs,
    };
    // Ingress: our clients' packets; we are their first hop and forward to layer 1 after NodeDelay.
    this.#ingress = new MixEngine({
      ...engineOptions,
      metrics: this.pipeline,
      forward: (item) => this.#toLayer1(item.nextHop, item.packet),
      onTerminal: () => this.pipeline.drop('terminal_from_client'),
    });
    // Egress: packets from the last mix layer; we are their last hop (no delay, no forwarding).
    const egressMetrics: EngineMetrics = Object.assign(Object.create(this.pipeline) as NodePipelineMetrics, { watchQueue: () => {} });
    this.#egress = new MixEngine({
      ...engineOptions,
      metrics: egressMetrics,
      forward: () => 'next_hop_not_allowed',
      onTerminal: (o) => this.#track(this.#deliver(o)),
    });
    this.#held = HeldStore.open(join(dir, 'held'));
    this.#restorePending = this.#held.size > 0;
    this.#listener = await createLinkListener<Peer>({
      host: c.listen.host,
      port: c.listen.port,
      staticKey: this.#link,
      frameBytes,
      ...linkListenerLimits(c.link),
      metrics: linkMetrics,
      authorize: (key) => this.#authorize(key),
    });
    this.#listener.on('connection', (conn) => this.#onConnection(conn));
    this.#o.logger.info({ link: `${this.linkAddress.host}:${this.linkAddress.port}`, epoch: this.#runtime.epoch, workers: this.#pool.size }, 'provider link listening');
    await this.#runtime.start(); // keys to the workers, descriptors up, consensus in
  }

  /** Graceful stop: no new packets, due ones forwarded, held ones saved, deliveries finished. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#runtime.stop();
    await this.#listener?.close();
    if (this.#ingress) {
      const held = await this.#ingress.stop();
      await this.#held.save(held);
      if (held.length > 0) this.#o.logger.info({ packets: held.length }, 'saved held packets for the next start');
    }
    if (this.#egress) await this.#egress.stop();
    await Promise.allSettled([...this.#inflight]);
    await this.#peers?.close();
    await this.#pool?.close();
    await this.#replay?.close();
    await this.#held?.close();
  }

  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  #onConsensus(epoch: number): void {
    if (epoch !== this.#runtime.epoch || this.#stopped) return;
    const t = this.#runtime.current();
    if (t && t.layerOf(nodeIdOf(this.#o.keys.identityPublicKey)) !== 0) this.#o.logger.warn({ epoch }, 'this provider is not listed in the consensus');
    else this.#o.logger.info({ epoch, layers: t?.layerCount }, 'provider in the consensus');
    if (this.#restorePending) {
      this.#restorePending = false;
      const restored = this.#ingress.restore(this.#held.takeAll());
      if (restored > 0) this.#o.logger.info({ packets: restored }, 'restored held packets from the last shutdown');
    }
  }

  // --- links ---

  #authorize(key: Uint8Array): Peer | null {
    if (this.#o.linkKeys.has(key)) return { kind: 'client', id: toHex(key) };
    for (const t of this.#runtime.inForce()) {
      const p = t.byLink(key);
      if (p && p.layer === t.layerCount && p.layer >= 1) return { kind: 'mix', nodeId: p.node.descriptor.nodeId };
    }
    return null;
  }

  #mixStillAllowed(nodeId: Uint8Array): boolean {
    return this.#runtime.inForce().some((t) => {
      const p = t.byNodeId(nodeId);
      return p !== undefined && p.layer === t.layerCount && p.layer >= 1;
    });
  }

  #onConnection(conn: LinkConnection<Peer>): void {
    const peer = conn.peer;
    conn.on('command', (cmd) => {
      if (cmd.kind !== 'SendPacket') return;
      if (peer.kind === 'client') {
        if (!this.#limiter.take(peer.id)) {
          this.pipeline.packetsIn.inc();
          return this.pipeline.drop('rate_limited');
        }
        return this.#ingress.receive(cmd.packet);
      }
      if (!this.#mixStillAllowed(peer.nodeId)) {
        this.pipeline.packetsIn.inc();
        return this.pipeline.drop('peer_not_allowed');
      }
      this.#egress.receive(cmd.packet);
    });
  }

  /** Send to the layer-1 mix `nodeId` (ingress forwards, SURB-ACKs and poll replies start there). */
  #toLayer1(nodeId: Uint8Array, packet: Uint8Array): 'sent' | NodeDropReason {
    let reason: NodeDropReason = 'not_in_consensus';
    for (const t of this.#runtime.inForce()) {
      const next = t.byNodeId(nodeId);
      if (!next) {
        reason = 'unknown_next_hop';
        continue;
      }
      if (!t.maySend(0, next.layer) || next.layer !== 1) {
        reason = 'next_hop_not_allowed';
        continue;
      }
      return this.#peers.send(next.node, packet);
    }
    return reason;
  }

  /** Build the SURB's packet around `payload` and send it to its first hop. */
  #sendBySurb(surb: Uint8Array, payload: Uint8Array, kind: 'ack' | 'poll_reply'): boolean {
    let built: { packet: Uint8Array; firstHop: Uint8Array };
    try {
      built = packetFromSurb(this.geometry, surb, payload);
    } catch {
      this.pipeline.drop('ack_failed');
      return false;
    }
    const r = this.#toLayer1(built.firstHop, built.packet);
    if (r !== 'sent') {
      this.pipeline.drop(r);
      return false;
    }
    this.pipeline.packetsOut.inc({ kind });
    return true;
  }

  // --- egress ---

  async #deliver(o: UnwrappedTerminal): Promise<void> {
    if (o.payload === null) return this.pipeline.drop('payload');
    if (o.surbId !== null) return this.#deliverSurbReply(o.surbId, o.payload);
    if (o.recipient === null) return this.pipeline.drop('commands');
    let fp;
    try {
      fp = decodeForwardPayload(o.payload, this.geometry.surbLength, this.geometry.userForwardPayloadLength);
    } catch {
      return this.pipeline.drop('payload');
    }
    if (constantTimeEqual(o.recipient, POLL_SERVICE_ID)) return this.#answerAnonymousPoll(fp.surb, fp.body);
    try {
      // Durable before anything is acknowledged (issue 5 item 2): store() resolves after the flush.
      await this.#o.store.store(o.recipient, fp.body);
    } catch (err) {
      const reason = err instanceof ProviderError && (err.reason === 'unknown_alias' || err.reason === 'alias_quota') ? err.reason : 'store_failed';
      return this.pipeline.drop(reason);
    }
    if (fp.badFlags) return this.pipeline.drop('bad_flags');
    if (fp.surb === null) return;
    // payload.md §3: the receipt's body is all zero (the SURB layer adds and checks the tag).
    if (this.#sendBySurb(fp.surb, new Uint8Array(this.geometry.forwardPayloadLength), 'ack')) this.#o.metrics.acksSent.inc();
  }

  async #deliverSurbReply(surbId: Uint8Array, reply: Uint8Array): Promise<void> {
    const alias = this.#o.surbs.lookup(surbId);
    if (!alias) return this.pipeline.drop('unknown_surb');
    try {
      for (const entry of surbReplyEntries(surbId, reply, this.#o.store.options.messageBytes)) await this.#o.store.store(alias, entry);
      await this.#o.surbs.release(surbId); // single use
    } catch (err) {
      const reason = err instanceof ProviderError && (err.reason === 'unknown_alias' || err.reason === 'alias_quota') ? err.reason : 'store_failed';
      this.pipeline.drop(reason);
    }
  }

  /**
   * payload.md §4: verify like POST /v1/poll (and /v1/ack when acks ride along); answer with one SURB
   * reply holding a fixed-size poll response of `#pollEntries` entries, all dummies on any failure.
   */
  async #answerAnonymousPoll(surb: Uint8Array | null, body: Uint8Array): Promise<void> {
    if (surb === null) return this.pipeline.drop('anonymous_poll_no_surb');
    const M = this.#o.store.options.messageBytes;
    const k = this.#pollEntries;
    let response = encodePollResponse({ entries: [], more: false }, k, M);
    try {
      const req = decodeAnonymousPoll(body);
      const key = this.#o.store.aliasInfo(req.alias)?.aliasKey ?? this.#decoyKey;
      if (req.ack) {
        await this.#o.verifier.verifyAsync('ack', [req.alias, req.device, listDigest(req.ack.ids)], req.timestampMs, req.ack.nonce, [{ key, signature: req.ack.signature }]);
        await this.#o.store.ack(req.alias, req.device, req.ack.ids);
      }
      await this.#o.verifier.verifyAsync('poll', [req.alias, req.device], req.timestampMs, req.nonce, [{ key, signature: req.signature }]);
      const res = this.#o.store.poll(req.alias, req.device);
      response = encodePollResponse({ entries: res.entries.slice(0, k), more: res.more || res.entries.length > k }, k, M);
      this.#o.metrics.polls.inc();
    } catch {
      this.pipeline.drop('anonymous_poll_invalid');
    }
    const payload = new Uint8Array(this.geometry.forwardPayloadLength);
    payload.set(response, 0);
    this.#sendBySurb(surb, payload, 'poll_reply');
  }
}

