// The mix node: keys, epochs with Sphinx key rotation and a grace period, the consensus and our
// layer in it, link listener (only peers of the previous layer may send to us) and dialler, the
// engine (unwrap → replay → delay → forward), mix loops, and /metrics.
import { linkListenerLimits } from '@strata/core/node/link-config';
import { existsSync, mkdirSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { toHex } from '@strata/core/bytes';
import { createDescriptor, signDescriptor, type SignedDescriptor } from '@strata/core/descriptor';
import { EpochClock } from '@strata/core/epoch';
import { readKeyFile, writeKeyFile } from '@strata/core/key-file';
import { Ed25519Signer, generateIdentityKeyPair, generateX25519KeyPair, nodeIdOf, type KeyPair } from '@strata/core/keys';
import { frameBytesForBody } from '@strata/core/link/config';
import type { LinkConnection } from '@strata/core/link/connection';
import { createLinkListener, type LinkListener } from '@strata/core/link/listener';
import { createPromLinkMetrics } from '@strata/core/link/prom-metrics';
import { linkKeyPairFromPrivateKey, type LinkKeyPair } from '@strata/core/link/x25519';
import { createLogger, type Logger } from '@strata/core/log';
import { registerOpsRoutes, StrataMetrics } from '@strata/core/metrics';
import { SystemClock } from '@strata/core/sched/clock';
import { cryptoRng } from '@strata/core/sched/rng';
import { SphinxKeyStore } from '@strata/core/sphinx-key-store';
import { geometryHash, type Geometry } from 'sphinx-packet-ts';
import { dataPaths, type MixNodeConfig } from './config.js';
import { HttpDirectoryClient, type DirectoryClient } from '@strata/core/node/directory-client';
import { EpochRuntime } from '@strata/core/node/epoch-runtime';
import { DEFAULT_UNWRAP_BATCH_PACKETS, MixEngine, type ForwardItem } from '@strata/core/node/engine';
import { HeldStore } from '@strata/core/node/held-store';
import { LoopSender } from './loops.js';
import { packetBudget } from './memory-budget.js';
import { MixMetrics, type DropReason } from './metrics.js';
import { PeerLinks } from '@strata/core/node/peers';
import { ReplayFilter } from '@strata/core/node/replay-filter';
import { Topology } from '@strata/core/node/topology';
import { geometryFromSpec, specOfGeometry, type UnwrapControl } from '@strata/core/node/unwrap-handler';
import { unwrapBatchHandlerUrl, type UnwrapBatchJob, type UnwrapBatchResult } from '@strata/core/node/unwrap-batch-handler';
import { WorkerPool } from '@strata/core/node/worker-pool';

export interface MixNodeDeps {
  /** Directory access (default: HTTP to config.directory.authorities). */
  directory?: DirectoryClient;
  logger?: Logger;
  /** Wall clock in ms for epochs (default Date.now). */
  now?: () => number;
}

interface PeerInfo {
  nodeId: Uint8Array;
}

function loadOrCreate(path: string, type: 'ed25519-identity' | 'x25519-link', make: () => KeyPair): KeyPair {
  if (!existsSync(path)) writeKeyFile(path, type, make());
  return readKeyFile(path, type);
}

export class MixNode {
  readonly nodeId: Uint8Array;
  readonly identityPublicKey: Uint8Array;
  readonly linkPublicKey: Uint8Array;
  readonly metrics: MixMetrics;
  readonly logger: Logger;
  private readonly geometry: Geometry;
  private readonly epochs: EpochClock;
  private readonly sphinxKeys: SphinxKeyStore;
  private readonly signer: Ed25519Signer;
  private readonly link: LinkKeyPair;
  private readonly directory: DirectoryClient;
  private readonly runtime: EpochRuntime;
  private readonly loopClock = new SystemClock({ unref: true });
  private pool!: WorkerPool<UnwrapBatchJob, UnwrapBatchResult, UnwrapControl>;
  private replay!: ReplayFilter;
  private held!: HeldStore;
  private engine!: MixEngine;
  private peers!: PeerLinks;
  private listener: LinkListener<PeerInfo> | undefined;
  private ops: FastifyInstance | undefined;
  private loops: LoopSender | undefined;
  private stopped = false;
  private lastLayer: number | undefined;
  private restorePending = false;
  /**
   * Per-packet routing answers for the topologies in force (their objects never change: a new
   * document is a new Topology), so the hex lookups run once per peer and next hop, not per packet.
   */
  private routes: { topologies: Topology[]; receiveFrom: Map<PeerInfo, boolean>; nextHop: Map<string, SignedDescriptor | DropReason> } = {
    topologies: [],
    receiveFrom: new Map(),
    nextHop: new Map(),
  };

  private constructor(readonly config: MixNodeConfig, deps: MixNodeDeps) {
    const paths = dataPaths(config);
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const identity = loadOrCreate(paths.identityKey, 'ed25519-identity', generateIdentityKeyPair);
    const linkPair = loadOrCreate(paths.linkKey, 'x25519-link', generateX25519KeyPair);
    this.signer = new Ed25519Signer(identity.privateKey);
    this.identityPublicKey = identity.publicKey;
    this.nodeId = nodeIdOf(identity.publicKey);
    this.link = linkKeyPairFromPrivateKey(linkPair.privateKey);
    this.linkPublicKey = this.link.publicKey;
    this.geometry = geometryFromSpec({ ...config.geometry });
    this.epochs = new EpochClock({ lengthMs: config.epoch.lengthMs, genesisMs: config.epoch.genesisMs, ...(deps.now ? { now: deps.now } : {}) });
    this.sphinxKeys = new SphinxKeyStore(paths.sphinxKeys);
    this.logger = deps.logger ?? createLogger({ component: 'mix', level: config.log.level });
    this.metrics = new MixMetrics(new StrataMetrics('mix', { defaultMetrics: true }));
    this.directory =
      deps.directory ??
      new HttpDirectoryClient({
        authorities: config.directory.authorities,
        threshold: config.directory.threshold,
        sphinxGeometryHash: geometryHash(this.geometry),
        metrics: this.metrics.strata, // strata_mix_consensus_{fetch,rejected}_total count every attempt
      });
    this.runtime = new EpochRuntime({
      epochs: this.epochs,
      sphinxKeys: this.sphinxKeys,
      directory: this.directory,
      logger: this.logger,
      graceMs: config.epoch.graceMs,
      pollIntervalMs: config.directory.pollIntervalMs,
      describe: (epoch) => this.descriptorFor(epoch),
      applyKeys: (control) => this.pool.broadcast(control),
      onGraceEnd: async (epoch) => {
        await this.replay.pruneBefore(epoch);
      },
      onConsensus: (epoch, t) => {
        // Dial the links of the epoch before its packets need them (docs/spec/directory.md "Epoch transitions").
        if (epoch >= this.runtime.epoch) this.peers.prepare(t.nextHopsOf(this.nodeId));
        this.setConsensus(t, epoch);
      },
      // The next epoch's document usually arrives before that epoch starts (and setConsensus ignores
      // a document for another epoch): apply it when its epoch begins.
      onEpochStart: (epoch, t) => {
        if (t) this.setConsensus(t, epoch);
      },
    });
  }

  /** Load keys and state, listen, join the directory, and start mixing. */
  static async start(config: MixNodeConfig, deps: MixNodeDeps = {}): Promise<MixNode> {
    const node = new MixNode(config, deps);
    try {
      await node.startParts();
    } catch (err) {
      await node.stop().catch(() => {});
      throw err;
    }
    return node;
  }

  /** Bound link address (port resolved when config.listen.port is 0). */
  get linkAddress(): { host: string; port: number } {
    return this.listener ? { host: this.config.advertiseHost, port: this.listener.address.port } : { host: this.config.advertiseHost, port: 0 };
  }

  get metricsUrl(): string | undefined {
    const a = this.ops?.server.address();
    return a && typeof a === 'object' ? `http://${this.config.metrics.host}:${a.port}` : undefined;
  }

  /** Our mix layer (1..L) in the current consensus, or undefined. */
  get layer(): number | undefined {
    return this.topologyNow()?.layerOf(this.nodeId);
  }

  get currentEpoch(): number {
    return this.runtime.epoch;
  }

  /** Our signed descriptor for `epoch` (Sphinx keys of `epoch` and `epoch + 1`). */
  descriptorFor(epoch: number): SignedDescriptor {
    const d = createDescriptor({
      epoch,
      role: 'mix',
      identityKey: this.identityPublicKey,
      linkKey: this.linkPublicKey,
      linkAddresses: [`tcp://${this.linkAddress.host}:${this.linkAddress.port}`],
      sphinxPublicKeys: [this.sphinxKeys.ensure(epoch).publicKey, this.sphinxKeys.ensure(epoch + 1).publicKey],
    });
    return signDescriptor(d, this.signer);
  }

  private async startParts(): Promise<void> {
    const c = this.config;
    const paths = dataPaths(c);
    const e = this.runtime.epoch;
    this.replay = ReplayFilter.open({ path: paths.replay, maxTagsPerEpoch: c.replayFilter.maxTagsPerEpoch, fsync: c.replayFilter.fsync });
    await this.replay.pruneBefore(this.runtime.oldestKept);
    const budget = packetBudget(c, this.geometry.packetLength);
    this.logger.info(
      { memoryCeilingBytes: c.memoryCeilingBytes, delayQueuePackets: budget.delayQueuePackets, workerQueuedPackets: budget.workerQueuedPackets, capped: budget.capped },
      'packet queue bounds',
    );
    // The workers unwrap the packets of each event-loop turn in batches (one message each way):
    // the pool then counts batches, so its queue bound is the packet budget over the batch size.
    this.pool = new WorkerPool({
      handlerUrl: unwrapBatchHandlerUrl(),
      init: { geometry: specOfGeometry(this.geometry) },
      size: c.workers.count,
      maxInFlightPerWorker: c.workers.maxInFlightPerWorker,
      maxQueued: Math.floor(budget.workerQueuedPackets / DEFAULT_UNWRAP_BATCH_PACKETS),
    });
    await this.pool.ready();
    this.metrics.watchWorkers(this.pool);
    const linkMetrics = createPromLinkMetrics(this.metrics.registry);
    const frameBytes = frameBytesForBody(this.geometry.packetLength);
    this.peers = new PeerLinks({
      staticKey: this.link,
      frameBytes,
      handshakeTimeoutMs: c.link.handshakeTimeoutMs,
      maxQueuedBytes: c.link.maxQueuedBytes,
      maxPendingPacketsPerPeer: c.link.maxPendingPacketsPerPeer,
      linkMetrics,
      onDrop: (reason) => this.metrics.drop(reason),
    });
    this.engine = new MixEngine({
      pool: this.pool,
      batchPackets: DEFAULT_UNWRAP_BATCH_PACKETS,
      replayFilter: this.replay,
      metrics: this.metrics,
      packetBytes: this.geometry.packetLength,
      maxQueuedPackets: budget.delayQueuePackets,
      maxDelayMs: c.maxDelayMs,
      forward: (item) => this.forward(item),
      // forward() seals the packet into a link frame (or peers.send copies it): nothing keeps it.
      reuseResultBuffers: true,
      onTerminal: (o) => {
        if (!this.loops?.onTerminal(o.recipient)) this.metrics.drop('not_a_forward_hop');
      },
    });
    // Packets held at the last shutdown go back in the queue once we know the topology (setConsensus).
    this.held = HeldStore.open(paths.held);
    this.restorePending = this.held.size > 0;
    this.listener = await createLinkListener<PeerInfo>({
      host: c.listen.host,
      port: c.listen.port,
      staticKey: this.link,
      frameBytes,
      ...linkListenerLimits(c.link),
      metrics: linkMetrics,
      authorize: (peerKey) => this.authorize(peerKey),
    });
    this.listener.on('connection', (conn) => this.onConnection(conn));
    if (c.metrics.enabled) {
      this.ops = Fastify({ logger: false });
      registerOpsRoutes(this.ops, this.metrics.strata, () => ({ ok: (this.layer ?? 0) >= 1, epoch: this.runtime.epoch, layer: this.layer ?? null }));
      await this.ops.listen({ host: c.metrics.host, port: c.metrics.port });
    }
    this.loops = new LoopSender({
      clock: this.loopClock,
      rng: cryptoRng(),
      geometry: this.geometry,
      metrics: this.metrics,
      logger: this.logger,
      selfId: this.nodeId,
      topology: () => {
        const t = this.topologyNow();
        return t ? { topology: t, epoch: this.runtime.epoch } : undefined;
      },
      send: (firstHop, packet) => this.peers.send(firstHop, packet),
      windowMs: c.loops.windowMs,
      returnDeadlineMs: c.maxDelayMs * this.geometry.nrHops + 10_000,
      warnBelowRatio: c.loops.warnBelowRatio,
    });
    this.logger.info(
      { nodeId: toHex(this.nodeId), epoch: e, link: `${this.linkAddress.host}:${this.linkAddress.port}`, metrics: this.metricsUrl ?? null, workers: this.pool.size },
      'mix node started',
    );
    await this.runtime.start(); // keys to the workers, descriptors up, consensus in
  }

  /** Graceful stop: no new packets, due packets forwarded, held ones saved for the next start. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.runtime.stop();
    this.loops?.stop();
    this.loopClock.close();
    await this.listener?.close();
    if (this.engine) {
      const held = await this.engine.stop();
      await this.held.save(held);
      if (held.length > 0) this.logger.info({ packets: held.length }, 'saved held packets for the next start');
    }
    await this.peers?.close();
    await this.pool?.close();
    await this.replay?.close();
    await this.held?.close();
    await this.ops?.close();
    this.logger.info('mix node stopped');
  }

  // --- consensus ---

  private setConsensus(t: Topology, epoch: number): void {
    const consensus = t.consensus;
    if (epoch !== this.runtime.epoch) return;
    const layer = t.layerOf(this.nodeId);
    if (layer !== this.lastLayer) {
      this.lastLayer = layer;
      if (layer === undefined || layer === 0) this.logger.warn({ epoch }, 'this node is not a mix in the consensus');
      else this.logger.info({ epoch, layer, layers: t.layerCount }, 'learned our mix layer');
    }
    if (this.restorePending && !this.stopped) {
      this.restorePending = false;
      const restored = this.engine.restore(this.held.takeAll());
      if (restored > 0) this.logger.info({ packets: restored }, 'restored held packets from the last shutdown');
    }
    const p = consensus.params;
    if (this.loops && this.config.loops.enabled) {
      this.loops.configure(p.lambdaMPerSecond, p.muPerSecond, Math.min(p.maxDelayMs, this.config.maxDelayMs));
      this.loops.start();
    }
  }

  private topologyNow(): Topology | undefined {
    return this.runtime.current();
  }

  /** Topologies a packet may have been routed under: current, and the previous during grace. */
  private topologiesInForce(): Topology[] {
    return this.runtime.inForce();
  }

  // --- links ---

  private authorize(peerKey: Uint8Array): PeerInfo | null {
    for (const t of this.topologiesInForce()) {
      const peer = t.byLink(peerKey);
      const me = t.byNodeId(this.nodeId);
      if (peer && me && t.maySend(peer.layer, me.layer)) return { nodeId: peer.node.descriptor.nodeId };
    }
    return null;
  }

  /** The route caches for the topologies in force now (emptied when they change). */
  private routesNow(): typeof this.routes {
    const topologies = this.topologiesInForce();
    const r = this.routes;
    if (topologies.length !== r.topologies.length || topologies.some((t, i) => t !== r.topologies[i])) {
      this.routes = { topologies, receiveFrom: new Map(), nextHop: new Map() };
    }
    return this.routes;
  }

  private mayReceiveFrom(peer: PeerInfo): boolean {
    const cache = this.routesNow().receiveFrom;
    let ok = cache.get(peer);
    if (ok === undefined) {
      ok = this.computeMayReceiveFrom(peer);
      cache.set(peer, ok);
    }
    return ok;
  }

  private computeMayReceiveFrom(peer: PeerInfo): boolean {
    for (const t of this.topologiesInForce()) {
      const p = t.byNodeId(peer.nodeId);
      const me = t.byNodeId(this.nodeId);
      if (p && me && t.maySend(p.layer, me.layer)) return true;
    }
    return false;
  }

  private onConnection(conn: LinkConnection<PeerInfo>): void {
    // The engine copies each packet into its worker batch before receive() returns.
    conn.reuseReceiveBuffer();
    conn.on('command', (cmd) => {
      if (cmd.kind !== 'SendPacket') return;
      if (!this.mayReceiveFrom(conn.peer)) {
        this.metrics.packetsIn.inc();
        this.metrics.drop('peer_not_allowed');
        return;
      }
      this.engine.receive(cmd.packet);
    });
  }

  private forward(item: ForwardItem): 'sent' | DropReason {
    const cache = this.routesNow().nextHop;
    const key = toHex(item.nextHop);
    let next = cache.get(key);
    if (next === undefined) {
      next = this.route(item.nextHop);
      // Bounded: only next hops listed in the consensus (a few hundred) or one entry per reason.
      if (typeof next !== 'string' || cache.size < 4096) cache.set(key, next);
    }
    return typeof next === 'string' ? next : this.peers.send(next, item.packet);
  }

  /** The next hop's descriptor if we may forward to it under a topology in force, else why not. */
  private route(nextHop: Uint8Array): SignedDescriptor | DropReason {
    let reason: DropReason = 'not_in_consensus';
    for (const t of this.topologiesInForce()) {
      const me = t.byNodeId(this.nodeId);
      const next = t.byNodeId(nextHop);
      if (!me) continue;
      if (!next) {
        reason = 'unknown_next_hop';
        continue;
      }
      if (!t.mayForward(me.layer, next.layer)) {
        reason = 'next_hop_not_allowed';
        continue;
      }
      return next.node;
    }
    return reason;
  }
}
