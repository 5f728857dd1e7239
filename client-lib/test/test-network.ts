// The client's test network, all real: a one-authority directory (core's AuthorityFixture: real HTTP,
// real signed consensus), real mix processes (mix-node/src/bin.ts via core's MixProcess: real links,
// real Poisson delays, replay filters) in three layers, and the real provider binary in mixnet mode
// (its own link listener, ingress, egress, SURB-ACKs, anonymous polls, descriptor upload).
// The consensus also lists one provider that is offline (a signed descriptor, no process): packets
// for it are dropped by the last mix, as they would be on a real network with a provider down.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDescriptor, Ed25519Signer, signDescriptor, toHex, type NetworkParams, type SignedDescriptor } from '@strata/core';
import { generateLinkKeyPair } from '@strata/core/link/index';
import { DEFAULT_GEOMETRY, generateNodeKeyPair } from 'sphinx-packet-ts';
import { AuthorityFixture } from '../../core/test/node/authority-fixture.js';
import { MixProcess } from '../../core/test/node/mix-process.js';
import { startProvider, type RunningProvider } from './net-fixtures.js';
import { freePort } from '@strata/core/free-port';

const g = DEFAULT_GEOMETRY;
/** Long epochs: a test never straddles a boundary. */
export const EPOCH_MS = 3_600_000;
const epochNow = (): number => Math.floor(Date.now() / EPOCH_MS);

/** Fast Loopix parameters so that tests finish in seconds (mean per-hop delay 1/μ = 50 ms). */
export const TEST_NETWORK_PARAMS: NetworkParams = Object.freeze({ muPerSecond: 20, lambdaPPerSecond: 12, lambdaLPerSecond: 2, lambdaDPerSecond: 2, lambdaMPerSecond: 1, maxDelayMs: 1000 });


/** A provider in the consensus with no process behind it: signed descriptor only. */
function offlineProvider(): { nodeId(epoch: number): Uint8Array; descriptor(epoch: number): SignedDescriptor } {
  const signer = new Ed25519Signer(new Uint8Array(32).fill(0x54));
  const link = generateLinkKeyPair();
  const sphinx = new Map<number, Uint8Array>();
  const keyOf = (e: number): Uint8Array => {
    if (!sphinx.has(e)) sphinx.set(e, generateNodeKeyPair().publicKey);
    return sphinx.get(e)!;
  };
  const descriptor = (epoch: number): SignedDescriptor =>
    signDescriptor(
      createDescriptor({
        epoch,
        role: 'provider',
        identityKey: signer.publicKey,
        linkKey: link.publicKey,
        linkAddresses: ['tcp://127.0.0.1:1'],
        clientApiUrl: 'https://127.0.0.1:1',
        sphinxPublicKeys: [keyOf(epoch), keyOf(epoch + 1)],
      }),
      signer,
    );
  return { descriptor, nodeId: (epoch) => descriptor(epoch).descriptor.nodeId };
}

export interface TestNetworkOptions {
  /** Mix processes (default 3: one per layer; 4 puts two in one layer). */
  readonly mixes?: number;
  readonly params?: Partial<NetworkParams>;
  /** Further provider `dropbox` settings (net-fixtures startProvider). */
  readonly providerDropbox?: Record<string, unknown>;
}

export class TestNetwork {
  readonly otherProviderNodeId: Uint8Array;

  private constructor(
    readonly authority: AuthorityFixture,
    readonly provider: RunningProvider,
    readonly mixes: readonly MixProcess[],
    other: ReturnType<typeof offlineProvider>,
  ) {
    this.otherProviderNodeId = other.nodeId(epochNow());
  }

  static async start(dir: string, opts: TestNetworkOptions = {}): Promise<TestNetwork> {
    const mixCount = opts.mixes ?? 3;
    const params = { ...TEST_NETWORK_PARAMS, ...opts.params };
    const other = offlineProvider();
    const authority = new AuthorityFixture({
      geometry: g,
      params,
      mixCount,
      providerCount: 1, // the real provider's own upload
      layers: 3,
      extra: (epoch) => [other.descriptor(epoch)],
    });
    await authority.start();
    const authorities = [{ url: authority.url, identityKey: toHex(authority.signer.publicKey) }];
    const directory = { authorities, pollIntervalMs: 200 };
    const epoch = { lengthMs: EPOCH_MS, genesisMs: 0, graceMs: 60_000 };
    const mixes: MixProcess[] = [];
    let provider: RunningProvider | undefined;
    try {
      for (let i = 0; i < mixCount; i++) {
        mkdirSync(join(dir, `mix-cfg${i}`), { recursive: true });
        mixes.push(
          new MixProcess(join(dir, `mix-cfg${i}`), {
            dataDir: join(dir, `mix${i}`),
            listen: { host: '127.0.0.1', port: await freePort() },
            metrics: { enabled: true, host: '127.0.0.1', port: 0 },
            directory,
            epoch,
            workers: { count: 1 },
            maxDelayMs: params.maxDelayMs, // the nodes accept every delay the consensus allows
            loops: { enabled: false, windowMs: 60_000, warnBelowRatio: 0 },
            log: { level: 'info' },
          }),
        );
      }
      for (const m of mixes) m.start();
      provider = await startProvider(dir, {
        authorities,
        ...(opts.providerDropbox ? { dropbox: opts.providerDropbox } : {}),
        network: { epochLengthMs: EPOCH_MS, genesisMs: 0, threshold: 1 },
        mixnet: {
          listen: { host: '127.0.0.1', port: 0 },
          directory,
          epoch,
          workers: { count: 1 },
          maxDelayMs: params.maxDelayMs, // the nodes accept every delay the consensus allows
          rateLimit: { packetsPerSecond: 1000, burst: 2000 },
        },
      });
      await Promise.all(mixes.map((m) => m.waitLine('learned our mix layer', 60_000)));
      return new TestNetwork(authority, provider, mixes, other);
    } catch (err) {
      await Promise.all(mixes.map((m) => m.stop().catch(() => m.kill())));
      await provider?.stop();
      await authority.stop();
      throw err;
    }
  }

  /** Resolves once the document of this epoch exists (every mix and the provider uploaded). */
  async waitForConsensus(): Promise<void> {
    while (!this.authority.document(epochNow())) await new Promise((r) => setTimeout(r, 50));
  }

  /** The layer (1-based) each mix process learned from the consensus. */
  layerOf(m: MixProcess): number {
    return Number(m.line('learned our mix layer')?.layer);
  }

  /** Sphinx packets all live mixes have received on their links (from their metrics). */
  async mixPacketsIn(): Promise<number> {
    let n = 0;
    for (const m of this.mixes) if (m.alive) n += await m.metric('strata_mix_packets_in_total');
    return n;
  }

  async stop(): Promise<void> {
    await Promise.all(this.mixes.map((m) => m.stop().catch(() => m.kill())));
    await this.provider.stop();
    await this.authority.stop();
  }
}
