import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger, type Logger } from '@strata/core/log';
import { toHex } from '@strata/core/bytes';
import { buildAdminApi } from './admin.js';
import { buildClientApi, type WellKnownDocument } from './api.js';
import type { ProviderConfig } from './config.js';
import { DropboxStore } from './dropbox-store.js';
import { loadOrCreateProviderKeys, type ProviderKeys } from './keys.js';
import { ProviderMetrics } from './metrics.js';
import { pollResponseBytes } from './poll-response.js';
import { ReplayCache } from './replay-cache.js';
import { RequestVerifier, ed25519PrivateKey } from './request-signing.js';
import { SurbRegistry } from './surb-registry.js';
import { ensureSelfSignedCert, readTlsFiles } from './tls.js';
import { LinkKeyRegistry } from './link-key-registry.js';
import { IdentityRegistry } from './identity-registry.js';
import { ProviderMixnet } from './mixnet.js';
import type { DirectoryClient } from '@strata/core/node/directory-client';

export interface ProviderStartOptions {
  readonly logger?: Logger;
  /** Directory access for the mixnet side (default: HTTP to config.mixnet.directory.authorities). */
  readonly directory?: DirectoryClient;
}

/**
 * A running provider: durable dropboxes, the SURB registry, the client HTTPS API, the operator
 * listener, the TTL sweeper and, when `config.mixnet` is set, its place in the mixnet
 * (ProviderMixnet: link listener, Sphinx ingress/egress, SURB-ACKs, anonymous polls, directory).
 */
export class Provider {
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> = Promise.resolve();
  #stopped = false;

  private constructor(
    readonly config: ProviderConfig,
    readonly keys: ProviderKeys,
    readonly store: DropboxStore,
    readonly surbs: SurbRegistry,
    readonly metrics: ProviderMetrics,
    readonly log: Logger,
    private readonly api: FastifyInstance,
    private readonly admin: FastifyInstance | undefined,
    /** The mixnet side, or undefined when `config.mixnet` is null. */
    readonly mixnet: ProviderMixnet | undefined,
    /** Client link keys admitted on the link (undefined without mixnet). */
    readonly linkKeys: LinkKeyRegistry | undefined,
  ) {}

  static async start(config: ProviderConfig, options: ProviderStartOptions = {}): Promise<Provider> {
    const log = options.logger ?? createLogger({ component: 'provider', level: config.log.level });
    const keys = loadOrCreateProviderKeys(config.dataDir);
    const tls = config.api.tls.certFile !== null && config.api.tls.keyFile !== null
      ? readTlsFiles(config.api.tls.certFile, config.api.tls.keyFile)
      : ensureSelfSignedCert(config.dataDir, config.api.tls.hostnames, config.name);
    let store: DropboxStore | undefined;
    const metrics = new ProviderMetrics(() => (store ? store.dropboxSizes() : []));
    const d = config.dropbox;
    store = DropboxStore.open({
      path: join(config.dataDir, 'dropbox'),
      messageBytes: d.messageBytes,
      pollEntries: d.pollEntries,
      ttlMs: d.ttlMs,
      aliasQuotaMessages: d.aliasQuotaMessages,
      maxAccounts: d.maxAccounts,
      maxAliasesPerAccount: d.maxAliasesPerAccount,
      maxDevicesPerAccount: d.maxDevicesPerAccount,
      maxCommitBatch: d.maxCommitBatch,
      mapSizeBytes: d.mapSizeBytes,
      metrics,
    });
    const opened = store;
    const surbs = new SurbRegistry(opened.env, opened.commit, {
      maxSurbsPerAlias: d.maxSurbsPerAlias,
      maxLifetimeMs: d.ttlMs,
      aliasExists: (a) => opened.aliasInfo(a) !== undefined,
    });
    const verifier = new RequestVerifier({
      timestampWindowMs: config.auth.timestampWindowMs,
      notBeforeMs: Date.now(),
      replayCache: new ReplayCache(config.auth.timestampWindowMs, config.auth.maxNonces),
    });
    const identities = new IdentityRegistry(opened.env, opened.commit, { maxIdentities: d.maxIdentities, timestampWindowMs: config.auth.timestampWindowMs });
    const linkKeys = config.mixnet ? new LinkKeyRegistry(opened.env, opened.commit, d.maxDevicesPerAccount) : undefined;
    let apiUrl = config.api.publicUrl ?? '';
    const wellKnown = (): WellKnownDocument => ({
      version: 1,
      provider: { name: config.name, identityKey: toHex(keys.identityPublicKey), linkKey: toHex(keys.linkPublicKey), apiUrl },
      authorities: config.wellKnown.authorities,
      network: config.wellKnown.network,
      dropbox: {
        messageBytes: d.messageBytes,
        pollEntries: d.pollEntries,
        pollResponseBytes: pollResponseBytes(d.pollEntries, d.messageBytes),
        ttlMs: d.ttlMs,
        aliasQuotaMessages: d.aliasQuotaMessages,
        timestampWindowMs: config.auth.timestampWindowMs,
      },
    });
    let api: FastifyInstance | undefined;
    let admin: FastifyInstance | undefined;
    let mixnet: ProviderMixnet | undefined;
    try {
      api = await buildClientApi({ tls, bodyLimitBytes: config.api.bodyLimitBytes, requestTimeoutMs: config.api.requestTimeoutMs, connectionLimits: config.api, store: opened, surbs, verifier, metrics, wellKnown, identities, identityKey: ed25519PrivateKey(keys.identitySeed, keys.identityPublicKey), ...(linkKeys ? { linkKeys } : {}) });
      await api.listen({ host: config.api.host, port: config.api.port });
      const port = (api.server.address() as AddressInfo).port;
      if (!config.api.publicUrl) apiUrl = `https://${config.api.tls.hostnames[0]}:${port}`;
      log.info({ port }, 'api listening');
      if (config.admin.enabled) {
        admin = await buildAdminApi(metrics);
        await admin.listen({ host: config.admin.host, port: config.admin.port });
        log.info({ port: (admin.server.address() as AddressInfo).port }, 'admin listening');
      }
      if (config.mixnet && linkKeys) {
        mixnet = await ProviderMixnet.start({
          config: config.mixnet,
          dataDir: config.dataDir,
          keys,
          store: opened,
          surbs,
          linkKeys,
          verifier,
          metrics,
          logger: log,
          apiUrl: () => apiUrl,
          ...(options.directory ? { directory: options.directory } : {}),
        });
      }
    } catch (err) {
      await mixnet?.stop();
      await api?.close();
      await admin?.close();
      await opened.close();
      throw err;
    }
    const p = new Provider(config, keys, opened, surbs, metrics, log, api, admin, mixnet, linkKeys);
    p.#sweeper = setInterval(() => p.#sweep(), d.sweepIntervalMs);
    p.#sweeper.unref();
    return p;
  }

  #sweep(): void {
    this.#sweeping = this.#sweeping.then(async () => {
      if (this.#stopped) return;
      try {
        const messages = await this.store.sweepExpired();
        const surbs = await this.surbs.sweepExpired();
        if (messages + surbs > 0) this.log.info({ messages, surbs }, 'expired entries removed');
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'sweep failed');
      }
    });
  }

  /** Bound port of the client API. */
  get apiPort(): number {
    return (this.api.server.address() as AddressInfo).port;
  }

  /**
   * The client API's fastify instance: for in-process fuzzing through `app.inject()` (issue 9,
   * provider/scripts/fuzz.ts). Not for serving: the provider already listens on it.
   */
  get apiServer(): FastifyInstance {
    return this.api;
  }

  /** Bound port of the operator listener, or undefined when disabled. */
  get adminPort(): number | undefined {
    return this.admin ? (this.admin.server.address() as AddressInfo).port : undefined;
  }

  /** Stop listening, let pending commits reach the disk, close LMDB. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#sweeper);
    await this.api.close();
    await this.mixnet?.stop();
    await this.admin?.close();
    await this.#sweeping;
    await this.store.close();
    this.log.info('stopped');
  }
}
